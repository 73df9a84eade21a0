"""Awards, spends, refunds and expiry as a member sees them: lots spent soonest-expiring
first, lapsed points neither spendable nor silently vanishing, replays changing nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.ledger.models import Entry, Posting
from omniretail.ledger.services import InsufficientFunds
from omniretail.loyalty import selectors, services
from omniretail.loyalty.models import Lot

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


def award(user, points, key, days=365, **kw):
    return services.award_points(
        user=user,
        asset_code=kw.pop("asset_code", PTS),
        points=points,
        reason="test",
        idempotency_key=key,
        expires_on=timezone.localdate() + timedelta(days=days),
        **kw,
    )


def spend(user, points, key, **kw):
    return services.spend_points(
        user=user,
        asset_code=kw.pop("asset_code", PTS),
        points=points,
        reason="t",
        idempotency_key=key,
        **kw,
    )


def test_an_award_is_a_lot_that_expires_after_the_configured_days(shopper, settings):
    settings.OMNI_POINTS_VALID_DAYS = 30
    services.award_points(
        user=shopper, asset_code=PTS, points=50, reason="signup", idempotency_key="a1"
    )
    lot = Lot.objects.get()
    assert selectors.balance(shopper, PTS) == 50
    assert lot.remaining == 50
    assert lot.expires_on == timezone.localdate() + timedelta(days=30)


def test_a_spend_draws_the_soonest_expiring_lot_first(shopper):
    award(shopper, 100, "late", days=300)
    award(shopper, 40, "soon", days=10)
    spend(shopper, 60, "s1")
    remaining = {lot.posting.idempotency_key: lot.remaining for lot in Lot.objects.all()}
    assert remaining == {"loyalty:soon": 0, "loyalty:late": 80}
    assert selectors.balance(shopper, PTS) == 80


def test_spending_more_than_the_balance_is_refused_and_nothing_changes(shopper):
    award(shopper, 10, "a")
    with pytest.raises(InsufficientFunds) as err:
        spend(shopper, 11, "s")
    assert err.value.status == 409
    assert selectors.balance(shopper, PTS) == 10
    assert Posting.objects.count() == 1


def test_expired_points_cannot_be_spent_and_the_sweep_moves_them_to_breakage(shopper):
    award(shopper, 30, "old", days=0)
    award(shopper, 5, "new", days=10)
    Lot.objects.filter(posting__idempotency_key="loyalty:old").update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(services.PointsExpired) as err:
        spend(shopper, 20, "s")
    assert err.value.code == "points_expired"
    assert selectors.balance(shopper, PTS) == 35  # a date passing moves nothing by itself

    assert services.expire_due_lots() == 1
    assert services.expire_due_lots() == 0
    assert selectors.balance(shopper, PTS) == 5
    assert services.breakage_account(PTS).balance == 30
    spend(shopper, 5, "s2")


def test_a_replayed_award_or_spend_changes_nothing(shopper):
    first = award(shopper, 10, "a")
    assert award(shopper, 10, "a").pk == first.pk
    s = spend(shopper, 4, "s")
    assert spend(shopper, 4, "s").pk == s.pk
    assert selectors.balance(shopper, PTS) == 6
    assert Entry.objects.count() == 4


def test_a_tampered_replay_is_refused_and_nothing_changes(shopper):
    award(shopper, 10, "a")
    with pytest.raises(Conflict) as err:
        award(shopper, 99, "a")
    assert err.value.code == "idempotency_key_reused"
    with pytest.raises(Conflict):
        award(shopper, 10, "a", days=20)
    assert selectors.balance(shopper, PTS) == 10
    assert Lot.objects.count() == 1


@pytest.mark.parametrize("points", [0, -5, True, 1.5, "10"])
def test_points_must_be_a_positive_integer(shopper, points):
    with pytest.raises(ValidationFailed):
        award(shopper, points, "bad")
    assert Posting.objects.count() == 0


def test_a_refunded_spend_puts_the_points_back_with_their_expiry(shopper):
    award(shopper, 20, "a", days=50)
    s = spend(shopper, 15, "s")
    back = services.refund_spend(posting_id=s.public_id, idempotency_key="r", reason="voucher")
    assert services.refund_spend(posting_id=s.public_id, idempotency_key="r", reason="x") == back
    assert selectors.balance(shopper, PTS) == 20
    assert Lot.objects.get(posting=back).expires_on == timezone.localdate() + timedelta(days=50)
    with pytest.raises(Conflict):
        services.refund_spend(posting_id=s.public_id, idempotency_key="r2", reason="again")
    assert selectors.balance(shopper, PTS) == 20


def test_refunding_an_unknown_spend_is_not_found(shopper):
    with pytest.raises(NotFound):
        services.refund_spend(posting_id="nope", idempotency_key="r", reason="x")


def test_offline_points_belong_to_one_merchant(shopper, merchant):
    code = services.merchant_asset_code(merchant)
    award(shopper, 25, "o", asset_code=code)
    assert selectors.balance(shopper, code) == 25
    assert selectors.balance(shopper, PTS) == 0
    with pytest.raises(ValidationFailed):
        award(shopper, 5, "x", asset_code="PTS:ORG:unknown")


def test_an_earn_rule_decides_scan_points_and_a_product_rule_wins(merchant, sku):
    product = sku.product
    product.owner = merchant
    product.save(update_fields=["owner"])
    services.set_earn_rule(org=merchant, kind="scan", points=2)
    services.set_earn_rule(org=merchant, kind="first_scan", points=10, product=product)
    assert services.points_for_event(kind="scan", org=merchant, product=product) == 2
    assert services.points_for_event(kind="first_scan", org=merchant, product=product) == 10
    assert services.points_for_event(kind="first_scan", org=merchant) == 0
    assert services.points_for_event(kind="share", org=merchant) == 0


def test_quantity_tiers_one_item_earns_one_two_identical_earn_three(merchant):
    rule = services.set_earn_rule(org=merchant, kind="per_item", points=1, tiers={"2": 3})
    assert [services.points_for_items(rule, n) for n in (1, 2, 3, 4)] == [1, 3, 4, 6]
    with pytest.raises(ValidationFailed):
        services.set_earn_rule(org=merchant, kind="per_item", points=1, tiers={"0": 3})


def test_a_merchants_liability_is_what_it_issued_less_spent_and_expired(shopper, merchant):
    award(shopper, 100, "a", source_org=merchant)
    award(shopper, 20, "b", days=3, source_org=merchant)
    award(shopper, 7, "platform-funded")
    spend(shopper, 10, "s")  # from lot b, the soonest to expire
    Lot.objects.filter(posting__idempotency_key="loyalty:b").update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    services.expire_due_lots()  # b's other 10 lapse
    data = selectors.liability(merchant)
    assert data["outstanding"] == 100  # 120 issued, 10 spent, 10 lapsed
    assert [d["points"] for d in data["series"][-2:]] == [0, 100]
    assert -services.clearing_account(merchant, PTS).balance == 120
