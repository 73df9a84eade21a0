"""实名认证 of shoppers (analytics.realname): the page and the API check 姓名 + 身份证号
with the sandbox provider, keep only the masked outcome, refuse typing mistakes without
spending an attempt, allow 5 checks a day, and two accounts verified with one ID number are
then proposed on the data-quality page as 同实名身份. The shopper's data export shows the
check masked and closing the account deletes it."""

import json

import pytest
from django.urls import reverse

from omniretail.accounts.models import User
from omniretail.analytics import realname
from omniretail.analytics.models import VerifiedIdentity

ID = "11010519491231002X"
MISMATCH_ID = "110105194912319999"  # the sandbox's documented mismatch (sequence code 999)
PAGE = "/me/real-name/"
API = "/api/auth/me/real-name"


def _user(n: int) -> User:
    return User.objects.create(username=f"shopper{n}", phone=f"1360000010{n}")


def _verify(client, name="张伟", id_number=ID, consent="1"):
    data = {"name": name, "id_number": id_number}
    if consent:
        data["consent"] = consent
    return client.post(PAGE, data)


def test_two_accounts_verified_with_one_id_are_proposed_as_one_person(client, db, platform_staff):
    first, second = _user(1), _user(2)
    for user, typed in ((first, ID), (second, "110105 19491231 002x")):
        client.force_login(user)
        page = client.get(reverse("web:me")).content.decode()
        assert reverse("web:real_name") in page  # 我的 links to it
        form = client.get(PAGE).content.decode()
        assert 'data-testid="real-name-form"' in form and "加密摘要" in form  # consent text
        done = client.post(PAGE, {"name": "张伟", "id_number": typed, "consent": "1"}, follow=True)
        html = done.content.decode()
        assert done.status_code == 200 and "实名认证成功" in html
        assert "已实名" in html and "张* 110***********002X" in html
        assert ID not in html and 'data-testid="real-name-form"' not in html
    stored = VerifiedIdentity.objects.get(user=first)
    assert stored.status == "verified" and ID not in (stored.id_hash, stored.id_masked)

    client.force_login(platform_staff)
    quality = client.get(reverse("web:ops_quality")).content.decode()
    assert "同实名身份" in quality and "110***********002X" in quality and ID not in quality
    assert f'data-testid="merge-{second.pk}"' in quality


@pytest.mark.parametrize(
    ("name", "id_number", "field", "message"),
    [
        ("张伟", "110105194912310021", "id_number", "校验位不正确"),
        ("张伟", "1101051949123100", "id_number", "应为 18 位"),
        ("张伟", "110105199913010013", "id_number", "出生日期无效"),  # month 13
        ("张伟", "110105188808081238", "id_number", "出生日期无效"),  # before 1900
        ("张伟", "110105209912310010", "id_number", "出生日期无效"),  # not born yet
        ("Zhang Wei", ID, "name", "2–20 个汉字"),
        ("张", ID, "name", "2–20 个汉字"),
        ("", ID, "name", "请填写证件上的姓名"),
    ],
)
def test_a_typing_mistake_says_what_is_wrong_and_costs_no_attempt(
    client, db, name, id_number, field, message, settings
):
    settings.OMNI_REAL_NAME_RATE = "1/86400"
    user = _user(3)
    client.force_login(user)
    refused = _verify(client, name=name, id_number=id_number)
    assert refused.status_code == 422 and message in refused.content.decode()
    assert refused.context["error"].fields.keys() == {field}
    assert not VerifiedIdentity.objects.exists()
    assert _verify(client).status_code == 302  # the one attempt of the day is still there


def test_a_mismatch_is_refused_and_kept_as_failed_which_proves_nothing(client, db):
    user = _user(4)
    client.force_login(user)
    refused = _verify(client, id_number=MISMATCH_ID)
    assert refused.status_code == 422 and "姓名与身份证号不一致" in refused.content.decode()
    assert MISMATCH_ID not in refused.content.decode()  # the number is not echoed back
    assert VerifiedIdentity.objects.get(user=user).status == "failed"
    assert not realname.status_of(user).verified


def test_consent_is_required(client, db):
    client.force_login(_user(5))
    refused = _verify(client, consent=None)
    assert refused.status_code == 422 and "同意" in refused.content.decode()
    assert not VerifiedIdentity.objects.exists()


def test_an_ethnic_name_with_a_dot_is_accepted(client, db):
    user = _user(6)
    client.force_login(user)
    assert _verify(client, name="买买提•艾力").status_code == 302  # a bullet typed as the dot
    assert VerifiedIdentity.objects.get(user=user).name_masked == "买*****"


def test_a_verified_account_is_not_checked_again(client, db):
    client.force_login(_user(7))
    assert _verify(client).status_code == 302
    again = _verify(client, name="李娜", id_number="440306198808081230")
    assert again.status_code == 409 and "已完成实名认证" in again.content.decode()
    assert VerifiedIdentity.objects.get().name_masked == "张*"


def test_five_checks_a_day_then_even_the_right_one_waits(client, db):
    user = _user(8)
    client.force_login(user)
    for _ in range(5):
        assert _verify(client, id_number=MISMATCH_ID).status_code == 422
    refused = _verify(client)
    assert refused.status_code == 429 and "每天 5 次" in refused.content.decode()
    assert not realname.status_of(user).verified
    other = _user(9)  # per account: another account still has its own five
    client.force_login(other)
    assert _verify(client).status_code == 302


def test_the_api_verifies_and_answers_masked(api_client, db):
    user = _user(1)
    api = api_client(user)
    assert api.get(API).json() == {
        "verified": False,
        "name_masked": "",
        "id_masked": "",
        "checked_at": None,
    }
    bad = api.post(API, {"name": "张伟", "id_number": "110105194912310021", "consent": True})
    assert bad.status_code == 422 and list(bad.json()["error"]["fields"]) == ["id_number"]
    no_consent = api.post(API, {"name": "张伟", "id_number": ID})
    assert no_consent.status_code == 422 and "consent" in no_consent.json()["error"]["fields"]
    mismatch = api.post(API, {"name": "张伟", "id_number": MISMATCH_ID, "consent": True})
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["code"] == "identity_mismatch"
    done = api.post(API, {"name": "张伟", "id_number": ID, "consent": True})
    assert done.status_code == 200
    body = done.json()
    assert body["verified"] and (body["name_masked"], body["id_masked"]) == (
        "张*",
        "110***********002X",
    )
    again = api.post(API, {"name": "张伟", "id_number": ID, "consent": True})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_verified"
    assert api_client().get(API).status_code == 401


def test_the_api_limits_checks_with_retry_after(api_client, db):
    api = api_client(_user(2))
    for _ in range(5):
        api.post(API, {"name": "张伟", "id_number": MISMATCH_ID, "consent": True})
    refused = api.post(API, {"name": "张伟", "id_number": ID, "consent": True})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 86400


def test_the_api_document_names_the_real_name_schemas(client, db):
    document = client.get("/api/openapi.json").json()
    post = document["paths"]["/api/auth/me/real-name"]["post"]
    assert {"200", "409", "422", "429"} <= set(post["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["RealNameIn"]["properties"]) == {"name", "id_number", "consent"}
    assert "id_masked" in schemas["RealNameOut"]["properties"]


def test_the_export_shows_the_check_masked_and_closing_deletes_it(client, db):
    user = _user(3)
    client.force_login(user)
    assert _verify(client).status_code == 302
    raw = client.get(reverse("web:privacy_export")).content.decode()
    assert ID not in raw
    [kept] = json.loads(raw)["real_name"]
    assert (kept["status"], kept["name"], kept["id_number"]) == (
        "verified",
        "张*",
        "110***********002X",
    )
    assert client.post(reverse("web:privacy_close"), {"confirm": "注销"}).status_code == 302
    assert not VerifiedIdentity.objects.filter(user=user).exists()
