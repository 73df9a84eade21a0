"""The counter's screen as a shopper in front of it sees it: the state it is in (a silent
counter is offline, and then nothing on the screen offers buying), the media and 360° spins
staff set through the API on the next poll without any show_content command, and the idle
loop's adverts: only those running now for this counter, each showing the screen reports
counted."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from omniretail.conftest import ApiClient
from omniretail.counters import ads, services
from omniretail.counters.models import AdCampaign, Counter
from omniretail.counters.tests.device import InProcessSim
from omniretail.counters.tests.test_kiosk_pairing import issue_link
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def screen_for(setup) -> Client:
    screen = Client()
    assert screen.get(issue_link(setup.staff)).status_code == 302
    return screen


def fragment(screen) -> str:
    return screen.get("/counter/HZ-001/", headers={"HX-Request": "true"}).content.decode()


def test_a_counter_never_heard_from_is_offline_and_the_screen_offers_no_buying(counter_setup):
    screen = screen_for(counter_setup)
    page = screen.get("/counter/HZ-001/").content.decode()
    assert 'data-testid="kiosk-state"' in page and "离线" in page
    assert 'data-testid="kiosk-qr"' not in page and 'data-testid="product-qr"' not in page
    assert "<fieldset disabled>" in page.replace(" >", ">")
    # a code typed anyway is refused, not announced as an unlock in a green box
    answer = screen.post("/counter/HZ-001/code/", {"code": "123456"})
    assert answer.status_code == 409
    body = answer.content.decode()
    assert "alert error" in body and "success" not in body and "离线" in body


def test_an_online_counter_sells_and_goes_offline_when_it_falls_silent(counter_setup):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    screen = screen_for(setup)
    page = fragment(screen)
    assert 'data-testid="kiosk-qr"' in page and "<fieldset >" in page
    assert "1 号格口，剩余 4 件" in page and "2 号格口，剩余 2 件" in page
    # silent past OMNI_COUNTER_OFFLINE_S: stored "online", shown and sold as offline
    Counter.objects.filter(pk=setup.counter.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    assert Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.ONLINE
    page = fragment(screen)
    assert 'data-testid="kiosk-qr"' not in page and "暂停售卖" in page


def test_maintenance_shows_on_the_screen_and_stops_buying(counter_setup):
    setup = counter_setup
    InProcessSim(setup).start()
    services.set_maintenance(actor=setup.staff, counter=setup.counter, on=True)
    page = fragment(screen_for(setup))
    assert "维护中" in page and 'data-testid="kiosk-qr"' not in page


def test_content_set_through_the_api_shows_on_the_next_poll(counter_setup):
    setup = counter_setup
    screen = screen_for(setup)
    before = fragment(screen)
    assert 'data-testid="spin-viewer"' not in before
    frames = [f"/media/spin/ev-{i:02d}.jpg" for i in range(24)]
    answer = ApiClient(setup.staff).post(
        "/api/counters/HZ-001/content",
        {
            "content": {
                "headline": "电动车 · 360° 看车",
                "media": ["/media/ev/front.jpg"],
                "videos": ["https://cdn.example.com/ride.mp4"],
                "spins": [frames],
            }
        },
    )
    assert answer.status_code == 200, answer.content
    after = fragment(screen)
    assert 'data-testid="spin-viewer"' in after
    assert " ".join(frames) in after  # every frame, in order, for the viewer to turn through
    assert 'src="/media/ev/front.jpg"' in after and "ride.mp4" in after
    assert "电动车 · 360° 看车" in screen.get("/counter/HZ-001/").content.decode()
    assert not setup.counter.commands.exists()  # no show_content command was needed


def make_ad(setup, name, *, start=-1, end=1, counters=(), regions=(), creative=None):
    now = timezone.now()
    return ads.create_campaign(
        actor=setup.staff,
        merchant=setup.counter.merchant,
        name=name,
        creative_files=[creative or photo("PNG", "ad.png", size=(108, 192))],
        starts_at=now + timedelta(hours=start),
        ends_at=now + timedelta(hours=end),
        counter_codes=counters,
        regions=regions,
    )


def test_the_idle_loop_shows_what_runs_here_now_and_counts_what_was_shown(counter_setup):
    setup = counter_setup
    everywhere = make_ad(setup, "双十二电动车节")
    here = make_ad(setup, "湖滨专享", counters=["hz-001"])
    make_ad(setup, "明天开始", start=20, end=40)
    make_ad(setup, "已结束", start=-5, end=-1)
    make_ad(setup, "宁波地区", regions=["宁波"])
    city = make_ad(setup, "杭州地区", regions=["杭州"])
    screen = screen_for(setup)
    page = fragment(screen)
    shown = {a.name for a in (everywhere, here, city)}
    assert all(f'alt="{name}"' in page for name in shown)
    assert not any(n in page for n in ("明天开始", "已结束", "宁波地区"))
    assert default_storage.exists(everywhere.creative)

    tomorrow = AdCampaign.objects.get(name="明天开始")
    answer = screen.post(
        "/counter/HZ-001/ads/shown/", {"ad": [here.public_id, tomorrow.public_id, "nope"]}
    )
    assert answer.json() == {"counted": 1}
    here.refresh_from_db()
    tomorrow.refresh_from_db()
    assert (here.impressions, tomorrow.impressions) == (1, 0)
    # only a paired screen reports
    assert Client().post("/counter/HZ-001/ads/shown/", {"ad": [here.public_id]}).status_code == 403
