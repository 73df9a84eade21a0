"""Login codes and notices go out as tasks, keyed so a task delivered twice sends once."""

import pytest
from django_tasks_db.models import DBTaskResult

from omniretail.accounts import services
from omniretail.core import sms
from omniretail.core.sms import read_sms_file
from omniretail.notifications.services import notify

PHONE = "13800138000"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queued_twice() -> None:
    """What a redelivery does: the queued task runs, then runs again."""
    for row in DBTaskResult.objects.all():
        result = row.task_result
        for _ in range(2):
            result.task.call(*result.args, **result.kwargs)


@pytest.mark.django_db
def test_a_login_code_is_a_task_that_sends_its_sms_once_when_run_twice(database_queue):
    services.request_login_code(phone=PHONE)
    assert read_sms_file(PHONE) == []  # the request only enqueued it
    assert [r.task_path for r in DBTaskResult.objects.all()] == [
        "omniretail.core.tasks.send_sms_once"
    ]

    run_queued_twice()

    [message] = read_sms_file(PHONE)
    code = message["text"].split("验证码是 ")[1][:6]
    assert services.verify_login_code(phone=PHONE, code=code).phone == PHONE


@pytest.mark.django_db
def test_a_gateway_failure_leaves_the_code_to_the_retry(database_queue, monkeypatch):
    services.request_login_code(phone=PHONE)
    [row] = DBTaskResult.objects.all()
    result = row.task_result
    real = sms.FileSmsBackend.send

    def down(self, message):
        raise ConnectionError("短信网关不可用")

    monkeypatch.setattr(sms.FileSmsBackend, "send", down)
    with pytest.raises(ConnectionError):
        result.task.call(*result.args, **result.kwargs)
    monkeypatch.setattr(sms.FileSmsBackend, "send", real)
    assert result.task.call(*result.args, **result.kwargs) is True
    assert result.task.call(*result.args, **result.kwargs) is False
    assert len(read_sms_file(PHONE)) == 1


@pytest.mark.django_db
def test_a_notice_sms_is_enqueued_after_commit_and_sent_once(
    database_queue, django_capture_on_commit_callbacks, shopper
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=shopper, title="订单已发货", body="您的订单已交给顺丰速运。", sms_to=PHONE)
    assert read_sms_file(PHONE) == []  # the commit only enqueued it
    run_queued_twice()
    assert [m["text"] for m in read_sms_file(PHONE)] == [
        "【全渠道零售】订单已发货：您的订单已交给顺丰速运。"
    ]


@pytest.mark.django_db
def test_with_the_immediate_backend_the_code_arrives_within_the_request():
    services.request_login_code(phone=PHONE)
    assert len(read_sms_file(PHONE)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_claims_its_key_in_one_statement_and_takes_over_only_a_dead_sender_s_claim():
    """The claim is one INSERT ... ON CONFLICT DO UPDATE: a first send claims, sends and
    marks (two statements); a claim made 10 s ago is another sender still at work, one made
    past SMS_CLAIM_SECONDS is a sender that died before sending, so the message goes."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from omniretail.core.models import SentSms
    from omniretail.core.tasks import SMS_CLAIM_SECONDS, send_sms_once

    notice = {"title": "訂單已發貨", "body": "您的订单 已交给 顺丰速运。"}

    def send(key: str) -> bool:
        return send_sms_once.call(key=key, phone=PHONE, template="notice", context=notice)

    with CaptureQueriesContext(connection) as ran:
        assert send("notice:一") is True
    statements = [
        q["sql"]
        for q in ran.captured_queries
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 2, statements
    assert send("notice:一") is False  # sent already

    now = timezone.now()
    SentSms.objects.create(key="notice:二", claimed_at=now - timedelta(seconds=10))
    SentSms.objects.create(
        key="notice:三", claimed_at=now - timedelta(seconds=SMS_CLAIM_SECONDS + 1)
    )
    assert send("notice:二") is False
    assert send("notice:三") is True
    assert len(read_sms_file(PHONE)) == 2
    sent = dict(SentSms.objects.values_list("key", "sent_at"))
    assert sent["notice:一"] and sent["notice:三"] and sent["notice:二"] is None
