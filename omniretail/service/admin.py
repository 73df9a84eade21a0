from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.service.models import (
    AgentPresence,
    CannedReply,
    Complaint,
    Conversation,
    FaqEntry,
    Message,
    ServiceSettings,
    Transfer,
)


@admin.register(FaqEntry)
class FaqEntryAdmin(ScopedReadOnlyAdmin):
    """Edited on the knowledge-base page (or imported as CSV), read here."""

    organization_path = "organization"
    list_display = ["question", "organization", "updated_at"]
    search_fields = ["question", "answer"]


@admin.register(Conversation)
class ConversationAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = [
        "public_id",
        "organization",
        "status",
        "agent",
        "reply_due_at",
        "escalated_at",
        "rating",
        "created_at",
    ]
    list_filter = ["status"]


@admin.register(Message)
class MessageAdmin(ScopedReadOnlyAdmin):
    organization_path = "conversation__organization"
    list_display = ["public_id", "conversation", "sender", "created_at"]


@admin.register(CannedReply)
class CannedReplyAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["title", "organization"]


@admin.register(AgentPresence)
class AgentPresenceAdmin(ScopedReadOnlyAdmin):
    organization_path = "user__memberships__organization"
    list_display = ["user", "status", "last_seen_at", "last_assigned_at"]


@admin.register(Complaint)
class ComplaintAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["public_id", "about", "merchant", "status", "created_at"]
    list_filter = ["status", "about"]
    search_fields = ["text"]


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(ScopedReadOnlyAdmin):
    """Set on the console's 分配与时限 page by the owner or a manager."""

    organization_path = "organization"
    list_display = ["organization", "assignment", "reply_minutes"]


@admin.register(Transfer)
class TransferAdmin(ScopedReadOnlyAdmin):
    """The audit of conversations handed from one agent to another."""

    organization_path = "conversation__organization"
    list_display = ["conversation", "from_agent", "to_agent", "note", "created_at"]
