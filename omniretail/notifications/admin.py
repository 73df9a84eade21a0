from django.contrib import admin

from omniretail.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "organization", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "body", "user__phone", "organization__name"]
    readonly_fields = ["public_id", "created_at"]
