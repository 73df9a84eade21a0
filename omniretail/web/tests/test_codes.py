"""The codes and points-mall pages without a browser: who may see what, the progress
fragment, and refusals rendered with their status."""

import pytest
from django.test import Client

from omniretail.codes import services as codes
from omniretail.codes.models import CodeBatch, CodeScan

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_producer_orders_a_batch_on_the_page_and_sees_it_ready(producer_staff, sku):
    client = client_for(producer_staff)
    assert "订购一批二维码" in client.get("/producer/codes/").content.decode()

    response = client.post(
        "/producer/codes/", {"sku": sku.public_id, "quantity": "60", "points_per_scan": "5"}
    )

    batch = CodeBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/producer/codes/{batch.public_id}/"
    page = client.get(response.url).content.decode()
    assert "已生成 60 / 60" in page and "sheet.pdf" in page and "共 2 页" in page
    fragment = client.get(f"/producer/codes/{batch.public_id}/progress/").content.decode()
    assert "hx-get" not in fragment  # ready: the polling stops


def test_the_progress_fragment_keeps_polling_while_the_batch_generates(
    producer_staff, producer, sku, monkeypatch
):
    monkeypatch.setattr(
        codes,
        "_generate_task",
        lambda: type("T", (), {"enqueue": staticmethod(lambda batch_id: None)}),
    )
    batch = codes.order_batch(actor=producer_staff, producer=producer, sku=sku, quantity=10)
    fragment = client_for(producer_staff).get(f"/producer/codes/{batch.public_id}/progress/")
    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html and "已生成 0 / 10" in html


def test_a_bad_quantity_is_shown_on_the_form_and_nothing_is_ordered(producer_staff, sku):
    response = client_for(producer_staff).post(
        "/producer/codes/", {"sku": sku.public_id, "quantity": "abc"}
    )
    assert response.status_code == 422 and "数量必须是整数" in response.content.decode()
    assert not CodeBatch.objects.exists()


def test_shoppers_cannot_open_the_producer_pages(shopper, merchant_staff):
    assert client_for(shopper).get("/producer/codes/").status_code == 403
    assert client_for(merchant_staff).get("/producer/codes/").status_code == 403


def test_a_guest_scanning_is_asked_to_log_in_and_posting_redirects_there(
    producer_staff, producer, sku
):
    batch = codes.order_batch(actor=producer_staff, producer=producer, sku=sku, quantity=1)
    url = f"/q/{batch.codes.get().token}/"
    page = Client().get(url).content.decode()
    assert "/login/?next=" in page
    response = Client().post(url)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


def test_a_reused_code_on_the_page_is_a_kind_409(producer_staff, producer, sku, shopper):
    batch = codes.order_batch(actor=producer_staff, producer=producer, sku=sku, quantity=1)
    token = batch.codes.get().token
    codes.claim_code(user=shopper, token=token)
    from omniretail.accounts.models import User

    friend = User.objects.create(username="m13700000002", phone="13700000002")
    response = client_for(friend).post(f"/q/{token}/")
    assert response.status_code == 409
    assert "积分只能领取一次" in response.content.decode()
    assert CodeScan.objects.filter(user=friend, outcome="already_claimed").count() == 1
