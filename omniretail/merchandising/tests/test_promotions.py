"""门店促销: a store's promotion prices lines bought at that store inside its window only
(percent or amount off, buy N get M free); against a 特价 the lower price wins, never both;
bad input is refused field by field with nothing written."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.merchandising import promotions, services
from omniretail.merchandising.models import Promotion

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 12, 0, 0, tzinfo=BEIJING)
END = datetime(2026, 12, 13, 0, 0, tzinfo=BEIJING)
SECOND = timedelta(seconds=1)


def promote(actor, store, **kw):
    fields = {
        "title": "双十二店庆",
        "kind": Promotion.Kind.PERCENT_OFF,
        "percent": 20,
        "starts_at": START,
        "ends_at": END,
    } | kw
    return promotions.create_promotion(actor=actor, store=store, **fields)


def total(store, sku, quantity, now):
    return promotions.line_totals(store=store, lines=[(sku, quantity)], now=now)[sku.pk][0]


def test_percent_off_applies_inside_the_window_only(merchant_staff, store, sku):
    promote(merchant_staff, store, products=[sku.product])
    assert total(store, sku, 2, START - SECOND) == Decimal("79.80")
    assert total(store, sku, 2, START) == Decimal("63.84")
    assert total(store, sku, 2, END - SECOND) == Decimal("63.84")
    assert total(store, sku, 2, END) == Decimal("79.80")


def test_only_lines_bought_at_that_store(merchant_staff, store, other_store, sku):
    promote(merchant_staff, store, products=[sku.product])
    assert total(other_store, sku, 1, START) == Decimal("39.90")


def test_a_category_promotion_covers_its_products_only(merchant_staff, store, sku, sku2):
    promote(
        merchant_staff,
        store,
        kind=Promotion.Kind.AMOUNT_OFF,
        amount="5",
        percent=None,
        category=sku.product.category,
    )
    assert total(store, sku, 1, START) == Decimal("34.90")
    assert total(store, sku2, 1, START) == Decimal("393.00")  # same fixture category


def test_buy_three_get_one_on_four_units_charges_three(merchant_staff, store, sku):
    promote(
        merchant_staff,
        store,
        title="面膜买三赠一",
        kind=Promotion.Kind.BUY_GET,
        buy_n=3,
        get_m=1,
        products=[sku.product],
    )
    assert total(store, sku, 3, START) == Decimal("119.70")
    assert total(store, sku, 4, START) == Decimal("119.70")
    assert total(store, sku, 8, START) == Decimal("239.40")
    assert total(store, sku, 4, END) == Decimal("159.60")


def test_against_a_special_the_lower_price_wins_never_both(
    merchant_staff, platform_staff, store, sku
):
    services.create_special(
        actor=platform_staff, sku=sku, price="29.90", starts_at=START, ends_at=END
    )
    promote(merchant_staff, store, percent=10, products=[sku.product])
    # 10% off the list price is 35.91: the special's 29.90 is lower and is not cut again
    assert promotions.line_totals(store=store, lines=[(sku, 1)], now=START)[sku.pk] == (
        Decimal("29.90"),
        None,
    )
    deeper = promote(merchant_staff, store, title="半价", percent=50, products=[sku.product])
    assert promotions.line_totals(store=store, lines=[(sku, 1)], now=START)[sku.pk] == (
        Decimal("19.95"),
        deeper,
    )


def test_bad_input_names_every_field_and_writes_nothing(merchant_staff, store, sku):
    with pytest.raises(ValidationFailed) as refused:
        promote(merchant_staff, store, title="", percent=100, ends_at=START)
    assert set(refused.value.fields) == {"title", "percent", "ends_at", "products"}
    with pytest.raises(ValidationFailed) as refused:
        promote(
            merchant_staff,
            store,
            kind=Promotion.Kind.BUY_GET,
            buy_n=0,
            get_m=0,
            products=[sku.product],
        )
    assert set(refused.value.fields) == {"buy_n", "get_m"}
    with pytest.raises(ValidationFailed) as refused:
        promote(merchant_staff, store, kind=Promotion.Kind.AMOUNT_OFF, amount="0", category=None)
    assert "amount" in refused.value.fields
    assert not Promotion.objects.exists()


def test_another_merchants_staff_may_not_promote_our_store(other_merchant_staff, store, sku):
    with pytest.raises(PermissionDenied):
        promote(other_merchant_staff, store, products=[sku.product])
    assert not Promotion.objects.exists()


def test_ending_early_stops_the_price_and_the_badge(merchant_staff, store, sku):
    promotion = promote(merchant_staff, store, products=[sku.product])
    midday = START + timedelta(hours=12)
    promotions.end_promotion(actor=merchant_staff, promotion=promotion, now=midday)
    assert total(store, sku, 1, midday) == Decimal("39.90")
    assert promotions.stores_promoting([store], now=midday) == {}
    assert promotions.stores_promoting([store], now=midday - SECOND) == {store.pk: promotion}
