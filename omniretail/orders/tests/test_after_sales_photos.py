# ruff: noqa: F811 (tests take the imported paid_pickup fixture by name)
"""After-sales photos through the API are uploaded files the platform stores (multipart),
never URLs: a link is refused with a 422 and nothing is created; a real JPEG or PNG is kept
re-encoded without EXIF and shown on the merchant's order page."""

import json

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from omniretail.core.errors import ValidationFailed
from omniretail.orders import aftersales
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.orders.tests.test_api import paid_pickup  # noqa: F401 (the fixture)
from omniretail.testing.images import photo, stored_exif

pytestmark = pytest.mark.django_db


def ask(client, order, headers=None, **extra):
    line = order["lines"][0]
    form = {"kind": "refund_only", "reason": "瓶身裂了", "lines": json.dumps({str(line["id"]): 1})}
    return client.post_form(
        f"/api/orders/orders/{order['id']}/after-sales", {**form, **extra}, headers=headers
    )


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "https://evil.example/tracker.jpg"]
)
def test_a_link_as_a_photo_is_refused_and_nothing_is_created(api_client, paid_pickup, wallet, link):
    response = ask(api_client(wallet), paid_pickup, photos=link)
    assert response.status_code == 422
    assert "photos" in response.json()["error"]["fields"]
    assert not AfterSalesRequest.objects.exists()
    assert Order.objects.get().status == "paid"


def test_the_service_refuses_anything_but_a_stored_name(paid_pickup, wallet):
    order = Order.objects.get()
    with pytest.raises(ValidationFailed) as refused:
        aftersales.request_after_sales(
            shopper=wallet,
            order=order,
            kind="refund_only",
            reason="破损",
            photos=["/media/../../etc/passwd", "javascript:alert(1)"],
        )
    assert "photos" in refused.value.fields


def test_uploaded_photos_are_stored_without_exif_and_shown_to_the_merchant(
    api_client, paid_pickup, wallet, merchant_staff
):
    response = ask(
        api_client(wallet), paid_pickup, photos=[photo(), photo("PNG", "瓶身.png", size=(30, 20))]
    )

    assert response.status_code == 201, response.content
    jpg, png = AfterSalesRequest.objects.get().photos
    assert response.json()["photos"] == [f"/media/{jpg}", f"/media/{png}"]
    assert stored_exif(jpg)[:2] == ({}, "JPEG")
    assert stored_exif(png) == ({}, "PNG", (30, 20))
    staff = Client()
    staff.force_login(merchant_staff)
    page = staff.get(f"/merchant/orders/{paid_pickup['id']}/").content.decode()
    assert f'<img src="/media/{jpg}"' in page and f'<img src="/media/{png}"' in page


def test_a_retry_with_the_same_key_stores_the_photo_once(api_client, paid_pickup, wallet):
    shopper, key = api_client(wallet), {"Idempotency-Key": "after-sales-photo-1"}
    first = ask(shopper, paid_pickup, key, photos=photo())
    again = ask(shopper, paid_pickup, key, photos=photo())
    other = ask(shopper, paid_pickup, key, photos=photo(size=(10, 10)))

    assert first.status_code == 201 and again.json() == first.json()
    assert other.status_code == 409
    assert len(default_storage.listdir("after-sales")[1]) == 1
