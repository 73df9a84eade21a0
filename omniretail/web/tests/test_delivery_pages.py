"""Same-city delivery through the pages: the address book (我的 → 收货地址), checkout that
picks an address and measures it against each store's radius and fees, the rider page, and
the shopper's order page with the rider, the ETA and the delivery timeline."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from omniretail.addresses import services as addresses
from omniretail.addresses.models import Address
from omniretail.conftest import make_staff
from omniretail.orders.models import Delivery, Order
from omniretail.web.tests.test_shop import add, checkout_form, text

pytestmark = pytest.mark.django_db

HOME = {"name": "张三", "phone": "13800138000", "district": "上城区", "detail": "湖滨路 20 号"}
# 滨江区 江南大道: about 6 km from both West Lake stores, past their 5 km radius
ACROSS_THE_RIVER = {**HOME, "district": "滨江区", "detail": "江南大道 588 号"}


def address_for(member, **data) -> Address:
    """An address-book address for the member (湖滨路 by default, ~200 m from the near store)."""
    return addresses.add_address(user=member, data={**HOME, **data})


def test_the_address_book_adds_a_placed_address_and_refuses_bad_input(client, commerce):
    client.force_login(commerce.member)
    assert "收货地址" in text(client.get("/me/"))
    response = client.post("/me/addresses/new/", {**HOME, "phone": "0571-88001188"})
    assert response.status_code == 422
    assert "11 位中国大陆手机号" in text(response)
    assert 'value="湖滨路 20 号"' in text(response)  # the form keeps what was typed
    response = client.post("/me/addresses/new/", {**HOME, "detail": "某某小区 5 幢"})
    assert response.status_code == 422 and "无法确定该地址的位置" in text(response)
    assert not Address.objects.exists()

    response = client.post("/me/addresses/new/", HOME)
    assert response.status_code == 302
    response = client.post(
        "/me/addresses/new/", {**HOME, "detail": "公司 3 楼", "lat": "30.2770", "lon": "120.1640"}
    )
    home, work = Address.objects.order_by("id")
    assert (home.lat, home.lon, home.is_default) == (30.2575, 120.1625, True)
    assert (work.lat, work.lon, work.is_default) == (30.277, 120.164, False)
    page = text(client.get("/me/addresses/"))
    assert page.count('data-testid="address"') == 2 and "138****8000" in page
    client.post(f"/me/addresses/{work.public_id}/default/")
    work.refresh_from_db()
    assert work.is_default


def test_checkout_delivers_to_the_chosen_address_with_the_stores_fee(client, commerce):
    client.force_login(commerce.member)
    home = address_for(commerce.member)
    add(client, commerce.tea_sku, 1)
    page = text(client.get("/checkout/", {"kind": "delivery"}))
    assert f'value="{home.public_id}" checked' in page
    assert re.search(r"湖滨便利 · 湖滨店：距离 \d+ 米，配送费 ¥6\.00", page)
    form = checkout_form(
        client, kind="delivery", store=commerce.near_store.public_id, address_id=home.public_id
    )
    assert client.post("/checkout/", form).status_code == 302
    order = Order.objects.get()
    assert order.delivery_address["address"] == "上城区湖滨路 20 号"
    assert order.delivery_address["lat"] == 30.2575
    assert str(order.delivery_fee) == "6.00" and str(order.total) == "65.00"
    assert order.delivery.status == Delivery.Status.WAITING


def test_an_address_outside_every_stores_radius_is_explained_and_no_order_written(client, commerce):
    client.force_login(commerce.member)
    far = address_for(commerce.member, **ACROSS_THE_RIVER)
    add(client, commerce.tea_sku, 1)
    page = text(client.get("/checkout/", {"kind": "delivery"}))
    assert 'data-testid="unreachable"' in page
    assert re.search(
        r"湖滨便利 · 湖滨店：.*超出配送范围：距离 \d\.\d 公里，本店仅配送 5 公里内", page
    )
    for store in ("", commerce.near_store.public_id):
        form = checkout_form(client, kind="delivery", store=store, address_id=far.public_id)
        response = client.post("/checkout/", form)
        assert response.status_code == 422
        assert "超出" in text(response) and "配送范围" in text(response)
    assert not Order.objects.exists() and not Delivery.objects.exists()
    assert commerce.member.cart.lines.exists()


def test_delivery_without_an_address_asks_for_one(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    form = checkout_form(client, kind="delivery", store=commerce.near_store.public_id)
    response = client.post("/checkout/", form)
    assert response.status_code == 422 and "请选择收货地址" in text(response)
    assert not Order.objects.exists()


def _jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("门口.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def paid_delivery(commerce, django_capture_on_commit_callbacks):
    from omniretail.orders import services
    from omniretail.web.tests.factories import pay_from_wallet

    home = address_for(commerce.member)
    order = services.checkout(
        shopper=commerce.member,
        lines=[(commerce.tea_sku, 1)],
        fulfilment=services.resolve_fulfilment(
            kind="delivery", store=commerce.near_store, delivery_address=home.snapshot()
        ),
        payment_provider="balance",
    )
    return pay_from_wallet(order, django_capture_on_commit_callbacks)


def test_the_rider_page_takes_the_order_to_the_door_and_the_shopper_sees_it(
    client, commerce, paid_delivery
):
    order = paid_delivery
    rider = commerce.staff
    rider.display_name = "王师傅"
    rider.phone = "13912345678"
    rider.save()
    client.force_login(rider)
    page = text(client.get("/rider/"))
    assert order.number in page and 'data-testid="rider-accept"' in page
    for step in ("accept", "pick_up", "set_off"):
        assert client.post(f"/rider/{order.public_id}/{step}/").status_code == 302
    response = client.post(f"/rider/{order.public_id}/deliver/", {"code": ""})
    assert response.status_code == 422 and "收货码" in text(response)
    response = client.post(f"/rider/{order.public_id}/deliver/", {"photo": _jpeg()})
    assert response.status_code == 302
    leg = Delivery.objects.get()
    assert leg.status == Delivery.Status.DELIVERED and leg.photo.startswith("deliveries/")

    client.force_login(commerce.member)
    page = text(client.get(f"/orders/{order.public_id}/"))
    assert "王师傅" in page and "139****5678" in page and "13912345678" not in page
    for label in ("骑手已接单", "骑手已取货", "配送中", "已送达"):
        assert label in page.split('data-testid="delivery-timeline"')[1]
    assert 'data-testid="delivery-photo"' in page
    client.post(f"/orders/{order.public_id}/confirm/")
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_the_shopper_sees_the_eta_and_the_code_while_the_goods_are_on_their_way(
    client, commerce, paid_delivery
):
    client.force_login(commerce.member)
    page = text(client.get(f"/orders/{paid_delivery.public_id}/"))
    assert re.search(r'data-testid="eta">接单后约 11 分钟', page)
    assert f'data-testid="delivery-code">{paid_delivery.delivery.code}<' in page


def test_a_rider_updating_an_order_not_assigned_to_them_gets_409_or_404_nothing_changed(
    client, commerce, paid_delivery, merchant, other_merchant_staff
):
    order = paid_delivery
    client.force_login(commerce.staff)
    client.post(f"/rider/{order.public_id}/accept/")
    colleague = make_staff(merchant, "rider2", role="staff")
    client.force_login(colleague)
    assert f'data-order="{order.public_id}"' not in text(client.get("/rider/"))
    response = client.post(f"/rider/{order.public_id}/pick_up/")
    assert response.status_code == 409 and "其他骑手" in text(response)
    client.force_login(other_merchant_staff)
    assert client.post(f"/rider/{order.public_id}/pick_up/").status_code == 404
    leg = Delivery.objects.get()
    order.refresh_from_db()
    assert leg.status == Delivery.Status.ACCEPTED and leg.rider == commerce.staff
    assert order.status == Order.Status.PAID


def test_the_store_console_lists_its_deliveries_and_flags_the_late_one(
    client, commerce, paid_delivery
):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(commerce.staff)
    client.post(f"/rider/{paid_delivery.public_id}/accept/")
    url = f"/merchant/deliveries/?store={commerce.near_store.public_id}"
    page = text(client.get(url))
    assert 'data-testid="store-delivery"' in page and paid_delivery.number in page
    assert 'data-testid="late-flag"' not in page
    Delivery.objects.update(promised_at=timezone.now() - timedelta(minutes=5))
    assert 'data-testid="late-flag"' in text(client.get(url))
