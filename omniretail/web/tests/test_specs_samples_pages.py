"""Specs and free samples as people see them: the product page's spec picker (price and
stock per combination, sold-out ones disabled, usable without JavaScript), the 免费试用
badge and button only while an offer runs, a claim as a 0-price order, the console's
requests and conversion rate, and the producer's specs page."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.catalog import specs
from omniretail.catalog.models import Sku
from omniretail.inventory import services as inventory
from omniretail.merchandising import samples
from omniretail.orders.models import Order
from omniretail.web.tests.factories import next_slot

pytestmark = pytest.mark.django_db

GARMENT = [{"name": "颜色", "values": ["米白", "藏青"]}, {"name": "尺码", "values": ["M", "L"]}]


@pytest.fixture
def tee(commerce):
    product = commerce.mask
    specs.set_specs(
        actor=commerce.maker, product=product, attributes=GARMENT, price="79.00", code_prefix="TEE"
    )
    for name, quantity in (("米白 / M", 5), ("藏青 / L", 2)):
        sku = Sku.objects.get(product=product, name=name)
        inventory.receive_stock(
            actor=commerce.staff, location=commerce.location, sku=sku, quantity=quantity
        )
    return product


def page(client, product) -> str:
    response = client.get(f"/p/{product.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_shows_each_combination_with_price_and_stock_and_disables_sold_out(client, tee):
    body = page(client, tee)
    assert 'data-axis="0" data-value="米白"' in body and 'data-axis="1" data-value="L"' in body
    white_m = Sku.objects.get(product=tee, name="米白 / M")
    navy_m = Sku.objects.get(product=tee, name="藏青 / M")
    # without JavaScript: the combinations as radios, the first in stock chosen
    assert re.search(rf'value="{white_m.public_id}" checked data-testid', body)
    assert re.search(rf'value="{navy_m.public_id}" disabled', body)
    assert "有货 5 件" in body and "已售罄" in body
    data = json.loads(re.search(r'id="spec-data" type="application/json">(.*?)</script>', body)[1])
    assert data["attributes"] == GARMENT
    stock = {tuple(s["values"]): s["stock"] for s in data["skus"]}
    assert stock == {("米白", "M"): 5, ("米白", "L"): 0, ("藏青", "M"): 0, ("藏青", "L"): 2}


def test_when_every_combination_is_sold_out_nothing_can_be_bought(client, shop):
    body = page(client, shop.mask)  # no store holds any
    assert re.search(r'data-testid="add-to-cart" disabled', body)
    assert re.search(r'data-testid="buy-now" disabled', body)


@pytest.fixture
def offer(commerce):
    now = timezone.now()
    return samples.create_offer(
        actor=commerce.ops,
        sku=commerce.tea_sku,
        stock=3,
        per_member_limit=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )


def test_the_sample_badge_and_button_show_only_while_an_offer_runs(client, commerce):
    assert "免费试用" not in page(client, commerce.offer)
    now = timezone.now()
    running = samples.create_offer(
        actor=commerce.ops,
        sku=commerce.tea_sku,
        stock=3,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    body = page(client, commerce.offer)
    assert 'data-testid="sample-badge"' in body
    assert f'href="/samples/{running.public_id}/" data-testid="claim-sample"' in body
    category = client.get(f"/c/{commerce.tea.slug}/").content.decode()
    assert 'data-testid="sample-badge"' in category
    running.ends_at = now - timedelta(minutes=1)
    running.starts_at = now - timedelta(hours=2)
    running.save()
    assert "免费试用" not in page(client, commerce.offer)


def test_a_member_claims_a_sample_for_pickup_and_a_second_claim_is_refused(client, commerce, offer):
    client.force_login(commerce.member)
    url = f"/samples/{offer.public_id}/"
    form = client.get(url).content.decode()
    assert commerce.near_store.name in form and 'data-testid="slot"' in form
    data = {
        "kind": "pickup",
        "store": commerce.near_store.public_id,
        "pickup_slot": next_slot().isoformat(),
    }
    response = client.post(url, data)
    order = Order.objects.get(shopper=commerce.member)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.public_id}/"
    assert (order.total, order.status) == (0, Order.Status.PAID)
    again = client.post(url, data)
    assert again.status_code == 409
    assert "每人限领 1 份，您已领取 1 份。" in again.content.decode()
    assert Order.objects.filter(shopper=commerce.member).count() == 1


def test_a_claim_without_a_slot_keeps_the_form_and_places_nothing(client, commerce, offer):
    client.force_login(commerce.member)
    response = client.post(
        f"/samples/{offer.public_id}/", {"kind": "pickup", "store": commerce.near_store.public_id}
    )
    assert response.status_code == 422
    assert "请选择自提时间段。" in response.content.decode()
    offer.refresh_from_db()
    assert offer.remaining == 3 and not Order.objects.exists()


def test_the_console_lists_requests_and_the_conversion_rate(client, commerce, offer):
    samples.claim_sample(
        member=commerce.member,
        offer=offer,
        fulfilment=samples_fulfilment(commerce),
    )
    client.force_login(commerce.ops)
    body = client.get("/producer/samples/").content.decode()
    assert commerce.offer.name in body and 'data-testid="conversion-rate">0%' in body
    requests = client.get(f"/producer/samples/{offer.public_id}/").content.decode()
    assert "138****8000" in requests and "13800138000" not in requests


def samples_fulfilment(commerce):
    from omniretail.orders import services as orders

    return orders.resolve_fulfilment(
        kind="pickup", store=commerce.near_store, pickup_slot_start=next_slot()
    )


def test_the_console_refuses_a_bad_offer_and_keeps_the_form(client, commerce):
    client.force_login(commerce.ops)
    response = client.post(
        "/producer/samples/",
        {
            "sku": commerce.tea_sku.public_id,
            "stock": "0",
            "starts_at": "2026-12-05T10:00",
            "ends_at": "2026-12-06T10:00",
        },
    )
    assert response.status_code == 422
    assert 'name="stock" inputmode="numeric" required value="0"' in response.content.decode()


def test_the_specs_page_generates_combinations_and_refuses_duplicates(client, commerce):
    client.force_login(commerce.maker)
    url = f"/catalogue/{commerce.offer.public_id}/specs/"
    bad = client.post(url, {"attributes": "容量: 500ml, 500 ML", "price": "5.00"})
    assert bad.status_code == 422
    assert "规格值“500 ML”重复。" in bad.content.decode()
    assert "容量: 500ml, 500 ML" in bad.content.decode()  # the typed form is kept
    assert commerce.offer.skus.count() == 1
    done = client.post(url, {"attributes": "容量：250g、500g", "price": "59.00"})
    assert done.status_code == 302
    assert sorted(commerce.offer.skus.filter(is_active=True).values_list("name", flat=True)) == [
        "250g",
        "500g",
    ]
    assert commerce.offer.skus.get(pk=commerce.tea_sku.pk).attributes == {"容量": "250g"}
    assert client.get(url).content.decode().count('data-testid="combo-row"') == 2


def test_the_console_ends_an_offer_and_the_button_goes_at_once(client, commerce, offer):
    assert 'data-testid="claim-sample"' in page(client, commerce.offer)
    client.force_login(commerce.member)  # not the product's owner
    assert client.post(f"/producer/samples/{offer.public_id}/end/").status_code == 404
    client.force_login(commerce.ops)
    console = client.get("/producer/samples/").content.decode()
    assert f'action="/producer/samples/{offer.public_id}/end/"' in console
    response = client.post(f"/producer/samples/{offer.public_id}/end/")
    assert response.status_code == 302 and response["Location"] == "/producer/samples/"
    body = page(client, commerce.offer)
    assert 'data-testid="claim-sample"' not in body and 'data-testid="sample-badge"' not in body
    assert client.post(f"/producer/samples/{offer.public_id}/end/").status_code == 302  # again
    assert "已结束" in client.get("/producer/samples/").content.decode()
