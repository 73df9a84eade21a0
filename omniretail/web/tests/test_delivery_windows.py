"""定时达: a same-city delivery booked for a half-hour window, chosen on the checkout page or
through the API, shown to the shopper and the rider, and promised by the window's end;
a window that passed, starts before a rider could arrive or is full is refused with the
next one offered, and nothing is written."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from omniretail.orders import quote, services
from omniretail.orders.models import Delivery, Order
from omniretail.web.tests.test_delivery_pages import address_for
from omniretail.web.tests.test_shop import add, checkout_form, text

pytestmark = pytest.mark.django_db


def _windows(commerce, home):
    found = quote.checkout_quote(
        shopper=commerce.member,
        lines=[(commerce.tea_sku, 1)],
        kind="delivery",
        store=commerce.near_store,
        address=home,
    )
    return found


def _place(commerce, home, window):
    return services.checkout(
        shopper=commerce.member,
        lines=[(commerce.tea_sku, 1)],
        fulfilment=services.resolve_fulfilment(
            kind="delivery",
            store=commerce.near_store,
            delivery_address=home.snapshot(),
            delivery_slot_start=window,
        ),
        payment_provider="balance",
    )


def test_the_page_books_a_window_the_shopper_and_the_rider_see_and_the_rider_promises(
    client, commerce, django_capture_on_commit_callbacks
):
    client.force_login(commerce.member)
    home = address_for(commerce.member)
    add(client, commerce.tea_sku, 1)
    found = _windows(commerce, home)
    earliest = timezone.now() + timedelta(minutes=found.eta_minutes)
    assert found.delivery_slots and all(w >= earliest for w in found.delivery_slots)
    window = found.delivery_slots[2]

    page = text(
        client.get("/checkout/", {"kind": "delivery", "store": commerce.near_store.public_id})
    )
    assert re.search(r"尽快送达（约 \d+ 分钟）", page)
    assert f'value="{window.isoformat()}"' in page
    form = checkout_form(
        client,
        kind="delivery",
        store=commerce.near_store.public_id,
        address_id=home.public_id,
        delivery_slot=window.isoformat(),
    )
    with django_capture_on_commit_callbacks(execute=True):  # paid from the balance
        assert client.post("/checkout/", form).status_code == 302
    order = Order.objects.get()
    assert order.delivery_slot_start == window
    assert order.delivery_slot_end == window + timedelta(minutes=30)
    assert order.status == Order.Status.PAID  # the page paid it from the balance

    local = timezone.localtime(window)
    shown = f"{local:%m-%d %H:%M}–{local + timedelta(minutes=30):%H:%M}"
    page = text(client.get(f"/orders/{order.public_id}/"))
    assert f'data-testid="delivery-window">{shown}<' in page
    client.force_login(commerce.staff)
    assert f'data-testid="rider-window">{shown}<' in text(client.get("/rider/"))
    client.post(f"/rider/{order.public_id}/accept/")
    assert Delivery.objects.get().promised_at == order.delivery_slot_end


def test_without_a_window_the_delivery_goes_as_soon_as_possible(client, commerce):
    home = address_for(commerce.member)
    order = _place(commerce, home, None)
    assert order.delivery_slot_start is None and order.pickup_slot_start is None


def test_a_window_before_a_rider_could_arrive_is_a_409_offering_the_next(commerce, monkeypatch):
    from omniretail.orders import delivery, slots

    monkeypatch.setattr(delivery, "eta_minutes", lambda _distance: 120)  # a rider 2 h away
    home = address_for(commerce.member)
    offered = _windows(commerce, home).delivery_slots
    too_soon = slots.bookable(commerce.near_store)[0]  # the next full hour
    assert too_soon not in offered and offered[0] >= timezone.now() + timedelta(minutes=120)

    with pytest.raises(services.Conflict) as refused:
        _place(commerce, home, too_soon)

    assert refused.value.code == "slot_unavailable"
    assert refused.value.details["reason"] == "too_early"
    assert refused.value.details["next_slot"] == offered[0].isoformat()
    assert "早于预计送达时间" in str(refused.value.message)
    assert not Order.objects.exists()


def test_a_full_window_is_not_offered_and_refused_and_pickups_do_not_fill_it(commerce, settings):
    settings.OMNI_DELIVERY_SLOT_CAPACITY = 1
    home = address_for(commerce.member)
    window = _windows(commerce, home).delivery_slots[0]
    _place(commerce, home, window)

    assert window not in _windows(commerce, home).delivery_slots
    with pytest.raises(services.Conflict) as refused:
        _place(commerce, home, window)
    assert refused.value.details["reason"] == "full"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "shift, message",
    [(timedelta(days=-2), "送达时段需在未来"), (timedelta(days=9), "送达时段需在未来")],
)
def test_a_window_of_an_earlier_day_or_too_far_ahead_is_a_422(commerce, shift, message):
    home = address_for(commerce.member)
    window = _windows(commerce, home).delivery_slots[0] + shift
    with pytest.raises(services.ValidationFailed) as refused:
        _place(commerce, home, window)
    assert "delivery_slot" in refused.value.fields
    assert message in str(refused.value.fields["delivery_slot"])
    assert not Order.objects.exists()


def test_the_api_quotes_windows_and_books_one(api_client, commerce):
    home = address_for(commerce.member)
    client = api_client(commerce.member)
    body = {
        "fulfilment": "delivery",
        "store": commerce.near_store.public_id,
        "lines": [{"sku": commerce.tea_sku.public_id, "quantity": 1}],
        "address": home.public_id,
    }
    answer = client.post("/api/orders/checkout/quote", body)
    assert answer.status_code == 200, answer.content
    offered = answer.json()["delivery_slots"]
    assert offered and answer.json()["delivery_slot"] is None
    order = client.post(
        "/api/orders/checkout",
        {
            "fulfilment": "delivery",
            "store": commerce.near_store.public_id,
            "lines": body["lines"],
            "delivery_address": {k: home.snapshot()[k] for k in ("name", "phone", "address")},
            "delivery_slot": offered[1],
            "payment_provider": "balance",
        },
        headers={"Idempotency-Key": "定时达-1"},
    )
    assert order.status_code == 201, order.content
    assert order.json()["delivery_slot_start"] is not None
    assert Order.objects.get().delivery_slot_start == parse_datetime(offered[1])
