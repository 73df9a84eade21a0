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
