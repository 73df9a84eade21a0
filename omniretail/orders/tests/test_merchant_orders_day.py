"""The merchant's order list by day: a day the calendar cannot shift into Beijing time
(year 1, year 9999) is a clear 422 on `day`, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_day_out_of_range_is_a_clear_422(api_client, merchant_staff, day):
    response = api_client(merchant_staff).get("/api/orders/merchant/orders", {"day": day})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["day"] == ["日期需在 2000-01-01 到 2099-12-31 之间。"]


def test_an_ordinary_day_lists_that_days_orders(api_client, merchant_staff):
    response = api_client(merchant_staff).get("/api/orders/merchant/orders", {"day": "2026-05-01"})
    assert response.status_code == 200 and response.json() == []
