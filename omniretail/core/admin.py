from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from omniretail.core import events
from omniretail.core.models import (
    HandledEvent,
    IdempotencyRecord,
    JobRun,
    OutboxEvent,
    ScheduledJob,
    SentSms,
    SigningKey,
    ThrottleCounter,
)

# The database task queue (django_tasks_db) names its model in English; listed here so our
# catalogue carries its Chinese name for the admin.
THIRD_PARTY_NAMES = (gettext_noop("Task Result"), gettext_noop("Task Results"))


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """Dead events (filter 投递失败) are read here and retried once the cause is fixed."""

    list_display = [
        "name",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "name"]
    search_fields = ["event_id", "name"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    ordering = ["-id"]
    actions = ["retry_selected"]

    @admin.action(description=gettext_lazy("重新投递"), permissions=["change"])
    def retry_selected(self, request, queryset):
        n = events.retry(queryset)
        self.message_user(request, _("已重新排队 %(n)s 个事件。") % {"n": n}, messages.SUCCESS)


@admin.register(HandledEvent)
class HandledEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "handler", "handled_at"]
    search_fields = ["event_id", "handler"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "principal", "key", "response_status", "created_at"]
    search_fields = ["key", "principal", "endpoint"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """The ring's key ids and when each signs; never a secret. Keys are added only by
    `omniretail rotate-signing-key` and never removed (that voids what they signed)."""

    list_display = ["kid", "created_at", "signs_from"]
    fields = ("kid", "created_at", "signs_from")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ThrottleCounter)
class ThrottleCounterAdmin(admin.ModelAdmin):
    """Rate-limit windows (core.throttle). Support unlocks a locked-out account or phone by
    deleting its counter; counts are never edited by hand."""

    list_display = ["scope", "key", "hits", "resets_at"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "hits", "resets_at"]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the scheduler and the tasks only: read here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_run_for", "enqueued_at"]
    search_fields = ["name"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """Each periodic job's runs, one per deadline; a failed one keeps its error."""

    list_display = ["job", "deadline", "started_at", "finished_at", "error"]
    list_filter = ["job"]
    search_fields = ["job", "error"]
    date_hierarchy = "deadline"


@admin.register(SentSms)
class SentSmsAdmin(ReadOnlyAdmin):
    list_display = ["key", "claimed_at", "sent_at"]
    search_fields = ["key"]
