"""Request ids in every log line: the request's id (its own X-Request-ID when sane, else a
new one) is held in a context variable for the request and for the tasks it enqueues, and
the log formatters print it, as text or as one JSON object per line (OMNI_LOG_FORMAT)."""

import functools
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str] = ContextVar("omniretail_request_id", default="")
# What a proxy or client may hand us: a token, never free text that could forge a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

logger = logging.getLogger("omniretail.tasks")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The incoming X-Request-ID when it is a sane token (a proxy's id ties its log lines to
    ours), else a new id."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on the record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        return True


class TextFormatter(logging.Formatter):
    """The plain format, with `[request_id=…]` after the message when there is one."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        rid = getattr(record, "request_id", "")
        return f"{line} [request_id={rid}]" if rid else line


# Attributes every LogRecord has: the rest were given through `extra=` and are printed.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    exception (the formatted traceback), and any `extra=` field whose value is plain."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str | int | float | bool | None):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def carries_request_id(func):
    """For a task function (under `@task()`): it runs under the request id it was enqueued
    with (`enqueue` passes it), or a new one, and logs its start and end under that id."""

    @functools.wraps(func)
    def run(*args, request_id: str = "", **kwargs):
        token = REQUEST_ID.set(request_id_from(request_id))
        started = time.monotonic()
        name = f"{func.__module__}.{func.__qualname__}"
        logger.info("task %s started", name)
        try:
            result = func(*args, **kwargs)
        except Exception:
            logger.exception("task %s failed", name)
            raise
        else:
            logger.info("task %s done in %.3f s", name, time.monotonic() - started)
            return result
        finally:
            REQUEST_ID.reset(token)

    run.carries_request_id = True  # type: ignore[attr-defined]  # mypy has no function attributes
    return run


def enqueue(task, *args, **kwargs):
    """`task.enqueue(...)`, passing the current request id along to a task marked
    `carries_request_id`, so the task's log lines carry it."""
    if getattr(getattr(task, "func", None), "carries_request_id", False):
        kwargs["request_id"] = REQUEST_ID.get()
    return task.enqueue(*args, **kwargs)
