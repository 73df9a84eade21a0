from django.contrib import admin

from omniretail.core.models import HandledEvent, IdempotencyRecord, OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["name", "event_id", "created_at", "delivered_at", "attempts"]
    list_filter = ["name", "delivered_at"]
    search_fields = ["event_id", "name"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]


@admin.register(HandledEvent)
class HandledEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "handler", "handled_at"]
    search_fields = ["event_id", "handler"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "principal", "key", "response_status", "created_at"]
    search_fields = ["key", "principal", "endpoint"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]
