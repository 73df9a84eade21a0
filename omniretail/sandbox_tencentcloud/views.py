"""faceid.tencentcloudapi.com as API 3.0 answers (docs/privacy.md, "Tencent Cloud FaceID"):
HTTP 200 and `{"Response": {..., "RequestId"}}`, or `{"Response": {"Error": {"Code",
"Message"}, "RequestId"}}`. The signature is checked from the request as received (the
headers it names, the body's bytes), independently of the platform's adapter, and the
timestamp may be at most 5 minutes from now.

IdCardVerification answers Result "0" (一致) for every well-formed number with any name,
except by the number's sequence code (digits 15–17): 999 answers "-1" (不一致, e.g.
110105194912319999), 998 answers "-5" (证件库中无此身份证记录, 110105194912319980) and 997
an InternalError (110105194912319972)."""

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

SKEW_S = 300
AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)"
    r"/tc3_request, SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:·[\u3400-\u4dbf\u4e00-\u9fff]+)*$")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESULTS = {
    "0": "姓名和身份证号一致",
    "-1": "姓名和身份证号不一致",
    "-2": "非法身份证号（长度、校验位等不正确）",
    "-3": "非法姓名（长度、格式等不正确）",
    "-5": "证件库中无此身份证记录",
}


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


@csrf_exempt
@require_POST
def api(request):
    if not settings.OMNI_SANDBOX_TENCENTCLOUD:
        raise Http404
    try:
        _authenticate(request)
        answer = _id_card_verification(request)
    except Refused as exc:
        answer = {"Error": {"Code": exc.code, "Message": exc.message}}
    return JsonResponse(
        {"Response": answer | {"RequestId": str(uuid.uuid4())}},
        json_dumps_params={"ensure_ascii": False},
    )


def _authenticate(request) -> None:
    found = AUTHORIZATION.match(request.headers.get("Authorization", ""))
    if found is None:
        raise Refused("AuthFailure.SignatureFailure", "The Authorization header is malformed.")
    timestamp = request.headers.get("X-TC-Timestamp", "")
    if not timestamp.isdigit():
        raise Refused("MissingParameter", "The request is missing a valid X-TC-Timestamp.")
    if abs(time.time() - int(timestamp)) > SKEW_S:
        raise Refused(
            "AuthFailure.SignatureExpire",
            "签名过期。Timestamp 和服务器时间相差不得超过五分钟，"
            "请检查本地时间是否和标准时间同步。",
        )
    if found["id"] != settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_ID:
        raise Refused("AuthFailure.SecretIdNotFound", "密钥不存在。")
    signed = found["headers"].split(";")
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    if (
        found["service"] != "faceid"
        or found["date"] != date
        or not {"content-type", "host"} <= set(signed)
        or signed != sorted(signed)
    ):
        raise Refused("AuthFailure.SignatureFailure", "签名错误。")
    headers = "".join(f"{name}:{_header(request, name).strip().lower()}\n" for name in signed)
    canonical = "\n".join(
        ["POST", "/", "", headers, ";".join(signed), hashlib.sha256(request.body).hexdigest()]
    )
    scope = f"{date}/faceid/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n" + (
        hashlib.sha256(canonical.encode()).hexdigest()
    )
    key = ("TC3" + settings.OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY).encode()
    for part in (date, "faceid", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, found["signature"]):
        raise Refused(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. "
            "Please check your signature is correct.",
        )


def _header(request, name: str) -> str:
    if name == "content-type":
        return request.META.get("CONTENT_TYPE", "")
    return request.headers.get(name, "")


def _id_card_verification(request) -> dict:
    if request.headers.get("X-TC-Action") != "IdCardVerification":
        raise Refused("InvalidAction", "接口不存在。")
    if request.headers.get("X-TC-Version") != "2018-03-01":
        raise Refused("NoSuchVersion", "接口版本不存在。")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise Refused("InvalidParameter", "参数错误。") from None
    if not isinstance(data, dict):
        raise Refused("InvalidParameter", "参数错误。")
    number, name = data.get("IdCard"), data.get("Name")
    if not (isinstance(number, str) and isinstance(name, str)):
        raise Refused("MissingParameter", "缺少参数 IdCard 或 Name。")
    if not _well_formed(number):
        result = "-2"
    elif not (2 <= len(name) <= 20 and NAME.match(name)):
        result = "-3"
    elif number[14:17] == "997":
        raise Refused("InternalError", "内部错误。")
    else:
        result = {"999": "-1", "998": "-5"}.get(number[14:17], "0")
    return {"Result": result, "Description": RESULTS[result]}


def _well_formed(number: str) -> bool:
    """GB 11643: 17 digits and the check character over them."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number, WEIGHTS, strict=False))
    return "10X98765432"[total % 11] == number[17]
