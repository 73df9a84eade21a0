from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import Organization
from omniretail.catalog.models import Product
from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.orders.models import Order
from omniretail.stores.models import Store


class FaqEntry(PublicIdModel, TimeStampedModel):
    """One answer of a knowledge base: the platform's or a merchant's. The assistant matches
    a shopper's words against the question and its similar phrasings."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("回答"), max_length=2000)
    phrasings = models.JSONField(_("相似问法"), default=list, blank=True)
    links = models.JSONField(_("相关链接"), default=list, blank=True)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "question"], name="service_faq_question_unique"
            )
        ]

    def __str__(self) -> str:
        return self.question


class Conversation(PublicIdModel, TimeStampedModel):
    """A shopper's chat with one organisation's service: the bot first, then (after a
    hand-off) a queue, one agent, a close and the shopper's rating. At most one open
    conversation per shopper and organisation, so a double tap never opens two."""

    class Status(models.TextChoices):
        BOT = "bot", _("智能助手")
        WAITING = "waiting", _("排队中")
        OFFLINE = "offline", _("留言")
        ACTIVE = "active", _("人工接待中")
        CLOSED = "closed", _("已结束")

    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("顾客"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("服务方"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="bot")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客服"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_off_at = models.DateTimeField(_("转人工时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("接入时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=200, blank=True)
    # The response deadline (SLA): set at the hand-off, met by the first agent answer;
    # missed, the periodic sweep escalates the conversation to the platform once.
    reply_due_at = models.DateTimeField(_("应答截止"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("首次回复时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级至平台时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客服会话")
        verbose_name_plural = _("客服会话")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shopper", "organization"],
                condition=~Q(status="closed"),
                name="service_one_open_conversation",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="service_rating_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="service_queue"),
            models.Index(
                fields=["reply_due_at"],
                condition=Q(first_reply_at__isnull=True, escalated_at__isnull=True),
                name="service_reply_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.shopper_id} {self.status}"


class Message(PublicIdModel):
    """One line of a conversation (text, or a product card). Notes are the agents' own and
    never shown to the shopper."""

    class Sender(models.TextChoices):
        SHOPPER = "shopper", _("顾客")
        BOT = "bot", _("智能助手")
        AGENT = "agent", _("客服")
        NOTE = "note", _("内部备注")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(_("发送方"), max_length=8, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"), max_length=2000)
    faq = models.ForeignKey(
        FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A product card: the shopper came from this product's page (问客服), so both sides
    # see what the question is about.
    product = models.ForeignKey(
        Product,
        verbose_name=_("咨询商品"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会话消息")
        verbose_name_plural = _("会话消息")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:20]}"


class CannedReply(PublicIdModel):
    """A reply an organisation's agents send with one choice instead of typing it again."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=40)
    text = models.TextField(_("内容"), max_length=2000)

    class Meta:
        verbose_name = _("快捷回复")
        verbose_name_plural = _("快捷回复")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class AgentPresence(models.Model):
    """When an agent's console last asked for the queue, and whether they take new
    conversations: an agent set online and seen within a minute is online, so a hand-off
    with nobody online becomes an offline message (留言). `last_assigned_at` makes the
    round robin: among the least loaded, the one assigned longest ago is next."""

    class Status(models.TextChoices):
        ONLINE = "online", _("在线")
        AWAY = "away", _("离开")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_seen_at = models.DateTimeField()
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.ONLINE
    )
    last_assigned_at = models.DateTimeField(_("上次分配时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客服在线状态")
        verbose_name_plural = _("客服在线状态")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.last_seen_at}"


class ServiceSettings(models.Model):
    """An organisation's service rules: how new hand-offs are assigned and how many minutes
    its agents have for the first reply before the platform is told."""

    class Assignment(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("自动轮流分配")
        CLAIM = "claim", _("客服自行接入")

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    assignment = models.CharField(
        _("分配方式"), max_length=12, choices=Assignment.choices, default=Assignment.ROUND_ROBIN
    )
    reply_minutes = models.PositiveSmallIntegerField(_("首次回复时限（分钟）"), default=10)
    # Hours the merchant has to answer a complaint before the platform takes it over.
    complaint_hours = models.PositiveSmallIntegerField(_("投诉答复时限（小时）"), default=48)

    class Meta:
        verbose_name = _("客服设置")
        verbose_name_plural = _("客服设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(reply_minutes__gte=1, reply_minutes__lte=1440),
                name="service_reply_minutes_1_1440",
            ),
            models.CheckConstraint(
                condition=Q(complaint_hours__gte=1, complaint_hours__lte=720),
                name="service_complaint_hours_1_720",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.assignment} {self.reply_minutes} min"


class Transfer(PublicIdModel):
    """One hand-over of a conversation from one agent to another, with the note the first
    left: the audit of who held it when."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="transfers"
    )
    from_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("转接说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会话转接")
        verbose_name_plural = _("会话转接")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.from_agent_id} -> {self.to_agent_id}"


class Complaint(PublicIdModel, TimeStampedModel):
    """A shopper's complaint about an order, a store or a merchant. The merchant answers;
    the platform resolves it with a note (and, if it says so, a compensation coupon)."""

    class About(models.TextChoices):
        ORDER = "order", _("订单")
        STORE = "store", _("门店")
        MERCHANT = "merchant", _("商家")

    class Status(models.TextChoices):
        OPEN = "open", _("待商家答复")
        ANSWERED = "answered", _("商家已答复")
        RESOLVED = "resolved", _("平台已处理")

    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("顾客"), on_delete=models.PROTECT, related_name="+"
    )
    about = models.CharField(_("投诉对象"), max_length=10, choices=About.choices)
    order = models.ForeignKey(
        Order,
        verbose_name=_("订单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("门店"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    merchant = models.ForeignKey(
        Organization, verbose_name=_("商家"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("投诉内容"), max_length=2000)
    photos = models.JSONField(_("照片"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    answer = models.TextField(_("商家答复"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    coupon = models.CharField(_("补偿优惠券"), max_length=26, blank=True)
    # The merchant's answer deadline (stamped at filing); past it, unanswered, the sweep
    # escalates the complaint to the platform once.
    answer_due_at = models.DateTimeField(_("答复截止"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级至平台时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["answer_due_at"],
                condition=Q(status="open", escalated_at__isnull=True),
                name="service_complaint_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.text[:20]}"

    @property
    def overdue(self) -> bool:
        """Still unanswered past the merchant's deadline (the desk marks it 已超时)."""
        return (
            self.status == self.Status.OPEN
            and self.answer_due_at is not None
            and self.answer_due_at <= timezone.now()
        )
