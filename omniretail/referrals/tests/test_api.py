"""/api/referrals as a shopper, a reseller and a merchant's manager use it: clear 4xx for
bad input with nothing changed, idempotent writes, and nobody sees another's data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.conftest import make_staff
from omniretail.ledger.models import Entry
from omniretail.ledger.selectors import balance_for_user
from omniretail.referrals import payouts
from omniretail.referrals.models import PayoutRequest, ReferralProgramme, ShareVisit
from omniretail.referrals.tests.fixtures import earn_commission, make_reseller

pytestmark = pytest.mark.django_db


def error(resp) -> dict:
    return resp.json()["error"]


def test_share_gives_a_signed_link_and_points_once(api_client, referrals):
    client = api_client(referrals.sharer)
    body = {"product": referrals.product.public_id}
    first = client.post("/api/referrals/links", body, headers={"Idempotency-Key": "s1"})
    assert first.status_code == 201, first.content
    assert first.json()["points_awarded"] == 10
    assert first.json()["url"].endswith(f"/s/{first.json()['token']}/")
    replay = client.post("/api/referrals/links", body, headers={"Idempotency-Key": "s1"})
    assert replay.json() == first.json()
    again = client.post("/api/referrals/links", body, headers={"Idempotency-Key": "s2"})
    assert again.json()["points_awarded"] == 0 and again.json()["token"] == first.json()["token"]
    assert balance_for_user(referrals.sharer, "PTS:PLATFORM") == 10
    other = {"product": referrals.sku2.product.public_id}
    reused = client.post("/api/referrals/links", other, headers={"Idempotency-Key": "s1"})
    assert reused.status_code == 409


def test_sharing_needs_a_login_and_a_real_product(api_client, referrals):
    body = {"product": referrals.product.public_id}
    assert api_client().post("/api/referrals/links", body).status_code == 401
    missing = api_client(referrals.sharer).post("/api/referrals/links", {"product": "x" * 26})
    assert missing.status_code == 404


def test_a_forged_link_is_a_422_and_ones_own_a_409_with_nothing_recorded(api_client, referrals):
    token = referrals.share(referrals.sharer)
    forged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    resp = api_client(referrals.buyer).post("/api/referrals/visits", {"token": forged})
    assert resp.status_code == 422 and error(resp)["code"] == "invalid_share_link"
    assert "token" in error(resp)["fields"]
    own = api_client(referrals.sharer).post("/api/referrals/visits", {"token": token})
    assert own.status_code == 409 and error(own)["code"] == "self_referral"
    assert ShareVisit.objects.count() == 0
    good = api_client(referrals.buyer).post("/api/referrals/visits", {"token": token})
    assert good.status_code == 201 and good.json()["product"] == referrals.product.public_id


def test_the_sharer_sees_links_earnings_and_summary(api_client, referrals):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    referrals.buy(referrals.buyer)
    referrals.sweep()
    client = api_client(referrals.sharer)
    [link] = client.get("/api/referrals/me/links").json()
    assert (link["clicks"], link["sales"]) == (1, 1)
    [earning] = client.get("/api/referrals/me/earnings").json()
    assert (earning["status"], earning["amount"], earning["rate"]) == ("credited", "1.19", "0.0300")
    summary = client.get("/api/referrals/me/summary").json()
    assert summary["cash_rebates"] == "1.19" and summary["links"] == 1
    assert api_client(referrals.buyer).get("/api/referrals/me/earnings").json() == []


def test_a_reseller_requests_a_payout_and_the_manager_reviews_it(api_client, referrals):
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=16))
    client = api_client(reseller.user)
    [mine] = client.get("/api/referrals/me/resellers").json()
    assert mine["withdrawable"] == "99.50" and mine["month_orders"] == 1
    path = f"/api/referrals/me/resellers/{reseller.public_id}/payouts"
    rows = Entry.objects.count()

    for amount, status, code in (("10.00", 422, "validation_failed"), ("99.51", 409, None)):
        resp = client.post(path, {"amount": amount}, headers={"Idempotency-Key": f"bad{amount}"})
        assert resp.status_code == status, resp.content
        assert "amount" in error(resp)["fields"]
        if code:
            assert error(resp)["code"] == code
    assert Entry.objects.count() == rows and PayoutRequest.objects.count() == 0

    made = client.post(path, {"amount": "60.00"}, headers={"Idempotency-Key": "p1"})
    assert made.status_code == 201
    assert client.post(path, {"amount": "60.00"}, headers={"Idempotency-Key": "p1"}).json() == (
        made.json()
    )
    assert PayoutRequest.objects.count() == 1

    manager = api_client(referrals.staff)
    listed = manager.get(f"/api/referrals/merchants/{referrals.merchant.public_id}/payouts")
    assert [p["id"] for p in listed.json()] == [made.json()["id"]]
    decision = f"/api/referrals/payouts/{made.json()['id']}/decision"
    no_reason = manager.post(decision, {"approve": False}, headers={"Idempotency-Key": "d0"})
    assert no_reason.status_code == 422 and "reason" in error(no_reason)["fields"]
    done = manager.post(decision, {"approve": True}, headers={"Idempotency-Key": "d1"})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    twice = manager.post(decision, {"approve": True}, headers={"Idempotency-Key": "d2"})
    assert twice.status_code == 409

    statements = client.get(f"/api/referrals/me/resellers/{reseller.public_id}/statements")
    [month] = statements.json()
    assert (month["earned"], month["withdrawn"], month["closing"]) == ("99.50", "60.00", "39.50")


def test_another_merchants_staff_and_shoppers_see_nothing(
    api_client, referrals, other_merchant_staff, other_merchant
):
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=16))
    payout = payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    rival = api_client(other_merchant_staff)
    merchant = referrals.merchant.public_id
    assert rival.get(f"/api/referrals/merchants/{merchant}/programme").status_code == 404
    assert rival.get(f"/api/referrals/merchants/{merchant}/payouts").status_code == 404
    resp = rival.post(f"/api/referrals/payouts/{payout.public_id}/decision", {"approve": True})
    assert resp.status_code == 404
    stranger = api_client(referrals.other)
    assert (
        stranger.get(f"/api/referrals/me/resellers/{reseller.public_id}/payouts").status_code == 404
    )
    resp = stranger.post(
        f"/api/referrals/me/resellers/{reseller.public_id}/payouts", {"amount": "60.00"}
    )
    assert resp.status_code == 404
    payout.refresh_from_db()
    assert payout.status == "requested"


def test_staff_and_customer_service_read_no_programme_or_payouts_as_for_the_loyalty_api(
    api_client, referrals
):
    """Managers' data (the rules, resellers' payouts) is not found for the merchant's other
    roles, as /api/loyalty answers its managed routes."""
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=16))
    payout = payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    merchant = referrals.merchant.public_id
    for role in ("staff", "customer_service"):
        member = api_client(make_staff(referrals.merchant, f"r-{role}", role=role))
        assert member.get(f"/api/referrals/merchants/{merchant}/programme").status_code == 404
        assert member.get(f"/api/referrals/merchants/{merchant}/payouts").status_code == 404
        decided = member.post(
            f"/api/referrals/payouts/{payout.public_id}/decision", {"approve": True}
        )
        assert decided.status_code == 404
    payout.refresh_from_db()
    assert payout.status == "requested"


def test_the_manager_sets_rates_and_tiers_and_bad_values_change_nothing(api_client, referrals):
    manager = api_client(referrals.staff)
    path = f"/api/referrals/merchants/{referrals.merchant.public_id}/programme"
    good = {
        "rebate_rate": "0.0400",
        "tiers": [
            {"up_to": 10, "rate": "0.06"},
            {"up_to": 30, "rate": "0.09"},
            {"up_to": None, "rate": "0.15"},
        ],
        "payout_minimum": "20.00",
        "freeze_days": 3,
    }
    resp = manager.put(path, good, headers={"Idempotency-Key": "c1"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["tiers"][1] == {"up_to": 30, "rate": "0.0900"}
    for bad, field in (
        ({"rebate_rate": "0.5"}, "rebate_rate"),
        ({"rebate_rate": "3%"}, "rebate_rate"),
        ({"rebate_form": "bitcoin"}, "rebate_form"),
        (
            {"tiers": [{"up_to": 30, "rate": "0.05"}, {"up_to": 10, "rate": "0.08"}]},
            "tiers.1.up_to",
        ),
        ({"tiers": [{"up_to": 10, "rate": "0.05"}]}, "tiers.0.up_to"),
        ({"tiers": [{"up_to": None, "rate": "0.9"}]}, "tiers.0.rate"),
        ({"payout_minimum": "-1"}, "payout_minimum"),
        ({"freeze_days": 365}, "freeze_days"),
    ):
        resp = manager.put(path, bad)
        assert resp.status_code == 422, (bad, resp.content)
        assert field in error(resp)["fields"], (bad, error(resp))
    programme = ReferralProgramme.objects.get()
    assert str(programme.rebate_rate) == "0.0400" and programme.freeze_days == 3

    rate = manager.put(
        f"/api/referrals/merchants/{referrals.merchant.public_id}/products/"
        f"{referrals.product.public_id}/rate",
        {"rate": "0.05"},
    )
    assert rate.status_code == 200 and rate.json()["rate"] == "0.0500"
    assert api_client(referrals.buyer).put(path, good).status_code == 404


def test_a_click_sent_twice_with_one_idempotency_key_is_recorded_once(api_client, referrals):
    token = referrals.share(referrals.sharer)
    client = api_client(referrals.buyer)
    headers = {"Idempotency-Key": "click-1"}
    first = client.post("/api/referrals/visits", {"token": token}, headers=headers)
    assert first.status_code == 201, first.content
    assert first.json()["product_name"] == referrals.product.name
    replay = client.post("/api/referrals/visits", {"token": token}, headers=headers)
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert ShareVisit.objects.filter(visitor=referrals.buyer).count() == 1
