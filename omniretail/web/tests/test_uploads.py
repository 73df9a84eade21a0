"""Photos shoppers attach (after-sales, repair drop-offs) through the pages: real JPEG and
PNG files from Pillow are stored re-encoded without their EXIF, shown from the platform's
storage, a refused file keeps the rest of the form, and an old row's outside URL is never
rendered."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from omniretail.orders.models import AfterSalesRequest
from omniretail.testing.images import photo, stored_exif
from omniretail.web.tests.factories import pay_from_wallet, place_order

pytestmark = pytest.mark.django_db


def paid_order(commerce, capture, quantity=2):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, quantity)])
    pay_from_wallet(order, capture)
    return order


def stored_files() -> list[str]:
    return (
        default_storage.listdir("after-sales")[1] if default_storage.exists("after-sales") else []
    )


def test_a_real_jpeg_is_stored_without_its_exif_and_shown_to_the_merchant(
    client, commerce, merchant_staff, django_capture_on_commit_callbacks
):
    order = paid_order(commerce, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    upload = photo()
    assert b"\x00" in upload.read() and upload.seek(0) == 0  # a real JPEG holds NUL bytes

    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {
            "kind": "refund_only",
            "reason": "包装破损",
            f"line_{line.public_id}": "1",
            "photos": upload,
        },
    )

    assert response.status_code == 302, response.content.decode()
    (name,) = AfterSalesRequest.objects.get().photos
    assert name.startswith("after-sales/") and name.endswith(".jpg")
    exif, fmt, size = stored_exif(name)
    assert fmt == "JPEG" and size == (64, 48)
    assert not exif  # neither the camera nor where the photo was taken
    client.force_login(merchant_staff)
    page = client.get(f"/merchant/orders/{order.public_id}/").content.decode()
    assert f'src="/media/{name}"' in page


def test_a_file_that_is_not_an_image_is_refused_and_the_form_keeps_what_was_typed(
    client, commerce, django_capture_on_commit_callbacks
):
    order = paid_order(commerce, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    fake = SimpleUploadedFile("破损.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")

    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {
            "kind": "return_refund",
            "reason": "盒子压扁了，茶叶洒出",
            f"line_{line.public_id}": "1",
            "photos": [photo("PNG", "ok.png"), fake],
        },
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "「破损.jpg」不是 JPG、PNG 或 WebP 图片" in body
    assert "盒子压扁了，茶叶洒出" in body
    assert 'value="return_refund" checked' in body
    field = f'name="line_{line.public_id}" type="number" min="0" max="2" inputmode="numeric"'
    assert f'{field} value="1"' in body
    assert not AfterSalesRequest.objects.exists()
    assert stored_files() == []  # the good PNG beside it was not kept either


def test_a_refused_request_removes_the_photos_it_stored(
    client, commerce, django_capture_on_commit_callbacks
):
    order = paid_order(commerce, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {"kind": "refund_only", "reason": " ", f"line_{line.public_id}": "1", "photos": photo()},
    )
    assert response.status_code == 422
    assert "请填写售后原因" in response.content.decode()
    assert stored_files() == []


def test_an_old_rows_outside_urls_are_not_rendered_on_the_merchant_page(
    client, commerce, merchant_staff, django_capture_on_commit_callbacks
):
    order = paid_order(commerce, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    client.post(
        f"/orders/{order.public_id}/after-sales/",
        {"kind": "refund_only", "reason": "破损", f"line_{line.public_id}": "1", "photos": photo()},
    )
    request = AfterSalesRequest.objects.get()
    (name,) = request.photos
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        photos=["javascript:alert(document.cookie)", "https://evil.example/x.jpg", name]
    )

    client.force_login(merchant_staff)
    page = client.get(f"/merchant/orders/{order.public_id}/").content.decode()

    assert "javascript:" not in page and "evil.example" not in page
    assert page.count('data-testid="after-sales-photo"') == 1
