"""Producer insight: per model and region, what the counters saw of the producer's own
products (scans, leads, conversions, vends, repairs by fault kind), as a chart, a table and
a CSV; the retailer's staff are refused the page."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts import services as accounts
from omniretail.catalog.models import Product
from omniretail.conftest import make_staff
from omniretail.counters import leads, repairs

pytestmark = pytest.mark.django_db


def test_a_producer_sees_its_own_models_per_region_with_chart_and_csv(
    counter_setup, producer, client
):
    setup = counter_setup
    mine, other = setup.sku.product, setup.sku2.product
    rival = accounts.create_organization(kind="producer", name="雅迪科技", code="yadea")
    Product.objects.filter(pk=mine.pk).update(owner=producer)
    Product.objects.filter(pk=other.pk).update(owner=rival)
    leads.record_scan(counter=setup.counter, product=mine, user=setup.member)
    leads.record_scan(counter=setup.counter, product=mine)  # a guest: a scan, not a lead
    leads.record_scan(counter=setup.counter, product=other, user=setup.member)
    for kind in ("brakes", "brakes", "battery"):
        repairs.book_repair(
            shopper=setup.member,
            counter=setup.counter,
            vehicle_serial="EV1",
            plate="",
            fault="刹车异响",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
            product=mine,
            fault_kind=kind,
        )
    client.force_login(make_staff(producer, "insight-maker"))
    assert "/producer/counter-insight/" in client.get("/me/").content.decode()
    page = client.get("/producer/counter-insight/")
    body = page.content.decode()
    assert page.status_code == 200 and "data-plotly" in body
    assert mine.name in body and other.name not in body
    assert "刹车 2、电池/续航 1" in body
    text = client.get("/producer/counter-insight/?format=csv").content.decode()
    assert text.startswith("\ufeffmodel,")  # Excel reads UTF-8 with the BOM only
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    city = setup.counter.store.city
    assert rows == [
        {
            "model": mine.name,
            "region": city,
            "scans": "2",
            "leads": "1",
            "conversions": "0",
            "vends": "0",
            "repairs": "3",
            "fault_kinds": "brakes:2;battery:1",
        }
    ]
    client.force_login(setup.staff)
    assert client.get("/producer/counter-insight/").status_code == 403


def test_the_retailer_passes_a_lead_on_and_the_producer_follows_it_up(
    counter_setup, producer, client
):
    from omniretail.counters.models import ScanLead
    from omniretail.notifications.models import Notification

    setup = counter_setup
    Product.objects.filter(pk=setup.sku.product.pk).update(owner=producer)
    lead = leads.record_scan(counter=setup.counter, product=setup.sku.product, user=setup.member)
    maker = make_staff(producer, "lead-maker")
    client.force_login(maker)
    page = client.get("/producer/counter-insight/").content.decode()
    assert setup.member.phone not in page  # not passed on yet: the retailer's own
    assert (
        client.post(
            f"/producer/counter-leads/{lead.public_id}/", {"status": "contacted"}
        ).status_code
        == 404
    )
    client.force_login(setup.staff)
    assert 'data-testid="lead-pass-on"' in client.get("/ops/counters/").content.decode()
    assert client.post(f"/ops/counter-leads/{lead.public_id}/pass-on/").status_code == 302
    assert Notification.objects.filter(organization=producer, title="零售商转来线索").count() == 1
    client.post(f"/ops/counter-leads/{lead.public_id}/pass-on/")  # a second pass: nothing new
    assert Notification.objects.filter(organization=producer).count() == 1
    client.force_login(maker)
    page = client.get("/producer/counter-insight/").content.decode()
    assert setup.member.phone in page and 'data-testid="producer-lead-contacted"' in page
    resp = client.post(
        f"/producer/counter-leads/{lead.public_id}/", {"status": "contacted", "note": "已试驾预约"}
    )
    assert resp.status_code == 302
    assert ScanLead.objects.get(pk=lead.pk).status == "contacted"
    assert "已试驾预约" in client.get("/producer/counter-insight/").content.decode()
