from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import Organization
from omniretail.core.ids import PublicIdModel, TimeStampedModel, new_public_id
from omniretail.stores.models import Store


class Group(PublicIdModel, TimeStampedModel):
    """A chat group. It belongs to an organisation (the platform or a merchant), optionally
    to one of the merchant's stores or to a neighbourhood; `member_count` moves only by one
    conditional UPDATE, and the check constraint keeps it within `member_limit`."""

    class Scope(models.TextChoices):
        PLATFORM = "platform", _("平台")
        MERCHANT = "merchant", _("商家")
        STORE = "store", _("门店")
        COMMUNITY = "community", _("社区")

    class JoinRule(models.TextChoices):
        OPEN = "open", _("自由加入")
        APPROVAL = "approval", _("需审核")
        INVITE = "invite", _("仅限邀请")

    name = models.CharField(_("群名称"), max_length=40)
    description = models.CharField(_("群介绍"), max_length=200, blank=True)
    scope = models.CharField(_("归属"), max_length=10, choices=Scope.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("门店"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community_name = models.CharField(_("社区名称"), max_length=60, blank=True)
    join_rule = models.CharField(
        _("加入方式"), max_length=10, choices=JoinRule.choices, default=JoinRule.OPEN
    )
    member_limit = models.PositiveIntegerField(_("人数上限"), default=500)
    member_count = models.PositiveIntegerField(_("成员数"), default=0)
    announcement = models.CharField(_("群公告"), max_length=500, blank=True)
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    invite_token = models.CharField(max_length=26, unique=True, default=new_public_id)
    last_message_id = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("社群")
        verbose_name_plural = _("社群")
        ordering = ["-last_message_id", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member_count__lte=F("member_limit")),
                name="community_group_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(member_limit__gte=2, member_limit__lte=2000),
                name="community_group_limit_2_2000",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person's place in a group: a role, a status (pending until approved, banned after a
    ban), a mute until a time, and how far they have read."""

    class Role(models.TextChoices):
        OWNER = "owner", _("群主")
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("已加入")
        PENDING = "pending", _("待审核")
        BANNED = "banned", _("已封禁")
        LEFT = "left", _("已退出")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)
    muted_until = models.DateTimeField(_("禁言至"), null=True, blank=True)
    last_read_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="community_one_member_row"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(role="owner"), name="community_one_owner"
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="community_member_user")]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.user_id} {self.role} {self.status}"


class Message(PublicIdModel):
    """One chat line. Written before anyone is told of it; a removed one keeps its row (the
    audit names it) but is shown as removed. Clients know it by its public id; the integer
    key only orders history and read marks inside the database."""

    class Kind(models.TextChoices):
        TEXT = "text", _("文字")
        IMAGE = "image", _("图片")
        PRODUCT = "product", _("商品卡片")
        GROUPBUY = "groupbuy", _("拼团卡片")
        COUPON = "coupon", _("优惠券卡片")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(_("内容"), max_length=2000, blank=True)
    image = models.CharField(_("图片"), max_length=100, blank=True)  # core.uploads name
    card = models.JSONField(_("卡片"), default=dict, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions = models.JSONField(_("提及"), default=list, blank=True)  # users' public ids
    pinned_at = models.DateTimeField(_("置顶时间"), null=True, blank=True)
    removed_at = models.DateTimeField(_("撤除时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["group", "id"], name="community_history")]

    def __str__(self) -> str:
        return f"{self.group_id}#{self.id} {self.kind}"


class Report(models.Model):
    """A member's report of a message, for the group's admins (and the platform)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        HANDLED = "handled", _("已处理")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("举报理由"), max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="community_report_once")
        ]

    def __str__(self) -> str:
        return f"#{self.message_id}: {self.reason[:20]}"


class BannedWord(PublicIdModel):
    """The platform's list of prohibited words: a message containing one is refused. The API
    names a word by its public id."""

    word = models.CharField(_("违禁词"), max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("违禁词")
        verbose_name_plural = _("违禁词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ModerationAction(models.Model):
    """The audit: every moderation act and every refused prohibited message, one row each,
    never edited."""

    class Action(models.TextChoices):
        REPORT = "report", _("举报")
        MUTE = "mute", _("禁言")
        UNMUTE = "unmute", _("解除禁言")
        REMOVE = "remove", _("撤除消息")
        BAN = "ban", _("封禁")
        UNBAN = "unban", _("解除封禁")
        APPROVE = "approve", _("通过入群")
        REJECT = "reject", _("拒绝入群")
        ROLE = "role", _("设置角色")
        BLOCKED = "blocked", _("拦截违禁内容")
        WORD_ADD = "word_add", _("添加违禁词")
        WORD_REMOVE = "word_remove", _("删除违禁词")
        REMOVE_POST = "remove_post", _("删除帖子")
        REMOVE_COMMENT = "remove_comment", _("删除评论")
        REPORT_POST = "report_post", _("举报帖子")

    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("社群审计")
        verbose_name_plural = _("社群审计")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%Y-%m-%d %H:%M}"


class Board(models.Model):
    """An information channel (seed 000 [0037]: 社交圈, 创投, 金融, 单身, 科技, 法律, and any the
    platform adds), with its rules and its moderators (platform operators moderate all)."""

    slug = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=20)
    rules = models.TextField(_("版规"), max_length=2000, blank=True)
    moderators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("频道")
        verbose_name_plural = _("频道")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Post(PublicIdModel):
    """A post on a board: text, up to six photos (core.uploads names), #话题# topics."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("内容"), max_length=2000)
    photos = models.JSONField(_("图片"), default=list, blank=True)
    # "#话题1##话题2#": one string, so a topic is found by one LIKE on SQLite and PostgreSQL
    topics = models.CharField(_("话题"), max_length=120, blank=True, db_index=True)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("帖子")
        verbose_name_plural = _("帖子")
        ordering = ["-id"]
        indexes = [models.Index(fields=["board", "-id"], name="community_board_posts")]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("评论"), max_length=500)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:20]


class Like(models.Model):
    """One like per person and post (the unique pair); the post's count moves with F()."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("点赞")
        verbose_name_plural = _("点赞")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="community_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.post_id}"


class PostReport(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("举报理由"), max_length=200)
    status = models.CharField(max_length=8, choices=Report.Status.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("帖子举报")
        verbose_name_plural = _("帖子举报")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="community_post_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.reason[:20]}"
