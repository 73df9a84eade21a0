"""The kiosk screen is opened by a one-time pairing link an operator issues, never by the
device's API token in the URL (which would sit in every access log). The screen's pass is
an HttpOnly cookie for that counter's screen alone, with no device-API rights, and it closes
when the device credential is revoked."""

import re

import pytest
from django.test import Client

from omniretail.counters import kiosk, services

pytestmark = pytest.mark.django_db


def issue_link(staff, code="HZ-001") -> str:
    client = Client()
    client.force_login(staff)
    page = client.post(f"/ops/counters/{code}/kiosk-link/")
    assert page.status_code == 200, page.content.decode()[:300]
    return re.search(r'data-testid="kiosk-pairing-url">([^<]+)<', page.content.decode()).group(1)


def test_the_device_token_in_the_url_no_longer_opens_the_screen(counter_setup, client):
    response = client.get(f"/counter/HZ-001/?key={counter_setup.token}")
    assert response.status_code == 403
    assert "kiosk_HZ-001" not in response.cookies and "sessionid" not in response.cookies
    assert "配对链接" in response.content.decode()


def test_a_pairing_link_opens_the_screen_once_with_a_display_only_cookie(counter_setup):
    setup = counter_setup
    link = issue_link(setup.staff)
    key_id, secret = setup.token.split(".")
    assert key_id not in link and secret not in link  # nothing of the device credential

    screen = Client()
    paired = screen.get(link)
    assert paired.status_code == 302 and paired.url == "/counter/HZ-001/"
    cookie = paired.cookies["kiosk_HZ-001"]
    assert cookie["httponly"] and cookie["path"] == "/counter/HZ-001/"
    page = screen.get("/counter/HZ-001/")
    assert page.status_code == 200 and setup.sku.product.name in page.content.decode()
    fragment = screen.get("/counter/HZ-001/", headers={"HX-Request": "true"})
    assert 'data-testid="carousel"' in fragment.content.decode()

    assert Client().get(link).status_code == 403  # a second screen: the link is spent
    # the pass is no device credential
    assert screen.get("/api/counters/device/config").status_code == 401


def test_a_pass_opens_only_its_own_counter_and_closes_with_the_credential(counter_setup):
    setup = counter_setup
    screen = Client()
    screen.get(issue_link(setup.staff))
    other = Client()
    other.cookies["kiosk_HZ-002"] = screen.cookies["kiosk_HZ-001"].value
    assert other.get("/counter/HZ-002/").status_code in (403, 404)

    services.revoke_credential(
        actor=setup.staff, counter=setup.counter, key_id=setup.token.split(".")[0]
    )
    assert screen.get("/counter/HZ-001/").status_code == 403


def test_an_expired_or_forged_link_is_refused(counter_setup, monkeypatch):
    setup = counter_setup
    token, expires = kiosk.pairing_token(actor=setup.staff, counter=setup.counter)
    monkeypatch.setattr(kiosk.time, "time", lambda: expires.timestamp() + 1)
    assert Client().get(f"/counter/HZ-001/pair/{token}/").status_code == 403
    monkeypatch.undo()
    assert Client().get(f"/counter/HZ-001/pair/{token[:-2]}xx/").status_code == 403


def test_only_the_serving_merchants_staff_issue_links(counter_setup, other_merchant_staff):
    client = Client()
    client.force_login(other_merchant_staff)
    assert client.post("/ops/counters/HZ-001/kiosk-link/").status_code == 404
