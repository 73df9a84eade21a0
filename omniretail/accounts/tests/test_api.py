import pytest

from omniretail.accounts.models import ApiToken
from omniretail.conftest import STAFF_PASSWORD
from omniretail.core.sms import read_sms_file
from omniretail.privacy.models import POLICY_VERSION

PHONE = "13900139000"
ACCEPTED = {"accept_policies": POLICY_VERSION}


@pytest.mark.django_db
def test_otp_login_over_the_api_returns_a_working_token(api_client):
    client = api_client()
    assert client.post("/api/auth/otp/request", {"phone": PHONE}).status_code == 202
    code = read_sms_file(PHONE)[-1]["text"].split("验证码是 ")[1][:6]
    body = {"phone": PHONE, "code": code, "issue_token": True, "accept_policies": POLICY_VERSION}
    resp = client.post("/api/auth/otp/verify", body)
    assert resp.status_code == 200, resp.content
    token = resp.json()["token"]
    me = api_client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["phone"] == PHONE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [({"phone": "12"}, "phone"), ({}, "phone"), ({"phone": "1" * 40}, "phone")],
)
def test_bad_phone_is_a_422_naming_the_field(api_client, body, field):
    resp = api_client().post("/api/auth/otp/request", body)
    assert resp.status_code == 422
    assert field in resp.json()["error"]["fields"]


@pytest.mark.django_db
def test_wrong_code_five_times_then_429(api_client):
    client = api_client()
    client.post("/api/auth/otp/request", {"phone": PHONE})
    real = read_sms_file(PHONE)[-1]["text"].split("验证码是 ")[1][:6]
    wrong = f"{(int(real) + 7) % 10**6:06d}"
    statuses = [
        client.post("/api/auth/otp/verify", {"phone": PHONE, "code": wrong, **ACCEPTED}).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    again = {"phone": PHONE, "code": real, **ACCEPTED}
    assert client.post("/api/auth/otp/verify", again).status_code == 429


@pytest.mark.django_db
def test_staff_password_login_and_wrong_password(api_client, merchant_staff):
    client = api_client()
    bad = client.post("/api/auth/login", {"username": "clerk", "password": "nope"})
    assert bad.status_code == 401
    ok = client.post("/api/auth/login", {"username": "clerk", "password": STAFF_PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["user"]["memberships"][0]["role"] == "manager"


@pytest.mark.django_db
def test_tokens_are_stored_hashed_and_revocation_locks_the_client_out(api_client, merchant_staff):
    client = api_client(merchant_staff)
    created = client.post("/api/auth/tokens", {"name": "pos terminal"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert not ApiToken.objects.filter(token_hash=raw).exists()  # only the digest is kept
    headers = {"Authorization": f"Bearer {raw}"}
    assert api_client().get("/api/auth/me", headers=headers).status_code == 200
    client.delete(f"/api/auth/tokens/{created.json()['id']}")
    assert api_client().get("/api/auth/me", headers=headers).status_code == 401


@pytest.mark.django_db
def test_anonymous_and_forged_tokens_are_refused(api_client):
    assert api_client().get("/api/auth/me").status_code == 401
    forged = {"Authorization": "Bearer omni_forged"}
    assert api_client().get("/api/auth/me", headers=forged).status_code == 401


@pytest.mark.django_db
def test_the_document_lists_every_organisation_kind_and_role_me_can_answer(
    api_client, merchant_staff
):
    """A generated client gets enums for the closed sets of /me, and the answer is one of them."""
    document = api_client().get("/api/openapi.json").json()
    membership = document["components"]["schemas"]["MembershipOut"]["properties"]
    kinds, roles = membership["organization_kind"], membership["role"]
    assert kinds["enum"] == ["platform", "region", "producer", "merchant"]
    assert roles["enum"] == ["owner", "manager", "staff", "customer_service"]

    mine = api_client(merchant_staff).get("/api/auth/me").json()["memberships"][0]
    assert mine["organization_kind"] in kinds["enum"] and mine["role"] in roles["enum"]
