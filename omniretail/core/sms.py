"""SMS: message templates, `send_sms` and its backends. Real gateways (Aliyun, Tencent Cloud)
plug in behind the same `send` call; the console and file backends are what a trial and the
tests use. It sits in the kernel because accounts sends login codes and notifications sends
notices, and notifications is above accounts."""

import json
import logging
import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    template: str


class SmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Prints the message, so a developer trying the demo sees their login code."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[SMS to {message.phone}] {message.text}\n")
        sys.stdout.flush()


class FileSmsBackend(SmsBackend):
    """Appends one JSON line per message; tests and the demo read the codes back from it."""

    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        path = settings.OMNI_SMS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "phone": message.phone,
                "text": message.text,
                "template": message.template,
                "sent_at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        with self._lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def sms_backend() -> SmsBackend:
    return import_string(settings.OMNI_SMS_BACKEND)()


TEMPLATES = {
    "login_code": lambda ctx: (
        _("【全渠道零售】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。") % ctx
    ),
    "exchange_code": lambda ctx: (
        _(
            "【全渠道零售】您正在进行积分兑换，验证码是 %(code)s，%(minutes)s 分钟内有效。"
            "如非本人操作，请忽略本短信。"
        )
        % ctx
    ),
    "notice": lambda ctx: _("【全渠道零售】%(title)s：%(body)s") % ctx,
}


def send_sms(*, phone: str, template: str, context: dict) -> SmsMessage:
    message = SmsMessage(phone=phone, text=TEMPLATES[template](context), template=template)
    sms_backend().send(message)
    return message


def read_sms_file(phone: str | None = None) -> list[dict]:
    """Messages the file backend has written, oldest first (for tests and the demo)."""
    path = settings.OMNI_SMS_FILE
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if phone is None or r["phone"] == phone]
