"""/producer/analytics/production/: a producer's staff see their suggestion with its method
and error, and download it as CSV; a merchant's staff get the 403 page."""

from django.urls import reverse
from django.utils import timezone

from omniretail.analytics.tests.test_production import _offer, sales
from omniretail.inventory.models import StockLevel
from omniretail.inventory.services import location_for_store


def test_the_producer_sees_the_suggestion_and_its_csv(
    client, producer_staff, producer, store, sku, merchant_staff
):
    _offer(sku, producer)
    sales(store, sku, timezone.localdate())
    StockLevel.objects.create(location=location_for_store(store), sku=sku, on_hand=12)
    client.force_login(producer_staff)
    page = client.get(reverse("web:producer_production"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "误差为实销量的 35.0%" in html and 'data-testid="suggested">56<' in html
    csv = client.get(reverse("web:producer_production"), {"export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("SKU,商品,规格,区域,")
    assert lines[1].endswith(",10,10,10,10,20,20,20,20,17,7.0,12,56")
    client.force_login(merchant_staff)
    assert client.get(reverse("web:producer_production")).status_code == 403
