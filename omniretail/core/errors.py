"""Domain errors: a service refuses with one of these; the API turns it into a 4xx JSON body
`{"error": {"code", "message", "fields"}}` and the pages show the message. Never a 500.
A refusal a machine must act on adds `details` (`{"error": {..., "details": {"last_seq": 41}}}`),
typed values that never depend on the language; the key is absent when there are none."""

from typing import NoReturn

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("请求无效。")

    def __init__(
        self,
        message=None,
        *,
        code: str | None = None,
        fields: dict | None = None,
        details: dict | None = None,
    ):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = {
            k: [str(m) for m in (v if isinstance(v, list | tuple) else [v])]
            for k, v in (fields or {}).items()
        }
        self.details = dict(details or {})
        self.after_rollback: list = []
        super().__init__(str(self.message))

    def run_after_rollback(self) -> None:
        """Write what must outlive the refusal (audit rows), once the transaction is gone."""
        callbacks, self.after_rollback = self.after_rollback, []
        for callback in callbacks:
            callback()

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": str(self.message), "fields": self.fields}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    default_message = _("输入有误，请检查标出的字段。")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("找不到该对象。")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("请先登录。")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("您无权执行此操作。")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("请求与当前状态冲突。")


class RateLimited(DomainError):
    """Too many attempts; `retry_after` (seconds) becomes the API's Retry-After header."""

    status = 429
    code = "rate_limited"
    default_message = _("操作过于频繁，请稍后再试。")

    def __init__(self, message=None, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    default_message = _("请以 application/json 格式发送请求。")


def field_error(field: str, message) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def require_quantity(value, *, field: str = "quantity", maximum: int) -> int:
    """A count of goods: a real integer (not a bool, string or float) from 1 to `maximum`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(field, _("数量必须是整数。"))
    if not 1 <= value <= maximum:
        raise field_error(field, _("数量必须在 1 到 %(max)s 之间。") % {"max": maximum})
    return value


def typed_whole(raw, *, field: str, low: int, high: int, message) -> int:
    """A whole number typed into a form field ("30", " 5 ") from `low` to `high`;
    anything else is a 422 on the field with `message`."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise field_error(field, message) from None
    if not low <= value <= high:
        raise field_error(field, message)
    return value


def refuse(error: DomainError, *, record=None) -> NoReturn:
    """Raise `error`, keeping an audit row that must outlive the refusal. `record` must be
    idempotent: it runs now, and again at the edge (the API's error handler) after a
    rollback may have taken the first write away."""
    if record is not None:
        record()
        error.after_rollback.append(record)
    raise error
