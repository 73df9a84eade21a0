from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.community.models import (
    BannedWord,
    Group,
    Member,
    Message,
    ModerationAction,
    Report,
)


@admin.register(Group)
class GroupAdmin(ScopedReadOnlyAdmin):
    """Groups are run on their pages (/community/); read here."""

    organization_path = "organization"
    list_display = ["name", "scope", "organization", "join_rule", "member_count", "member_limit"]
    list_filter = ["scope", "join_rule"]
    search_fields = ["name", "community_name"]
    exclude = ["invite_token"]  # the link admits anyone holding it


@admin.register(Member)
class MemberAdmin(ScopedReadOnlyAdmin):
    organization_path = "group__organization"
    list_display = ["group", "user", "role", "status", "muted_until"]
    list_filter = ["role", "status"]


@admin.register(Message)
class MessageAdmin(ScopedReadOnlyAdmin):
    organization_path = "group__organization"
    list_display = ["group", "author", "kind", "created_at", "removed_at"]
    list_filter = ["kind"]
    search_fields = ["text"]


@admin.register(Report)
class ReportAdmin(ScopedReadOnlyAdmin):
    organization_path = "message__group__organization"
    list_display = ["message", "reporter", "reason", "status", "created_at"]
    list_filter = ["status"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ScopedReadOnlyAdmin):
    """The audit: never edited."""

    organization_path = "group__organization"
    list_display = ["created_at", "action", "group", "actor", "target", "detail"]
    list_filter = ["action"]


@admin.register(BannedWord)
class BannedWordAdmin(ReadOnlyAdmin):
    """Edited by platform operators on /ops/community/words/ (audited there)."""

    list_display = ["word", "created_by", "created_at"]
    search_fields = ["word"]
