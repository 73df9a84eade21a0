"""Login is neither forgeable from another site nor guessable: session-creating calls take
JSON from the same origin only; wrong passwords lock the account with a growing backoff;
login codes are limited per phone, per client and in total; an anonymous write is a 401."""

import json
import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from omniretail.accounts import services
from omniretail.conftest import STAFF_PASSWORD
from omniretail.core.errors import NotAuthenticated, RateLimited
from omniretail.core.sms import read_sms_file

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example"
SAME = "http://testserver"


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def login_body(password=STAFF_PASSWORD, **extra):
    return {"username": "clerk", "password": password, **extra}


# ---------------------------------------------------------------- login CSRF


def test_cross_site_text_plain_login_is_refused_and_sets_no_session(client, merchant_staff):
    """What an HTML form on another site can send without a CORS preflight."""
    resp = client.post(
        "/api/auth/login",
        json.dumps(login_body()),
        content_type="text/plain",
        headers={"Origin": EVIL},
    )
    assert resp.status_code == 415
    assert resp.json()["error"]["code"] == "unsupported_media_type"
    assert "sessionid" not in resp.cookies


def test_text_plain_otp_verify_is_refused_and_sets_no_session(client):
    services.request_login_code(phone="13800138000")
    code = read_sms_file("13800138000")[-1]["text"].split("验证码是 ")[1][:6]
    resp = client.post(
        "/api/auth/otp/verify",
        json.dumps({"phone": "13800138000", "code": code}),
        content_type="text/plain",
    )
    assert resp.status_code == 415
    assert "sessionid" not in resp.cookies


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/login"}],
    ids=["origin", "null-origin", "referer"],
)
def test_cross_origin_json_login_is_refused(client, merchant_staff, headers):
    resp = post(client, "/api/auth/login", login_body(), headers=headers)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "cross_origin"
    assert "sessionid" not in resp.cookies


@pytest.mark.parametrize(
    "headers", [{"Origin": SAME}, {"Referer": f"{SAME}/login/"}], ids=["origin", "referer"]
)
def test_same_origin_json_login_gets_a_session(client, merchant_staff, headers):
    resp = post(client, "/api/auth/login", login_body(), headers=headers)
    assert resp.status_code == 200, resp.content
    assert resp.cookies["sessionid"].value
    assert client.get("/api/auth/me").json()["display_name"] == "clerk"


def test_a_trusted_origin_from_settings_may_log_in(client, settings, merchant_staff):
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example.cn"]
    resp = post(
        client, "/api/auth/login", login_body(), headers={"Origin": "https://shop.example.cn"}
    )
    assert resp.status_code == 200


def test_token_clients_without_origin_still_log_in_and_use_their_token(client, merchant_staff):
    resp = post(client, "/api/auth/login", login_body(issue_token=True))
    assert resp.status_code == 200
    token = resp.json()["token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["display_name"] == "clerk"


# ---------------------------------------------------------------- anonymous writes


def test_anonymous_write_is_a_401_in_the_envelope_not_a_csrf_403(api_client):
    client = api_client(enforce_csrf_checks=True)
    resp = client.post("/api/auth/tokens", {"name": "偷偷建一个"})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "not_authenticated"


def test_a_signed_in_session_still_needs_the_csrf_token_to_write(api_client, merchant_staff):
    client = api_client(enforce_csrf_checks=True)
    client.force_login(merchant_staff)
    assert client.post("/api/auth/tokens", {"name": "无令牌"}).status_code == 403


# ---------------------------------------------------------------- password lockout


def test_sixth_wrong_password_is_a_429_and_the_right_one_is_refused_too(
    api_client, merchant_staff, caplog
):
    client = api_client()
    wrong = [
        client.post("/api/auth/login", login_body("wrong-guess")).status_code for _ in range(6)
    ]
    assert wrong == [401] * 5 + [429]
    with caplog.at_level(logging.WARNING, logger="omniretail.audit"):
        right = client.post("/api/auth/login", login_body())
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "rate_limited"
    assert 0 < int(right.headers["Retry-After"]) <= settings.OMNI_LOGIN_LOCKOUT_S
    assert "sessionid" not in right.cookies
    refused = [r for r in caplog.records if r.getMessage().startswith("login refused")]
    assert refused and refused[-1].username == "clerk" and refused[-1].client_ip == "127.0.0.1"


def test_lockout_ends_and_a_second_lockout_lasts_twice_as_long(merchant_staff):
    now = timezone.now()

    def fail(at):
        with pytest.raises((NotAuthenticated, RateLimited)) as err:
            services.password_login(username="clerk", password="x", client_ip="10.0.0.1", now=at)
        return err.value

    for _ in range(5):
        assert isinstance(fail(now), NotAuthenticated)
    first = fail(now)
    assert isinstance(first, RateLimited) and first.retry_after == settings.OMNI_LOGIN_LOCKOUT_S
    later = now + timedelta(seconds=settings.OMNI_LOGIN_LOCKOUT_S + 1)
    user = services.password_login(
        username="clerk", password=STAFF_PASSWORD, client_ip="10.0.0.1", now=later
    )
    assert user == merchant_staff
    for _ in range(5):
        assert isinstance(fail(later), NotAuthenticated)
    second = fail(later)
    assert second.retry_after == 2 * settings.OMNI_LOGIN_LOCKOUT_S


def test_one_client_guessing_many_accounts_is_limited_per_ip(api_client, settings, merchant):
    settings.OMNI_LOGIN_RATE_PER_IP = "8/600"
    client = api_client()
    statuses = [
        client.post("/api/auth/login", {"username": f"user{i}", "password": "123456"}).status_code
        for i in range(10)
    ]
    assert statuses == [401] * 8 + [429] * 2
    other_ip = api_client(REMOTE_ADDR="10.1.2.3")
    assert other_ip.post("/api/auth/login", {"username": "x", "password": "y"}).status_code == 401


# ---------------------------------------------------------------- OTP sending


def test_fifteen_new_numbers_from_one_client_are_cut_off_at_the_per_ip_limit(api_client):
    client = api_client()
    statuses = [
        client.post("/api/auth/otp/request", {"phone": f"1390000{i:04d}"}).status_code
        for i in range(15)
    ]
    limit = int(settings.OMNI_OTP_RATE_PER_IP.split("/")[0])
    assert statuses == [202] * limit + [429] * (15 - limit)
    refused = client.post("/api/auth/otp/request", {"phone": "13900009999"})
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert not read_sms_file("13900009999")


def test_all_clients_together_stop_at_the_global_limit(api_client, settings):
    settings.OMNI_OTP_RATE_GLOBAL = "3/3600"
    statuses = [
        api_client(REMOTE_ADDR=f"10.0.0.{i}")
        .post("/api/auth/otp/request", {"phone": f"1370000{i:04d}"})
        .status_code
        for i in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]


def test_the_login_page_locks_the_account_like_the_api(client, merchant_staff):
    def attempt(password):
        body = {"action": "staff", "mode": "staff", "username": "clerk", "password": password}
        return client.post("/login/", body)

    assert [attempt("wrong-guess").status_code for _ in range(5)] == [401] * 5
    locked = attempt(STAFF_PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "账户已暂时锁定" in locked.content.decode()
    assert client.get("/me/").status_code == 302
