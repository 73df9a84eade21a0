from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One row per (principal, key): the first response is kept and replayed to retries."""

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change that caused it. A pending
    event is due at `next_attempt_at`; each failed attempt pushes that back, and after
    `OMNI_OUTBOX_MAX_ATTEMPTS` it is dead until someone retries it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        DEAD = "dead", _("投递失败")

    event_id = models.CharField(max_length=26, unique=True)
    name = models.CharField(max_length=120, db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待发事件")
        verbose_name_plural = _("待发事件")
        ordering = ["id"]
        # the sweep's claim (pending, due first) and the pending/dead counts
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.name} {self.event_id}"


class HandledEvent(models.Model):
    """Marks (event, handler) done, so a redelivered event never acts twice."""

    event_id = models.CharField(max_length=26)
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已处理事件")
        verbose_name_plural = _("已处理事件")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="handled_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"


class ThrottleCounter(models.Model):
    """One fixed-window counter per (scope, key), e.g. ("otp_ip", "10.0.0.1"): moved only by
    one atomic upsert (core.throttle), so every process sees the same count."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    hits = models.PositiveIntegerField(default=0)
    resets_at = models.FloatField(help_text="Unix time at which the window starts again")

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_one_counter")
        ]
        indexes = [models.Index(fields=["resets_at"], name="throttle_resets_at")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} = {self.hits}"


class SigningKey(models.Model):
    """One key of the ring that signs what outlives a deploy and a host (printed packaging
    codes, share links; core.signing). Tokens carry the key id; every key verifies, the
    newest whose `signs_from` has passed signs. Keys are only added
    (`omniretail rotate-signing-key`): a removed key voids everything it signed."""

    kid = models.CharField(max_length=4, unique=True)
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    signs_from = models.DateTimeField()

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        ordering = ["signs_from", "id"]

    def __str__(self) -> str:
        return self.kid


class ScheduledJob(models.Model):
    """A periodic job (core.scheduler) and the last deadline enqueued for it; advanced by a
    conditional UPDATE, so no deadline is enqueued twice whoever schedules."""

    name = models.CharField(max_length=200, unique=True)
    last_run_for = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One periodic job's run for one deadline, written by the task as it starts: the unique
    pair makes a task delivered twice run once."""

    job = models.CharField(max_length=200)
    deadline = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("定时任务运行记录")
        verbose_name_plural = _("定时任务运行记录")
        ordering = ["-deadline", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "deadline"], name="jobrun_once_per_deadline")
        ]
        indexes = [models.Index(fields=["deadline"], name="jobrun_deadline")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.deadline:%Y-%m-%d %H:%M:%S}"


class SentSms(models.Model):
    """An SMS task's key, claimed before sending and marked sent after: a task delivered
    twice (or retried after the gateway took the message) sends once."""

    key = models.CharField(max_length=100, unique=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")

    def __str__(self) -> str:
        return self.key
