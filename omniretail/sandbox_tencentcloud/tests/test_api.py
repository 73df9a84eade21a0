"""The FaceID sandbox answers as faceid.tencentcloudapi.com does: HTTP 200 with a
`Response` holding a Result, or an Error whose Code says what was wrong with the signed
request (a wrong SecretKey, an unknown SecretId, a timestamp over 5 minutes off, a body
changed after signing, another action)."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest

URL = "/sandbox-tencentcloud/"
CONTENT_TYPE = "application/json; charset=utf-8"


def _sign(key: str, secret_id: str, timestamp: int, body: bytes, host="testserver") -> str:
    """Tencent's 签名方法 v3 written out step by step (not the platform's adapter)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = (
        f"POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(body).hexdigest()
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/faceid/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    k = ("TC3" + key).encode()
    for part in (date, "faceid", "tc3_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/faceid/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def _call(client, settings, *, id_card="11010519491231002X", name="张伟", **change):
    body = json.dumps({"IdCard": id_card, "Name": name}, ensure_ascii=False).encode()
    timestamp = change.get("timestamp", int(time.time()))
    authorization = _sign(
        change.get("key", settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY),
        change.get("secret_id", settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_ID),
        timestamp,
        change.get("signed_body", body),
    )
    response = client.post(
        URL,
        body,
        content_type=CONTENT_TYPE,
        headers={
            "Authorization": authorization,
            "Host": "testserver",  # sent by every HTTP/1.1 client; the test client sends none
            "X-TC-Action": change.get("action", "IdCardVerification"),
            "X-TC-Version": "2018-03-01",
            "X-TC-Region": "ap-guangzhou",
            "X-TC-Timestamp": str(timestamp),
        },
    )
    assert response.status_code == 200
    answer = response.json()["Response"]
    assert answer["RequestId"]
    return answer


@pytest.mark.parametrize(
    ("id_card", "name", "result"),
    [
        ("11010519491231002X", "张伟", "0"),
        ("110105194912319999", "张伟", "-1"),
        ("110105194912319980", "张伟", "-5"),
        ("110105194912310021", "张伟", "-2"),  # a wrong check character
        ("11010519491231002X", "Zhang Wei", "-3"),
    ],
)
def test_the_documented_results(client, db, settings, id_card, name, result):
    answer = _call(client, settings, id_card=id_card, name=name)
    assert answer["Result"] == result and answer["Description"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "not-the-secret-key"}, "AuthFailure.SignatureFailure"),
        (
            {"signed_body": b'{"IdCard": "110105194912319999", "Name": "x"}'},
            "AuthFailure.SignatureFailure",
        ),
        ({"secret_id": "AKIDnobodyEXAMPLE"}, "AuthFailure.SecretIdNotFound"),
        ({"timestamp": int(time.time()) - 301}, "AuthFailure.SignatureExpire"),
        ({"action": "DescribeInstances"}, "InvalidAction"),
        ({"id_card": "110105194912319972"}, "InternalError"),
    ],
)
def test_refusals_are_tencents_error_codes(client, db, settings, change, code):
    answer = _call(client, settings, **change)
    assert answer["Error"]["Code"] == code and "Result" not in answer


def test_switched_off_it_is_not_there(client, db, settings):
    settings.OMNI_SANDBOX_TENCENTCLOUD = False
    assert client.post(URL, b"{}", content_type=CONTENT_TYPE).status_code == 404
