"""实名认证 by Tencent Cloud FaceID's 身份信息认证 (`IdCardVerification`, API 3.0, version
2018-03-01): one POST of `{"IdCard", "Name"}` signed TC3-HMAC-SHA256 with the account's
SecretId/SecretKey. The code here is exactly what talks to faceid.tencentcloudapi.com; tests
and the demo point it at the protocol-faithful sandbox (omniretail.sandbox_tencentcloud).
docs/privacy.md says which answer the shopper sees for which result."""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from omniretail.analytics.realname import Malformed, Unavailable
from omniretail.core.errors import field_error

logger = logging.getLogger(__name__)

REAL_ENDPOINT = "https://faceid.tencentcloudapi.com/"
SANDBOX_PATH = "/sandbox-tencentcloud/"
SERVICE, ACTION, VERSION = "faceid", "IdCardVerification", "2018-03-01"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
TIMEOUT_S = 5  # connecting, and each read: a shopper waits on the page meanwhile
MATCH, MISMATCH = "0", "-1"
BAD_NUMBER, BAD_NAME, NO_RECORD = "-2", "-3", "-5"


def signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """TC3-HMAC-SHA256's last step: the key derived from "TC3" + SecretKey over the UTC
    date, the service and "tc3_request", then HMAC-SHA256 of the string to sign, in hex."""

    def mac(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, service: str, timestamp: int, payload: bytes
) -> str:
    """The Authorization header of a JSON POST to "/" (Tencent Cloud's 签名方法 v3): the
    canonical request over content-type and host, the string to sign, the signature."""
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={signature(secret_key, date, service, to_sign)}"
    )


def endpoint() -> str:
    if settings.OMNI_TENCENTCLOUD_FACEID_ENDPOINT:
        return settings.OMNI_TENCENTCLOUD_FACEID_ENDPOINT
    if settings.OMNI_TENCENTCLOUD_SANDBOXED:
        return settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + SANDBOX_PATH
    return REAL_ENDPOINT


class TencentCloudRealNameProvider:
    """`OMNI_REAL_NAME_PROVIDER=omniretail.analytics.realname_tencent.TencentCloudRealNameProvider`.
    Result "0" matches and "-1" does not (both charged, both an attempt); "-2"/"-3" (the
    number or the name malformed) are a 422 on the field that costs no attempt; "-5" (no
    such number in the register) a 422 on the number that does; anything else (the
    register down, Tencent's daily limit, an error, no answer) is `Unavailable`."""

    name = "tencentcloud"

    def matches(self, *, name: str, id_number: str) -> bool:
        answer = self.call({"IdCard": id_number, "Name": name})
        result = answer.get("Result")
        if result in (MATCH, MISMATCH):
            return result == MATCH
        if result == BAD_NUMBER:
            message = _("身份证号无效，请核对后重新输入。")
            raise Malformed(message, fields={"id_number": message})
        if result == BAD_NAME:
            message = _("姓名格式不正确，请按证件上的姓名填写。")
            raise Malformed(message, fields={"name": message})
        if result == NO_RECORD:
            raise field_error("id_number", _("身份证号在公安部证件库中无记录，请核对后重新输入。"))
        logger.warning(
            "tencentcloud IdCardVerification result %r (%s), request %s",
            result,
            answer.get("Description", ""),
            answer.get("RequestId", ""),
        )
        raise Unavailable()

    def call(self, payload: dict) -> dict:
        """One signed IdCardVerification; its `Response` object once it holds no `Error`.
        Unavailable when Tencent cannot be asked or answers an error (a wrong key, an
        expired signature, throttling, an internal error): nothing is known then."""
        url = endpoint()
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = int(time.time())
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": authorization(
                    secret_id=settings.OMNI_TENCENTCLOUD_SECRET_ID,
                    secret_key=settings.OMNI_TENCENTCLOUD_SECRET_KEY,
                    host=urlsplit(url).netloc,
                    service=SERVICE,
                    timestamp=timestamp,
                    payload=body,
                ),
                "Content-Type": CONTENT_TYPE,
                "X-TC-Action": ACTION,
                "X-TC-Version": VERSION,
                "X-TC-Region": settings.OMNI_TENCENTCLOUD_REGION,
                "X-TC-Timestamp": str(timestamp),
                "User-Agent": "omniretail-faceid/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                answer = json.loads(response.read())["Response"]
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("tencentcloud IdCardVerification not answered: %s", exc)
            raise Unavailable() from exc
        if not isinstance(answer, dict) or "Error" in answer:
            error = answer.get("Error", {}) if isinstance(answer, dict) else {}
            logger.warning(
                "tencentcloud IdCardVerification refused: %s %s, request %s",
                error.get("Code", ""),
                error.get("Message", ""),
                answer.get("RequestId", "") if isinstance(answer, dict) else "",
            )
            raise Unavailable()
        return answer
