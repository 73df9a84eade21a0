"""Pickup codes (核销) leak nothing and cannot be guessed: another store's code is answered
exactly like a code that does not exist, and a run of wrong codes from one staff member or
at one store is cut off with a 429."""

import pytest
from django.conf import settings

from omniretail.orders.models import Order, RedemptionAttempt

pytestmark = pytest.mark.django_db

URL = "/api/orders/merchant/redeem"


@pytest.fixture
def code(place_order, pay, wallet) -> str:
    return pay(place_order()).pickup_code.code


def made_up(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 10**8:08d}"


def test_another_stores_code_is_answered_like_a_code_that_does_not_exist(
    api_client, code, other_store, merchant_staff
):
    staff = api_client(merchant_staff)
    theirs = staff.post(URL, {"store": other_store.public_id, "code": code})
    unknown = staff.post(URL, {"store": other_store.public_id, "code": made_up(code)})
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert Order.objects.get().status == Order.Status.PAID
    outcomes = list(RedemptionAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["wrong_store", "unknown_code"]  # the audit still tells them apart


def test_guessing_codes_is_cut_off_per_staff_even_for_a_right_code(
    api_client, code, store, merchant_staff
):
    staff = api_client(merchant_staff)
    limit = int(settings.OMNI_PICKUP_RATE_PER_STAFF.split("/")[0])
    statuses = [
        staff.post(URL, {"store": store.public_id, "code": made_up(code, n)}).status_code
        for n in range(1, limit + 3)
    ]
    assert statuses == [404] * limit + [429] * 2
    right = staff.post(URL, {"store": store.public_id, "code": code})
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "rate_limited"
    assert int(right.headers["Retry-After"]) > 0
    assert Order.objects.get().status == Order.Status.PAID


def test_a_store_is_cut_off_whoever_guesses(api_client, code, store, merchant, settings):
    from omniretail.conftest import make_staff

    settings.OMNI_PICKUP_RATE_PER_STORE = "3/600"
    clerks = [api_client(make_staff(merchant, f"clerk{i}")) for i in range(4)]
    statuses = [
        c.post(URL, {"store": store.public_id, "code": made_up(code, i)}).status_code
        for i, c in enumerate(clerks, start=1)
    ]
    assert statuses == [404, 404, 404, 429]


def test_redeemed_codes_do_not_count_as_guesses(
    api_client, place_order, pay, wallet, store, merchant_staff, settings
):
    settings.OMNI_PICKUP_RATE_PER_STAFF = "1/600"
    staff = api_client(merchant_staff)
    for _ in range(2):
        code = pay(place_order()).pickup_code.code
        assert staff.post(URL, {"store": store.public_id, "code": code}).status_code == 200
