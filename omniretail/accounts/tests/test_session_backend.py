"""The signed-in member behind a session: who signs in is remembered by our backend, sessions
signed in before it keep working, a deactivated member is signed out on their next page, and
a wrong password is checked once."""

import json

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore

from omniretail.accounts import backends
from omniretail.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def session_for(user, backend: str) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def sign_in(client, body) -> dict:
    resp = client.post("/api/auth/login", json.dumps(body), content_type="application/json")
    return {"status": resp.status_code, "body": resp.json()}


def test_a_password_sign_in_is_remembered_by_our_backend_and_its_pages_know_the_member(
    client, merchant_staff
):
    signed = sign_in(client, {"username": "clerk", "password": STAFF_PASSWORD})

    assert signed["status"] == 200
    assert client.session[BACKEND_SESSION_KEY] == backends.PATH
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["id"] == merchant_staff.public_id


@pytest.mark.parametrize("backend", [backends.PATH, backends.LEGACY])
def test_a_session_signed_in_before_or_after_the_backend_changed_opens_the_members_page(
    client, shopper, backend
):
    client.cookies["sessionid"] = session_for(shopper, backend)

    page = client.get("/me/")

    assert page.status_code == 200
    assert page.context["user"] == shopper


def test_a_deactivated_member_is_signed_out_on_their_next_page(client, shopper):
    client.cookies["sessionid"] = session_for(shopper, backends.PATH)
    assert client.get("/me/").status_code == 200
    shopper.is_active = False
    shopper.save(update_fields=["is_active"])

    page = client.get("/me/")

    assert page.status_code == 302 and "/login/" in page["Location"]


def test_a_wrong_password_is_refused_and_hashed_once(client, merchant_staff, monkeypatch):
    checked = []
    verify = MD5PasswordHasher.verify

    def counting(self, password, encoded):
        checked.append(password)
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", counting)
    signed = sign_in(client, {"username": "clerk", "password": "不对的 密碼"})

    assert signed["status"] == 401
    assert signed["body"]["error"]["code"] == "invalid_credentials"
    assert checked == ["不对的 密碼"]
    assert SESSION_KEY not in client.session
