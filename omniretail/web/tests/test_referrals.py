"""The share-and-rebate pages through Django's test client: the share button, a share
link's landing (forged, own, a guest who then logs in), the shopper's 分享返利 page with
its payout form, and the merchant console's rules and payout review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.conftest import make_staff
from omniretail.ledger.models import Entry
from omniretail.referrals import links, payouts
from omniretail.referrals.models import PayoutRequest, ReferralProgramme, ShareVisit
from omniretail.referrals.tests.fixtures import (  # noqa: F401  (fixtures)
    earn_commission,
    make_reseller,
    referral_settings_fixture,
    referrals_fixture,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def htmx_post(client, path, data=None):
    return client.post(path, data or {}, headers={"HX-Request": "true"})


@pytest.fixture
def withdrawable(referrals):
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=16))
    return reseller


def test_the_product_page_offers_sharing_and_the_button_gives_a_link(client, referrals):
    page = f"/p/{referrals.product.public_id}/"
    assert "登录后分享" in text(client.get(page))
    client.force_login(referrals.sharer)
    assert 'data-testid="share-button"' in text(client.get(page))

    first = htmx_post(client, f"{page}share/")
    assert first.status_code == 200
    assert "获得 10 平台积分" in text(first) and "<svg" in text(first)
    token = links.token_for(referrals.sharer.share_links.get().public_id)
    assert f"/s/{token}/" in text(first)
    again = htmx_post(client, f"{page}share/")
    assert "今天已分享过该商品" in text(again)


def test_a_guest_opens_a_share_link_logs_in_and_the_click_is_theirs(client, referrals):
    token = referrals.share(referrals.sharer)
    landing = client.get(f"/s/{token}/")
    assert landing.status_code == 302
    assert landing["Location"] == f"/p/{referrals.product.public_id}/"
    assert "好友分享" in text(client.get(landing["Location"]))
    visit = ShareVisit.objects.get()
    assert visit.visitor is None
    client.force_login(referrals.buyer)  # login() fires the same signal as the OTP login
    visit.refresh_from_db()
    assert visit.visitor == referrals.buyer


def test_a_tampered_link_gets_a_clear_422_page_and_records_nothing(client, referrals):
    token = referrals.share(referrals.sharer)
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    resp = client.get(f"/s/{tampered}/")
    assert resp.status_code == 422
    assert "分享链接无效或已被篡改" in text(resp)
    assert ShareVisit.objects.count() == 0


def test_opening_ones_own_link_gets_a_409_page_with_the_product(client, referrals):
    token = referrals.share(referrals.sharer)
    client.force_login(referrals.sharer)
    resp = client.get(f"/s/{token}/")
    assert resp.status_code == 409
    assert "自己的分享链接" in text(resp)
    assert f"/p/{referrals.product.public_id}/" in text(resp)
    assert ShareVisit.objects.count() == 0


def test_my_page_shows_rebates_progress_and_links(client, referrals):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    referrals.buy(referrals.buyer)
    referrals.sweep()
    client.force_login(referrals.sharer)
    page = text(client.get("/me/referrals/"))
    assert "¥1.19" in page and "已到账" in page
    assert 'data-testid="progress-row"' in page and "1 / 5" in page
    assert 'data-testid="my-link"' in page
    assert 'data-testid="my-referrals"' in text(client.get("/me/"))


def test_a_payout_below_the_minimum_is_refused_on_the_page(client, withdrawable):
    client.force_login(withdrawable.user)
    page = text(client.get("/me/referrals/"))
    assert "¥99.50" in page and "5%" in page
    rows = Entry.objects.count()
    path = f"/me/referrals/{withdrawable.public_id}/payout/"
    low = client.post(path, {"amount": "20"})
    assert low.status_code == 422 and "不低于 ¥50.00" in text(low)
    high = client.post(path, {"amount": "120"})
    assert high.status_code == 409 and "可提现余额为 ¥99.50" in text(high)
    assert Entry.objects.count() == rows and PayoutRequest.objects.count() == 0
    ok = client.post(path, {"amount": "60"})
    assert ok.status_code == 302
    assert PayoutRequest.objects.get().amount == 60


def test_the_manager_reviews_payouts_in_the_console(client, referrals, withdrawable):
    payout = payouts.request_payout(user=withdrawable.user, reseller=withdrawable, amount="60")
    client.force_login(referrals.staff)
    console = client.get("/merchant/referrals/")
    assert console.status_code == 200
    body = text(console)
    assert 'data-testid="payout-request"' in body and "¥60.00" in body
    assert 'data-testid="referral-chart"' in body and "plotly" in body.lower()

    path = f"/merchant/referrals/payouts/{payout.public_id}/decide/"
    refused = client.post(path, {"decision": "reject", "reason": ""})
    assert refused.status_code == 422 and "驳回时请说明原因" in text(refused)
    assert client.post(path, {"decision": "reject", "reason": "账户信息不全"}).status_code == 302
    payout.refresh_from_db()
    assert payout.status == "rejected" and payout.reason == "账户信息不全"


RULES_FORM = {
    "is_active": "on",
    "rebate_rate": "4.5",
    "rebate_form": "points",
    "attribution_days": "10",
    "reseller_threshold": "3",
    "tier_up_to_0": "10",
    "tier_rate_0": "6",
    "tier_up_to_1": "",
    "tier_rate_1": "9",
    "payout_minimum": "30",
    "freeze_days": "5",
}


def test_the_manager_changes_the_rules_and_bad_input_changes_nothing(client, referrals):
    client.force_login(referrals.staff)
    form = RULES_FORM
    assert client.post("/merchant/referrals/programme/", form).status_code == 302
    saved = ReferralProgramme.objects.get()
    assert str(saved.rebate_rate) == "0.0450" and saved.rebate_form == "points"
    assert saved.tiers == [{"up_to": 10, "rate": "0.0600"}, {"up_to": None, "rate": "0.0900"}]

    bad = client.post("/merchant/referrals/programme/", {**form, "rebate_rate": "35"})
    assert bad.status_code == 422 and "0% 到 20%" in text(bad)
    bad = client.post("/merchant/referrals/programme/", {**form, "tier_rate_0": "abc"})
    assert bad.status_code == 422
    saved.refresh_from_db()
    assert str(saved.rebate_rate) == "0.0450" and saved.freeze_days == 5

    rate = {"product": referrals.product.public_id, "rate": "5"}
    assert client.post("/merchant/referrals/rate/", rate).status_code == 302
    assert "5%" in text(client.get("/merchant/referrals/"))


def test_shoppers_and_plain_staff_cannot_change_the_rules(client, referrals, merchant):
    client.force_login(referrals.buyer)
    assert client.get("/merchant/referrals/").status_code == 403
    clerk = make_staff(merchant, "till", role="staff")
    client.force_login(clerk)
    resp = client.post("/merchant/referrals/programme/", RULES_FORM)
    assert resp.status_code == 403
    assert not ReferralProgramme.objects.exists()


def test_another_merchants_manager_cannot_decide_our_payouts(
    client, withdrawable, other_merchant, other_merchant_staff
):
    from omniretail.conftest import make_store

    make_store(other_merchant_staff, other_merchant, "西溪店", lat=30.2747, lon=120.0706)
    payout = payouts.request_payout(user=withdrawable.user, reseller=withdrawable, amount="60")
    client.force_login(other_merchant_staff)
    resp = client.post(
        f"/merchant/referrals/payouts/{payout.public_id}/decide/", {"decision": "approve"}
    )
    assert resp.status_code == 404
    payout.refresh_from_db()
    assert payout.status == "requested"
