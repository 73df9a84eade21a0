"""实名认证 by Tencent Cloud FaceID (analytics.realname_tencent): the adapter signs as Tencent
documents (its published TC3-HMAC-SHA256 example), and over real HTTP against the local
sandbox (omniretail.sandbox_tencentcloud) "0" verifies, "-1" is a mismatch, "-5" (no record)
a 422 on the number, and an error, a wrong SecretKey, a stale clock or no answer at all a 503
that keeps nothing and gives the attempt back; the /me/real-name/ page works on it."""

import logging
import socket
import threading
import time
from types import SimpleNamespace

import pytest

from omniretail.accounts.models import User
from omniretail.analytics import realname, realname_tencent
from omniretail.analytics.models import VerifiedIdentity
from omniretail.analytics.realname_tencent import TencentCloudRealNameProvider
from omniretail.core.errors import ValidationFailed

ID = "11010519491231002X"
MISMATCH_ID = "110105194912319999"  # the sandbox's sequence code 999: Result "-1"
NO_RECORD_ID = "110105194912319980"  # 998: Result "-5", 证件库中无此身份证记录
ERROR_ID = "110105194912319972"  # 997: an InternalError
PAGE = "/me/real-name/"
PROVIDER = "omniretail.analytics.realname_tencent.TencentCloudRealNameProvider"


def test_the_signature_is_tencents_published_example():
    """cloud.tencent.com 签名方法 v3: DescribeInstances at 1551113065 (2019-02-25 UTC)."""
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    assert realname_tencent.authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        host="cvm.tencentcloudapi.com",
        service="cvm",
        timestamp=1551113065,
        payload=payload,
    ) == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


@pytest.fixture
def faceid(live_server, settings):
    """The adapter pointed at the sandbox served over HTTP, with the sandbox's key pair."""
    settings.OMNI_TENCENTCLOUD_FACEID_ENDPOINT = f"{live_server.url}/sandbox-tencentcloud/"
    settings.OMNI_TENCENTCLOUD_SECRET_ID = settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_ID
    settings.OMNI_TENCENTCLOUD_SECRET_KEY = settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY
    return TencentCloudRealNameProvider()


def test_the_register_answers_match_and_mismatch(faceid):
    assert faceid.matches(name="张伟", id_number=ID) is True
    assert faceid.matches(name="张伟", id_number=MISMATCH_ID) is False


def test_no_record_is_a_refusal_on_the_number_that_costs_its_attempt(faceid):
    with pytest.raises(ValidationFailed) as refused:
        faceid.matches(name="张伟", id_number=NO_RECORD_ID)
    assert "无记录" in refused.value.fields["id_number"][0]
    assert not isinstance(refused.value, realname.Malformed)


@pytest.mark.parametrize(
    ("change", "logged"),
    [
        ({}, "InternalError"),
        ({"OMNI_TENCENTCLOUD_SECRET_KEY": "not-the-secret-key"}, "AuthFailure.SignatureFailure"),
        ({"OMNI_TENCENTCLOUD_SECRET_ID": "AKIDnobodyEXAMPLE"}, "AuthFailure.SecretIdNotFound"),
    ],
)
def test_an_error_answer_is_unavailable(faceid, settings, caplog, change, logged):
    for name, value in change.items():
        setattr(settings, name, value)
    with caplog.at_level(logging.WARNING), pytest.raises(realname.Unavailable) as refused:
        faceid.matches(name="张伟", id_number=ERROR_ID if not change else ID)
    assert refused.value.status == 503 and "暂不可用" in str(refused.value.message)
    assert logged in caplog.text


def test_a_clock_six_minutes_late_is_an_expired_signature(faceid, monkeypatch, caplog):
    late = SimpleNamespace(time=lambda: time.time() - 360)  # the sandbox keeps the right time
    monkeypatch.setattr(realname_tencent, "time", late)
    with caplog.at_level(logging.WARNING), pytest.raises(realname.Unavailable):
        faceid.matches(name="张伟", id_number=ID)
    assert "AuthFailure.SignatureExpire" in caplog.text


def test_a_closed_port_is_unavailable(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    settings.OMNI_TENCENTCLOUD_FACEID_ENDPOINT = f"http://127.0.0.1:{port}/"
    with pytest.raises(realname.Unavailable):
        TencentCloudRealNameProvider().matches(name="张伟", id_number=ID)


def test_a_server_that_never_answers_times_out(settings, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    monkeypatch.setattr(realname_tencent, "TIMEOUT_S", 0.5)
    settings.OMNI_TENCENTCLOUD_FACEID_ENDPOINT = f"http://127.0.0.1:{server.getsockname()[1]}/"
    try:
        with pytest.raises(realname.Unavailable):
            TencentCloudRealNameProvider().matches(name="张伟", id_number=ID)
    finally:
        for conn, _ in accepted:
            conn.close()
        server.close()


def test_the_page_verifies_with_tencent_and_an_outage_costs_nothing(client, db, faceid, settings):
    settings.OMNI_REAL_NAME_PROVIDER = PROVIDER
    settings.OMNI_REAL_NAME_RATE = "2/86400"
    user = User.objects.create(username="shopper1", phone="13600000101")
    client.force_login(user)

    for _ in range(3):  # more outages than attempts: none is spent, nothing is kept
        down = client.post(PAGE, {"name": "张伟", "id_number": ERROR_ID, "consent": "1"})
        assert down.status_code == 503 and "实名认证服务暂不可用" in down.content.decode()
    assert not VerifiedIdentity.objects.filter(user=user).exists()

    unknown = client.post(PAGE, {"name": "张伟", "id_number": NO_RECORD_ID, "consent": "1"})
    assert unknown.status_code == 422 and "证件库中无记录" in unknown.content.decode()
    assert NO_RECORD_ID not in unknown.content.decode()
    assert not VerifiedIdentity.objects.filter(user=user).exists()

    done = client.post(PAGE, {"name": "张伟", "id_number": ID, "consent": "1"}, follow=True)
    html = done.content.decode()
    assert done.status_code == 200 and "实名认证成功" in html and "张* 110***********002X" in html
    assert VerifiedIdentity.objects.get(user=user).provider == "tencentcloud"


def test_a_mismatch_from_tencent_is_kept_as_failed(client, db, faceid, settings):
    settings.OMNI_REAL_NAME_PROVIDER = PROVIDER
    user = User.objects.create(username="shopper2", phone="13600000102")
    client.force_login(user)
    refused = client.post(PAGE, {"name": "张伟", "id_number": MISMATCH_ID, "consent": "1"})
    assert refused.status_code == 422 and "姓名与身份证号不一致" in refused.content.decode()
    assert VerifiedIdentity.objects.get(user=user).status == VerifiedIdentity.Status.FAILED
