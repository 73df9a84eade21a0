"""The counters console on pages, as the serving merchant's staff use it: register a counter
with its bays and par levels, issue a credential (shown once, the older one kept through the
rotation overlap) and revoke one, maintenance, clearing a flag with a reason, screen content
from uploaded pictures, and ad campaigns. A refused form names its fields and writes
nothing."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from omniretail.counters import services
from omniretail.counters.models import AdCampaign, Counter, FlagClearance, StaffTask
from omniretail.counters.tests.device import InProcessSim
from omniretail.inventory.models import StockLocation
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(counter_setup):
    client = Client()
    client.force_login(counter_setup.staff)
    return client


def registration(setup, **overrides):
    data = {
        "store": setup.store.public_id,
        "code": "hz-wl-09",
        "name": "武林银泰电动车柜",
        "site_name": "武林银泰 1F",
        "address": "杭州市拱墅区武林广场1号",
        "lat": "30.2765",
        "lon": "120.1641",
        "headline": "电动车 扫码即买",
        "bay-0-number": "1",
        "bay-0-sku": setup.sku.code,
        "bay-0-par_level": "2",
        "bay-0-capacity": "4",
        "bay-1-number": "2",
        "bay-1-sku": setup.sku2.code,
        "bay-1-par_level": "1",
        "bay-1-capacity": "3",
    }
    data.update(overrides)
    return data


def test_registering_a_counter_with_bays_on_the_page(counter_setup, staff_client):
    setup = counter_setup
    assert staff_client.get("/ops/counters/new/").status_code == 200
    answer = staff_client.post("/ops/counters/new/", registration(setup))
    assert answer.status_code == 302 and answer.url == "/ops/counters/HZ-WL-09/"
    counter = Counter.objects.get(code="HZ-WL-09")
    bays = {b.number: (b.sku_id, b.par_level, b.capacity) for b in counter.bays.all()}
    assert bays == {"1": (setup.sku.pk, 2, 4), "2": (setup.sku2.pk, 1, 3)}
    assert counter.store == setup.store and counter.content["headline"] == "电动车 扫码即买"
    # empty bays are below par: the serving store gets one restock task
    assert StaffTask.objects.filter(counter=counter, kind="restock", status="open").count() == 1
    page = staff_client.get("/ops/counters/").content.decode()
    assert "HZ-WL-09" in page and "离线" in page  # never heard from


def test_a_refused_registration_names_the_bay_and_writes_nothing(counter_setup, staff_client):
    setup = counter_setup
    locations = StockLocation.objects.count()
    # the second bay typed on the form's fourth row: refused on that row
    data = registration(setup, **{"bay-1-number": "", "bay-1-sku": ""})
    data.update({"bay-3-number": "2", "bay-3-sku": "NO-SUCH-SKU"})
    answer = staff_client.post("/ops/counters/new/", data)
    assert answer.status_code == 422
    body = answer.content.decode()
    assert 'data-field="bays.3.sku"' in body and "找不到该 SKU 编码" in body
    assert 'value="NO-SUCH-SKU"' in body
    assert 'value="武林银泰电动车柜"' in body  # what was typed is kept
    assert not Counter.objects.filter(code="HZ-WL-09").exists()
    assert StockLocation.objects.count() == locations
    answer = staff_client.post("/ops/counters/new/", registration(setup, lat="91"))
    assert answer.status_code == 422 and 'data-field="lat"' in answer.content.decode()


def test_credentials_are_shown_once_and_rotation_keeps_the_old_one_for_the_overlap(
    counter_setup, staff_client
):
    setup = counter_setup
    old_key = setup.token.split(".")[0]
    page = staff_client.post("/ops/counters/HZ-001/credentials/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    body = page.content.decode()
    token = re.search(r'data-testid="issued-token">([^<]+)<', body).group(1)
    assert 'data-testid="overlap-note"' in body and old_key in body and "自动吊销" in body
    # the new token works on the device API; the old one still does, within the overlap
    for credential in (token, setup.token):
        config = Client().get(
            "/api/counters/device/config", headers={"Authorization": f"Counter {credential}"}
        )
        assert config.status_code == 200
    again = staff_client.get("/ops/counters/HZ-001/").content.decode()
    assert token not in again and token.split(".")[0] in again  # the key id only

    answer = staff_client.post(f"/ops/counters/HZ-001/credentials/{old_key}/revoke/")
    assert answer.status_code == 302
    refused = Client().get(
        "/api/counters/device/config", headers={"Authorization": f"Counter {setup.token}"}
    )
    assert refused.status_code == 403
    assert staff_client.post("/ops/counters/HZ-001/credentials/ck_nope/revoke/").status_code == 404


def test_maintenance_and_clearing_a_flag_with_a_reason(counter_setup, staff_client):
    setup = counter_setup
    assert staff_client.post("/ops/counters/HZ-001/maintenance/", {"on": "1"}).status_code == 302
    assert Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.MAINTENANCE
    assert staff_client.post("/ops/counters/HZ-001/maintenance/", {"on": "0"}).status_code == 302
    assert Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.OFFLINE

    services.flag(setup.counter, "柜门 120 秒未关闭", Counter.FlagCause.DOOR_NOT_CLOSED)
    page = staff_client.get("/ops/counters/HZ-001/").content.decode()
    assert 'data-testid="flag"' in page
    refused = staff_client.post("/ops/counters/HZ-001/flag/clear/", {"reason": "  "})
    assert refused.status_code == 422 and 'data-field="reason"' in refused.content.decode()
    assert Counter.objects.get(pk=setup.counter.pk).flagged_at is not None
    cleared = staff_client.post("/ops/counters/HZ-001/flag/clear/", {"reason": "店员到场关门"})
    assert cleared.status_code == 302
    assert Counter.objects.get(pk=setup.counter.pk).flagged_at is None
    assert FlagClearance.objects.get().reason == "店员到场关门"


def test_screen_content_from_uploaded_pictures(counter_setup, staff_client):
    setup = counter_setup
    frames = [photo("PNG", f"f{i}.png", size=(60 + i, 40)) for i in range(8)]
    answer = staff_client.post(
        "/ops/counters/HZ-001/content/",
        {
            "headline": "新国标电动车",
            "videos": "https://cdn.example.com/ride.mp4\n",
            "media": [photo("JPEG", "front.jpg")],
            "spins": frames,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    content = Counter.objects.get(pk=setup.counter.pk).content
    assert content["headline"] == "新国标电动车"
    assert content["videos"] == ["https://cdn.example.com/ride.mp4"]
    assert len(content["media"]) == 1 and len(content["spins"][0]) == 8
    assert len(set(content["spins"][0])) == 8  # each frame its own picture, in order

    text = SimpleUploadedFile("evil.png", b"not an image", content_type="image/png")
    refused = staff_client.post(
        "/ops/counters/HZ-001/content/", {"headline": "x", "videos": "", "media": [text]}
    )
    assert refused.status_code == 422 and 'data-field="media"' in refused.content.decode()
    assert Counter.objects.get(pk=setup.counter.pk).content == content


def ad_form(**overrides):
    now = timezone.localtime()
    data = {
        "name": "双十二 电动车节",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "seconds": "6",
        "regions": "杭州，宁波",
        "creative": photo("PNG", "ad.png", size=(108, 192)),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_ad_campaign_from_the_page(counter_setup, staff_client):
    answer = staff_client.post("/ops/counter-ads/", ad_form(counters=["HZ-001"]))
    assert answer.status_code == 302
    ad = AdCampaign.objects.get()
    assert ad.regions == ["宁波", "杭州"] and list(ad.counters.values_list("code", flat=True)) == [
        "HZ-001"
    ]
    assert default_storage.exists(ad.creative)
    page = staff_client.get("/ops/counter-ads/").content.decode()
    assert "双十二 电动车节" in page and "HZ-001" in page and "投放中" in page


def test_a_refused_ad_names_its_fields_and_stores_nothing(counter_setup, staff_client):
    now = timezone.localtime()
    backwards = ad_form(
        creative=None,
        starts_at=now.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    answer = staff_client.post("/ops/counter-ads/", backwards)
    body = answer.content.decode()
    assert answer.status_code == 422
    assert 'data-field="creative"' in body and "请上传广告图" in body
    assert 'data-field="ends_at"' in body and "结束时间须晚于开始时间" in body

    text = SimpleUploadedFile("ad.png", b"GIF89a not really", content_type="image/png")
    answer = staff_client.post("/ops/counter-ads/", ad_form(creative=text))
    assert answer.status_code == 422 and 'data-field="creative"' in answer.content.decode()
    # a good picture with a bad schedule: refused before the picture is stored
    answer = staff_client.post("/ops/counter-ads/", ad_form(ends_at="明天"))
    assert answer.status_code == 422 and 'data-field="ends_at"' in answer.content.decode()
    assert not AdCampaign.objects.exists()
    assert not default_storage.exists("ads") or default_storage.listdir("ads") == ([], [])


def test_the_counter_page_shows_faults_and_uptime(counter_setup, staff_client):
    setup = counter_setup
    page = staff_client.get("/ops/counters/HZ-001/").content.decode()
    assert re.search(r'data-testid="uptime">-<', page)  # never heard from
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    sim.report_fault("电机卡滞")
    sim.report_fault(None)  # and cleared
    # heard from in this window only, a day after registration: about one window in 1,440
    Counter.objects.filter(pk=setup.counter.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    page = staff_client.get("/ops/counters/HZ-001/").content.decode()
    faults = page.split('data-testid="faults"')[1].split("</table>")[0]
    assert "电机卡滞" in faults and "故障恢复" in faults
    uptime = float(re.search(r'data-testid="uptime">([\d.]+)%<', page).group(1))
    assert 0 < uptime < 1
    assert "在线" in page.split('data-testid="counter-status"')[1][:40]
