from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.community.models import (
    BannedWord,
    Board,
    Comment,
    Group,
    Like,
    Member,
    Message,
    ModerationAction,
    Post,
    PostReport,
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


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    """The platform adds boards and names their moderators here."""

    list_display = ["name", "slug", "position", "is_active"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["moderators"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["title", "board", "author", "like_count", "comment_count", "removed_at"]
    list_filter = ["board"]
    search_fields = ["title", "text", "topics"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["post", "author", "created_at", "removed_at"]
    search_fields = ["text"]


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["post", "user", "created_at"]


@admin.register(PostReport)
class PostReportAdmin(ReadOnlyAdmin):
    list_display = ["post", "reporter", "reason", "status", "created_at"]
    list_filter = ["status"]
