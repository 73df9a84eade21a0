"""免费试用: a claim is a 0-price order for pickup or delivery, within the offer's own stock
and the member's limit; the console counts requests and the members who later bought."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniretail.inventory.models import StockLevel
from omniretail.merchandising import samples
from omniretail.merchandising.models import SampleClaim, SampleOffer
from omniretail.orders import services as orders
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db


def _slot():
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)


@pytest.fixture
def offer(producer_staff, sku, stocked):
    now = timezone.now()
    return samples.create_offer(
        actor=producer_staff,
        sku=sku,
        stock=2,
        per_member_limit=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )


@pytest.fixture
def pickup(store):
    return lambda: orders.resolve_fulfilment(kind="pickup", store=store, pickup_slot_start=_slot())


def member(n: int) -> User:
    return User.objects.create(username=f"m1390000{n:04d}", phone=f"1390000{n:04d}")


def test_a_claim_is_a_paid_0_price_pickup_order_with_a_pickup_code(offer, shopper, pickup, sku):
    claim = samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup())
    order = claim.order
    assert (order.status, order.total, order.fulfilment) == (Order.Status.PAID, 0, "pickup")
    line = order.lines.get()
    assert (line.sku, line.unit_price, line.quantity) == (sku, Decimal("0.00"), 1)
    assert order.pickup_code.code
    assert StockLevel.objects.get(sku=sku).on_hand == 49  # the sample left the shelf
    offer.refresh_from_db()
    assert offer.remaining == 1


def test_a_claim_for_delivery_waits_for_a_rider(offer, shopper, store):
    fulfilment = orders.resolve_fulfilment(
        kind="delivery",
        store=store,
        delivery_address={"name": "张三", "phone": "13700000001", "address": "西湖区文三路1号"},
    )
    order = samples.claim_sample(member=shopper, offer=offer, fulfilment=fulfilment).order
    assert (order.status, order.total, order.fulfilment) == (Order.Status.PAID, 0, "delivery")
    assert order.delivery.status


def test_a_member_over_the_limit_is_refused_and_nothing_changes(offer, shopper, pickup):
    samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup())
    with pytest.raises(Conflict) as exc:
        samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup())
    assert exc.value.code == "sample_limit"
    offer.refresh_from_db()
    assert offer.remaining == 1
    assert Order.objects.filter(shopper=shopper).count() == 1


def test_the_offers_own_stock_runs_out_before_the_shelf(offer, pickup):
    for n in range(2):
        samples.claim_sample(member=member(n), offer=offer, fulfilment=pickup())
    with pytest.raises(Conflict) as exc:
        samples.claim_sample(member=member(3), offer=offer, fulfilment=pickup())
    assert exc.value.code == "sample_sold_out"
    with pytest.raises(NotFound):
        samples.running_offer(offer.public_id)  # ended for shoppers: no button, no claim


def test_an_empty_shelf_gives_the_unit_back(producer_staff, sku, store, pickup):
    now = timezone.now()
    offer = samples.create_offer(
        actor=producer_staff, sku=sku, stock=5, starts_at=now, ends_at=now + timedelta(days=1)
    )
    with pytest.raises(Conflict):
        samples.claim_sample(member=member(1), offer=offer, fulfilment=pickup())
    offer.refresh_from_db()
    assert offer.remaining == 5
    assert not SampleClaim.objects.exists()


def test_outside_the_window_a_claim_is_refused(offer, shopper, pickup):
    later = offer.ends_at + timedelta(seconds=1)
    with pytest.raises(Conflict):
        samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup(), now=later)
    assert not Order.objects.exists()


def test_bad_offers_are_refused_on_their_fields(producer_staff, sku):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        samples.create_offer(
            actor=producer_staff, sku=sku, stock=0, starts_at=now, ends_at=now - timedelta(1)
        )
    assert set(exc.value.fields) == {"stock", "ends_at"}
    assert not SampleOffer.objects.exists()


def test_only_the_products_owner_or_the_platform_runs_samples(merchant_staff, sku):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        samples.create_offer(
            actor=merchant_staff, sku=sku, stock=3, starts_at=now, ends_at=now + timedelta(1)
        )


def test_a_later_paid_purchase_of_the_product_converts_the_claim(
    offer, shopper, pickup, place_order, pay, producer_staff, merchant_staff
):
    samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup())
    samples.claim_sample(member=member(7), offer=offer, fulfilment=pickup())
    place_order()  # unpaid: not yet a conversion
    (watched,) = samples.offers_for(producer_staff)
    assert (watched.claim_count, watched.conversions, watched.rate) == (2, 0, 0)
    pay(place_order())
    (watched,) = samples.offers_for(producer_staff)
    assert (watched.claim_count, watched.conversions, watched.rate) == (2, 1, 50)
    converted = {c.member_id: c.converted for c in samples.claims_of(watched)}
    assert converted[shopper.pk] is True
    assert samples.offers_for(merchant_staff) == []  # another organisation's product


def test_samples_given_away_do_not_count_as_sales(offer, shopper, pickup):
    from omniretail.merchandising import ranking

    samples.claim_sample(member=shopper, offer=offer, fulfilment=pickup())
    assert ranking.refresh() == 0


def test_the_api_claims_a_sample_and_refuses_a_second_claim(
    api_client, offer, shopper, store, producer_staff
):
    body = {"fulfilment": "pickup", "store": store.public_id, "pickup_slot": _slot().isoformat()}
    client = api_client(shopper)
    response = client.post(f"/api/merchandising/samples/{offer.public_id}/claims", body)
    assert response.status_code == 201, response.content
    assert response.json()["order"]["total"] == "0.00"
    again = client.post(f"/api/merchandising/samples/{offer.public_id}/claims", body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "sample_limit"
    assert Order.objects.filter(shopper=shopper).count() == 1
    listed = api_client().get("/api/merchandising/samples").json()
    assert [(o["id"], o["remaining"]) for o in listed] == [(offer.public_id, 1)]
    stats = api_client(producer_staff).get("/api/merchandising/manage/samples").json()
    assert (stats[0]["claims"], stats[0]["conversion_rate"]) == (1, 0)


def test_the_api_refuses_a_bad_offer_and_writes_nothing(api_client, producer_staff, sku):
    now = timezone.now()
    response = api_client(producer_staff).post(
        "/api/merchandising/manage/samples",
        {
            "sku": sku.public_id,
            "stock": 3,
            "starts_at": now.isoformat(),
            "ends_at": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "ends_at" in response.json()["error"]["fields"]
    assert not SampleOffer.objects.exists()


def test_an_offer_ended_early_stops_at_once_and_ending_it_again_changes_nothing(
    offer, shopper, pickup, producer_staff
):
    now = timezone.now()
    samples.end_offer(actor=producer_staff, offer=offer, now=now)
    offer.refresh_from_db()
    assert offer.ends_at == now
    assert offer.sku.product_id not in samples.running_by_product(now=now)
    with pytest.raises(NotFound):
        samples.running_offer(offer.public_id, now=now)
    samples.end_offer(actor=producer_staff, offer=offer, now=now + timedelta(minutes=5))
    offer.refresh_from_db()
    assert offer.ends_at == now  # the first end stands


def test_only_the_products_owner_or_the_platform_ends_an_offer(offer, merchant_staff):
    with pytest.raises(PermissionDenied):
        samples.end_offer(actor=merchant_staff, offer=offer)
    offer.refresh_from_db()
    assert offer.ends_at > timezone.now()


def test_the_api_ends_an_offer_and_another_organisation_cannot(
    api_client, offer, producer_staff, merchant_staff
):
    url = f"/api/merchandising/manage/samples/{offer.public_id}/end"
    assert api_client(merchant_staff).post(url, {}).status_code == 404
    response = api_client(producer_staff).post(url, {})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == offer.public_id
    offer.refresh_from_db()
    assert offer.ends_at <= timezone.now()
    assert api_client().get("/api/merchandising/samples").json() == []
