"""The inventory API as store staff use it: receive, correct, move stock between their own
locations, and read levels and the journal."""

import pytest

from omniretail.inventory import services
from omniretail.inventory.models import StockLevel, StockMovement, Transfer

pytestmark = pytest.mark.django_db


def level(location, sku) -> tuple[int, int]:
    row = StockLevel.objects.get(location=location, sku=sku)
    return row.on_hand, row.reserved


def receive(client, location, sku, quantity, **headers):
    return client.post(
        "/api/inventory/receipts",
        {"location": location.public_id, "sku": sku.public_id, "quantity": quantity},
        headers=headers or None,
    )


def test_receipt_adds_stock_and_an_idempotent_retry_does_not_double_it(
    api_client, merchant_staff, store_location, sku
):
    staff = api_client(merchant_staff)
    key = {"Idempotency-Key": "delivery-note-7"}
    first = staff.post(
        "/api/inventory/receipts",
        {"location": store_location.public_id, "sku": sku.public_id, "quantity": 12},
        headers=key,
    )
    again = staff.post(
        "/api/inventory/receipts",
        {"location": store_location.public_id, "sku": sku.public_id, "quantity": 12},
        headers=key,
    )
    assert first.status_code == again.status_code == 200, first.content
    assert first.json() == again.json()
    assert first.json()["on_hand"] == 12
    assert first.json()["available"] == 12
    assert level(store_location, sku) == (12, 0)
    other = staff.post(
        "/api/inventory/receipts",
        {"location": store_location.public_id, "sku": sku.public_id, "quantity": 13},
        headers=key,
    )
    assert other.status_code == 409
    assert level(store_location, sku) == (12, 0)


@pytest.mark.parametrize("quantity", [0, -5, 100_001, 10**30, 2.5, "many"])
def test_bad_receipt_quantities_are_refused_with_the_field(
    api_client, merchant_staff, store_location, sku, quantity
):
    resp = receive(api_client(merchant_staff), store_location, sku, quantity)
    assert resp.status_code == 422, resp.content
    assert "quantity" in resp.json()["error"]["fields"]
    assert not StockMovement.objects.exists()


def test_another_merchant_cannot_receive_into_or_read_this_location(
    api_client, other_merchant_staff, merchant_staff, store_location, sku
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=3)
    rival = api_client(other_merchant_staff)
    assert receive(rival, store_location, sku, 5).status_code == 404
    assert rival.get("/api/inventory/levels").json() == []
    assert (
        rival.get(
            "/api/inventory/movements",
            {"location": store_location.public_id, "sku": sku.public_id},
        ).status_code
        == 404
    )
    assert api_client().get("/api/inventory/levels").status_code == 401
    assert level(store_location, sku) == (3, 0)


def test_adjustment_needs_a_reason_and_cannot_go_below_reserved(
    api_client, merchant_staff, store_location, sku
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    services.reserve(location=store_location, sku=sku, quantity=4, reference="order-1")
    staff = api_client(merchant_staff)
    body = {"location": store_location.public_id, "sku": sku.public_id, "delta": -2}

    no_reason = staff.post("/api/inventory/adjustments", {**body, "reason": " "})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["error"]["fields"]
    missing = staff.post("/api/inventory/adjustments", body)
    assert missing.status_code == 422
    assert "reason" in missing.json()["error"]["fields"]

    too_far = staff.post("/api/inventory/adjustments", {**body, "delta": -7, "reason": "盘点"})
    assert too_far.status_code == 409
    assert too_far.json()["error"]["code"] == "out_of_stock"
    assert level(store_location, sku) == (10, 4)

    ok = staff.post("/api/inventory/adjustments", {**body, "delta": -6, "reason": "盘点破损"})
    assert ok.status_code == 200, ok.content
    assert (ok.json()["on_hand"], ok.json()["available"]) == (4, 0)
    for delta in (0, 2.5, 10**9):
        bad = staff.post("/api/inventory/adjustments", {**body, "delta": delta, "reason": "x"})
        assert bad.status_code == 422, (delta, bad.content)
    assert level(store_location, sku) == (4, 4)


def test_transfer_between_two_stores_of_the_merchant(
    api_client, merchant_staff, store_location, other_store_location, sku
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    staff = api_client(merchant_staff)
    resp = staff.post(
        "/api/inventory/transfers",
        {
            "source": store_location.public_id,
            "destination": other_store_location.public_id,
            "sku": sku.public_id,
            "quantity": 4,
            "reason": "调货",
        },
        headers={"Idempotency-Key": "move-1"},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["source"]["on_hand"] == 6
    assert resp.json()["destination"]["on_hand"] == 4
    assert level(store_location, sku) == (6, 0)
    assert level(other_store_location, sku) == (4, 0)

    too_many = staff.post(
        "/api/inventory/transfers",
        {
            "source": store_location.public_id,
            "destination": other_store_location.public_id,
            "sku": sku.public_id,
            "quantity": 7,
        },
    )
    assert too_many.status_code == 409
    assert Transfer.objects.count() == 1
    assert level(store_location, sku) == (6, 0)


@pytest.mark.parametrize("quantity", [0, -1, 100_001, 1.5])
def test_bad_transfer_quantities_are_refused(
    api_client, merchant_staff, store_location, other_store_location, sku, quantity
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    resp = api_client(merchant_staff).post(
        "/api/inventory/transfers",
        {
            "source": store_location.public_id,
            "destination": other_store_location.public_id,
            "sku": sku.public_id,
            "quantity": quantity,
        },
    )
    assert resp.status_code == 422
    assert "quantity" in resp.json()["error"]["fields"]
    assert Transfer.objects.count() == 0
    assert level(store_location, sku) == (10, 0)


def test_transfer_from_or_to_another_merchants_location_is_not_found(
    api_client, merchant_staff, other_merchant_staff, store_location, foreign_store, sku
):
    foreign_location = services.location_for_store(foreign_store)
    services.receive_stock(
        actor=other_merchant_staff, location=foreign_location, sku=sku, quantity=10
    )
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    staff = api_client(merchant_staff)
    for source, destination in (
        (foreign_location, store_location),
        (store_location, foreign_location),
    ):
        resp = staff.post(
            "/api/inventory/transfers",
            {
                "source": source.public_id,
                "destination": destination.public_id,
                "sku": sku.public_id,
                "quantity": 1,
            },
        )
        assert resp.status_code == 404
    assert level(foreign_location, sku) == (10, 0)
    assert level(store_location, sku) == (10, 0)


def test_levels_low_only_and_movements(
    api_client, merchant_staff, store_location, other_store_location, sku, sku2
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=20)
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku2, quantity=8)
    services.reserve(location=store_location, sku=sku2, quantity=4, reference="order-9")
    services.receive_stock(actor=merchant_staff, location=other_store_location, sku=sku, quantity=2)
    staff = api_client(merchant_staff)

    everything = staff.get("/api/inventory/levels").json()
    assert len(everything) == 3
    here = staff.get("/api/inventory/levels", {"location": store_location.public_id}).json()
    assert {(row["sku"], row["available"], row["low_stock"]) for row in here} == {
        (sku.public_id, 20, False),
        (sku2.public_id, 4, True),
    }
    low = staff.get("/api/inventory/levels", {"low_only": "true"}).json()
    assert {(row["location"], row["sku"]) for row in low} == {
        (store_location.public_id, sku2.public_id),
        (other_store_location.public_id, sku.public_id),
    }

    moves = staff.get(
        "/api/inventory/movements", {"location": store_location.public_id, "sku": sku2.public_id}
    ).json()
    assert [(m["kind"], m["on_hand_delta"], m["reserved_delta"]) for m in moves] == [
        ("receipt", 8, 0),
        ("reservation", 0, 4),
    ]
