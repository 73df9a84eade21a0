"""特价: the special price applies at checkout inside its window and never outside it; a
member past the per-member limit and a sold-out stock cap are refused with a clear message."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.merchandising import picker, services, specials
from omniretail.merchandising.models import Special
from omniretail.orders import pricing
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + timedelta(days=1)
END = START + timedelta(hours=6)


def special(actor, sku, **kw):
    fields = {"price": "19.90", "starts_at": START, "ends_at": END} | kw
    return services.create_special(actor=actor, sku=sku, **fields)


def test_the_price_changes_exactly_at_the_windows_edges(platform_staff, sku):
    special(platform_staff, sku)
    second = timedelta(seconds=1)
    assert pricing.unit_prices([sku], now=START - second)[sku.pk] == Decimal("39.90")
    assert pricing.unit_prices([sku], now=START)[sku.pk] == Decimal("19.90")
    assert pricing.unit_prices([sku], now=END - second)[sku.pk] == Decimal("19.90")
    assert pricing.unit_prices([sku], now=END)[sku.pk] == Decimal("39.90")


def test_the_product_pages_picker_prices_from_the_pages_specials_as_checkout_does(
    platform_staff, sku
):
    """The product page reads the running specials once, for its badge and its picker: the
    picker's prices from them are checkout's (the cheapest special)."""
    now = timezone.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(hours=1)}
    special(platform_staff, sku, price="29.90", **window)
    special(platform_staff, sku, price="19.90", **window)

    read_once = picker.spec_picker(sku.product, now=now, running=specials.running(now=now))

    assert read_once == picker.spec_picker(sku.product, now=now)
    prices = pricing.unit_prices([sku], now=now)
    shown = {row["code"]: row["price"] for row in read_once["skus"]}
    assert shown[sku.code] == f"{prices[sku.pk]:.2f}" == "19.90"


def test_checkout_charges_the_special_price_while_it_runs(platform_staff, sku, sku2, place_order):
    now = timezone.now()
    special(
        platform_staff, sku, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    order = place_order(lines=[(sku, 2), (sku2, 1)])
    assert order.subtotal == Decimal("19.90") * 2 + Decimal("398.00")
    assert order.total == order.subtotal
    assert order.lines.get(sku=sku).unit_price == Decimal("19.90")


def test_checkout_after_the_window_charges_the_list_price(platform_staff, sku, place_order):
    now = timezone.now()
    special(
        platform_staff, sku, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    assert place_order(lines=[(sku, 1)]).total == Decimal("39.90")


def test_a_member_over_the_limit_is_refused_and_nothing_is_written(
    platform_staff, sku, place_order
):
    now = timezone.now()
    special(
        platform_staff,
        sku,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        per_member_limit=2,
    )
    place_order(lines=[(sku, 1)])
    with pytest.raises(Conflict) as refused:
        place_order(lines=[(sku, 2)])
    assert "每人限购 2 件，您已购 1 件" in str(refused.value.message)
    assert Order.objects.count() == 1
    other = User.objects.create(username="m13700000002", phone="13700000002")
    assert place_order(lines=[(sku, 2)], who=other).total == Decimal("39.80")


def test_a_cancelled_order_gives_its_special_units_back(platform_staff, sku, place_order):
    from omniretail.orders import services as orders

    now = timezone.now()
    special(
        platform_staff,
        sku,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        per_member_limit=1,
    )
    first = place_order(lines=[(sku, 1)])
    orders.cancel_order(order=first, actor=first.shopper)
    assert place_order(lines=[(sku, 1)]).total == Decimal("19.90")


def test_a_sold_out_cap_ends_the_special_and_over_the_cap_is_refused(
    platform_staff, sku, place_order
):
    now = timezone.now()
    special(
        platform_staff,
        sku,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        stock_cap=3,
    )
    with pytest.raises(Conflict) as refused:
        place_order(lines=[(sku, 4)])
    assert "特价仅剩 3 件" in str(refused.value.message)
    place_order(lines=[(sku, 3)])
    assert pricing.unit_prices([sku])[sku.pk] == Decimal("39.90")
    other = User.objects.create(username="m13700000002", phone="13700000002")
    assert place_order(lines=[(sku, 1)], who=other).total == Decimal("39.90")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START - timedelta(minutes=1)}, "ends_at"),
        ({"price": "39.90"}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "十元"}, "price"),
        ({"stock_cap": 0}, "stock_cap"),
        ({"per_member_limit": "2"}, "per_member_limit"),
    ],
)
def test_a_bad_special_is_refused_with_a_422_and_writes_nothing(platform_staff, sku, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        special(platform_staff, sku, **fields)
    assert refused.value.status == 422
    assert field in refused.value.fields
    assert not Special.objects.exists()


def test_a_merchant_cannot_put_a_producers_sku_on_special(merchant_staff, sku):
    with pytest.raises(PermissionDenied):
        special(merchant_staff, sku)


def test_the_producer_may(producer_staff, sku):
    assert special(producer_staff, sku).price == Decimal("19.90")


def test_the_running_specials_tell_their_caps_in_one_query_however_many_have_one(
    platform_staff, sku, sku2, place_order, django_assert_max_num_queries
):
    now = timezone.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(hours=1)}
    sold_out = special(platform_staff, sku, price="29.90", stock_cap=2, **window)
    left = special(platform_staff, sku2, price="9.90", stock_cap=5, **window)
    place_order(lines=[(sku, 2), (sku2, 1)])
    special(platform_staff, sku2, price="8.90", stock_cap=1, **window | {"starts_at": now})
    uncapped = special(platform_staff, sku, price="35.90", **window)

    with django_assert_max_num_queries(2):  # the specials, then every cap's sales at once
        running = specials.running(now=timezone.now())

    # the 8.90 sold none of its one unit: the order's line was priced at 9.90
    assert [s.price for s in running] == [Decimal("8.90"), Decimal("9.90"), Decimal("35.90")]
    assert left in running and uncapped in running and sold_out not in running
