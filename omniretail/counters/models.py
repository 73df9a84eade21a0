"""Smart sales counters (智能售货柜): the device, its bays (each a SKU held at the counter's
inventory location), its credential, the telemetry journal keyed by the device's sequence
number, signed commands, self-service vends, scan leads, repair tickets and staff tasks.
Stock itself never lives here: a bay's quantity is the inventory level of its SKU at the
counter's location."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel


class Counter(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        ONLINE = "online", _("在线")
        OFFLINE = "offline", _("离线")
        FAULT = "fault", _("故障")
        MAINTENANCE = "maintenance", _("维护中")

    code = models.CharField(_("柜号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    site_name = models.CharField(_("场地"), max_length=120)
    address = models.CharField(_("地址"), max_length=255)
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("服务门店"),
        on_delete=models.PROTECT,
        related_name="counters",
    )
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="counters"
    )
    location = models.OneToOneField(
        "inventory.StockLocation", on_delete=models.PROTECT, related_name="counter"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.OFFLINE, db_index=True
    )
    last_seq = models.BigIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    door_open_since = models.DateTimeField(null=True, blank=True)

    class FlagCause(models.TextChoices):
        DOOR_NOT_CLOSED = "door_not_closed", _("柜门未按时关闭")
        TAMPER = "tamper", _("摄像头/防拆告警")

    flagged_at = models.DateTimeField(_("异常标记"), null=True, blank=True)
    flag_reason = models.CharField(max_length=200, blank=True)
    # what raised the flag: a late door-close report resolves a door flag, never a tamper one
    flag_cause = models.CharField(max_length=16, choices=FlagCause.choices, blank=True)
    content = models.JSONField(
        _("展示内容"),
        default=dict,
        blank=True,
        help_text=_("headline、videos（视频链接）、media（图片）、spins（360 度图组）"),
    )

    class Meta:
        verbose_name = _("智能售货柜")
        verbose_name_plural = _("智能售货柜")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="counter_geo_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def heard_within(self, now=None) -> bool:
        """Heard from within OMNI_COUNTER_OFFLINE_S: the sweep that marks silent counters
        offline runs every 30 s, so a stored `online` alone does not prove it."""
        now = now or timezone.now()
        limit = timedelta(seconds=settings.OMNI_COUNTER_OFFLINE_S)
        return self.last_seen_at is not None and self.last_seen_at > now - limit

    @property
    def live_status(self) -> str:
        """The status to show and sell by: `online` turns `offline` once the counter is silent."""
        if self.status == self.Status.ONLINE and not self.heard_within():
            return self.Status.OFFLINE
        return self.status


class Bay(models.Model):
    """A door-locked compartment showing one SKU; its stock is the counter location's level
    of that SKU, so one SKU sits in at most one bay of a counter."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="bays")
    number = models.CharField(_("格口"), max_length=8)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    par_level = models.PositiveIntegerField(_("标准库存"), default=2)
    capacity = models.PositiveIntegerField(_("容量"), default=4)
    # a vehicle the serving store lends for test rides: the kiosk shows a 预约试驾 QR for it
    test_ride = models.BooleanField(_("可预约试驾"), default=False)

    class Meta:
        verbose_name = _("格口")
        verbose_name_plural = _("格口")
        ordering = ["counter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["counter", "number"], name="bay_number_per_counter"),
            models.UniqueConstraint(fields=["counter", "sku"], name="bay_sku_per_counter"),
            models.CheckConstraint(
                condition=Q(par_level__lte=models.F("capacity")), name="bay_par_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id}/{self.number}"


class Credential(PublicIdModel):
    """Issued once: the secret is shown to the installer and only its hash is kept. The
    command-signing key is derived from the server secret and the key id, never stored.
    A newer credential gives the older ones `expires_at` (the end of the rotation overlap):
    from then on they are refused as revoked, and the worker writes `revoked_at`."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="credentials")
    key_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("设备凭证")
        verbose_name_plural = _("设备凭证")

    def __str__(self) -> str:
        return f"{self.key_id} ({'revoked' if self.revoked_at else 'active'})"

    def ended_at(self, now=None):
        """When it stopped working (revoked, or its rotation overlap over), else None."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.revoked_at
        if self.expires_at is not None and self.expires_at <= now:
            return self.expires_at
        return None


class FlagClearance(models.Model):
    """Staff cleared a counter's flag: what it said, who cleared it, when and why."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="clearances")
    flagged_at = models.DateTimeField()
    flag_reason = models.CharField(max_length=200, blank=True)
    reason = models.CharField(_("处理说明"), max_length=200)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("告警处理记录")
        verbose_name_plural = _("告警处理记录")

    def __str__(self) -> str:
        return f"{self.counter_id} cleared {self.cleared_at:%Y-%m-%d %H:%M}"


class DeviceEvent(models.Model):
    """The device's telemetry journal; (counter, seq) is unique, so a retry is recognised."""

    class Kind(models.TextChoices):
        HEARTBEAT = "heartbeat", _("心跳")
        DOOR_OPENED = "door_opened", _("开门")
        DOOR_CLOSED = "door_closed", _("关门")
        FAULT = "fault", _("故障")
        TAMPER = "tamper", _("摄像头/防拆告警")
        FAULT_CLEARED = "fault_cleared", _("故障恢复")
        SCAN = "scan", _("有人扫码")
        PRESENCE = "presence", _("有人驻足")
        VEHICLE_LEFT = "vehicle_left", _("送修车辆已放下")

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    # when the device says it happened (Unix seconds, its own clock), as it sent it
    at = models.BigIntegerField(_("设备时间"), null=True, blank=True)
    fingerprint = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        constraints = [
            models.UniqueConstraint(fields=["counter", "seq"], name="one_event_per_device_seq")
        ]

    def __str__(self) -> str:
        return f"{self.counter_id}#{self.seq} {self.kind}"


class Command(PublicIdModel):
    """A server -> device instruction. The envelope and its HMAC are fixed when it is made;
    it is delivered by long-poll until it expires, and the device acknowledges it."""

    class Kind(models.TextChoices):
        UNLOCK = "unlock", _("开锁")
        RELEASE = "release", _("放行维修车辆")
        SHOW_CONTENT = "show_content", _("展示内容")
        REBOOT = "reboot", _("重启")

    class Status(models.TextChoices):
        PENDING = "pending", _("待下发")
        DELIVERED = "delivered", _("已下发")
        ACKED = "acked", _("已执行")
        REJECTED = "rejected", _("设备拒绝")
        EXPIRED = "expired", _("已过期")

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="commands")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    envelope = models.JSONField()
    signature = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("设备指令")
        verbose_name_plural = _("设备指令")
        indexes = [models.Index(fields=["counter", "status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.counter_id} ({self.status})"


class Vend(PublicIdModel, TimeStampedModel):
    """One self-service purchase at a bay: paid order -> signed unlock -> door closed ->
    completed for what was taken, refunded for what was not."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待支付")
        AWAITING_CODE = "awaiting_code", _("待输入验证码")
        UNLOCKING = "unlocking", _("开锁中")
        OPEN = "open", _("柜门已开")
        COMPLETED = "completed", _("已完成")
        REFUNDED = "refunded", _("已退款")
        CANCELLED = "cancelled", _("已取消")

    class Authorise(models.TextChoices):
        PAYMENT = "payment", _("支付后自动开锁")
        CODE = "code", _("短信验证码开锁")

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="vends")
    bay = models.ForeignKey(Bay, on_delete=models.PROTECT, related_name="vends")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="vend")
    # None when paid at the counter's own reader or QR: the payer is known to the provider
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    authorise = models.CharField(max_length=8, choices=Authorise.choices)
    status = models.CharField(
        max_length=18, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True
    )
    command = models.ForeignKey(
        Command, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    close_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    taken = models.PositiveIntegerField(null=True, blank=True)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    flagged = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("售货柜交易")
        verbose_name_plural = _("售货柜交易")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="vend_qty")]

    def __str__(self) -> str:
        return f"vend {self.public_id} ({self.status})"


ACTIVE_VEND = (Vend.Status.AWAITING_CODE, Vend.Status.UNLOCKING, Vend.Status.OPEN)


class ScanLead(PublicIdModel):
    """A QR scan at a counter: who (attached once they log in), when, what they looked at."""

    class Status(models.TextChoices):
        NEW = "new", _("待跟进")
        CONTACTED = "contacted", _("已联系")
        CONVERTED = "converted", _("已成交")

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="leads")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    note = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scanned_at = models.DateTimeField(auto_now_add=True, db_index=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    # the retailer passed it on to the product's producer, who may then follow it up
    passed_on_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("扫码线索")
        verbose_name_plural = _("扫码线索")

    def __str__(self) -> str:
        return f"scan {self.counter_id} {self.status}"


class RepairTicket(PublicIdModel, TimeStampedModel):
    class Step(models.TextChoices):
        RECEIVED = "received", _("已接收")
        DROPPED_OFF = "dropped_off", _("车辆已放在售货柜")
        PICKUP_DISPATCHED = "pickup_dispatched", _("已派人取车")
        REPAIRING = "repairing", _("维修中")
        RETURNED = "returned", _("已修好待取")
        COLLECTED = "collected", _("已取车")

    class FaultKind(models.TextChoices):
        BRAKES = "brakes", _("刹车")
        BATTERY = "battery", _("电池/续航")
        MOTOR = "motor", _("电机")
        CHARGING = "charging", _("充电")
        TYRE = "tyre", _("轮胎")
        ELECTRICS = "electrics", _("灯光/仪表/电气")
        OTHER = "other", _("其他")

    class ReturnTo(models.TextChoices):
        COUNTER = "counter", _("售货柜")
        STORE = "store", _("门店")

    ORDER = [
        Step.RECEIVED,
        Step.DROPPED_OFF,
        Step.PICKUP_DISPATCHED,
        Step.REPAIRING,
        Step.RETURNED,
        Step.COLLECTED,
    ]

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="repairs")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    vehicle_serial = models.CharField(_("车架号"), max_length=40)
    plate = models.CharField(_("车牌"), max_length=20, blank=True)
    fault = models.TextField(_("故障描述"))
    # the model and kind of fault, for the producer's insight (per model and region)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fault_kind = models.CharField(
        _("故障类型"), max_length=10, choices=FaultKind.choices, default=FaultKind.OTHER
    )
    photos = models.JSONField(default=list, blank=True)
    drop_off_at = models.DateTimeField(_("预约送修时间"))
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.RECEIVED)
    # the shopper scanned the counter on arrival; the counter's staff then confirm the drop-off
    checked_in_at = models.DateTimeField(null=True, blank=True)
    return_to = models.CharField(max_length=8, choices=ReturnTo.choices, blank=True)
    pickup_code = models.CharField(max_length=6, blank=True)  # told by SMS once repaired
    # the latest `release` command the pickup code on the counter's screen signed
    release = models.ForeignKey(
        "Command", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("维修单")
        verbose_name_plural = _("维修单")

    def __str__(self) -> str:
        return f"repair {self.public_id} ({self.step})"

    @property
    def next_step(self) -> str | None:
        """The only step the ticket may move to; None once returned."""
        index = self.ORDER.index(self.step)
        return self.ORDER[index + 1] if index + 1 < len(self.ORDER) else None


class RepairStep(models.Model):
    ticket = models.ForeignKey(RepairTicket, on_delete=models.CASCADE, related_name="timeline")
    step = models.CharField(max_length=20, choices=RepairTicket.Step.choices)
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("维修进度")
        verbose_name_plural = _("维修进度")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "step"], name="one_repair_step_each")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.step}"


class StaffTask(PublicIdModel, TimeStampedModel):
    """Work for the serving store. `open_key` is unique while the task is open, so a sweep
    or a repeated report never opens the same task twice."""

    class Kind(models.TextChoices):
        RESTOCK = "restock", _("补货")
        DOOR_NOT_CLOSED = "door_not_closed", _("柜门未关")
        STOCK_EXCEPTION = "stock_exception", _("库存差异")
        FAULT = "fault", _("设备故障")
        REPAIR = "repair", _("维修工单")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DONE = "done", _("已完成")

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="tasks")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    open_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    details = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("售货柜任务")
        verbose_name_plural = _("售货柜任务")

    def __str__(self) -> str:
        return f"{self.kind} {self.counter_id} ({self.status})"


class AdCampaign(PublicIdModel, TimeStampedModel):
    """An advert the kiosk's idle loop shows between `starts_at` and `ends_at`: on the
    counters named, else on the merchant's counters whose serving store is in one of the
    regions (city or district), else on all the merchant's counters. Screens report what
    they showed, counted in `impressions`."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="ad_campaigns"
    )
    name = models.CharField(_("名称"), max_length=80)
    creative = models.CharField(_("广告图"), max_length=120)  # a stored name (core.uploads)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    seconds = models.PositiveSmallIntegerField(_("每次展示秒数"), default=8)
    counters = models.ManyToManyField(Counter, blank=True, related_name="ad_campaigns")
    regions = models.JSONField(_("投放地区"), default=list, blank=True)
    impressions = models.PositiveBigIntegerField(_("展示次数"), default=0)

    class Meta:
        verbose_name = _("广告活动")
        verbose_name_plural = _("广告活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="ad_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Snapshot(PublicIdModel):
    """A camera still the counter sent for one of its events (a scan, a door opened for a
    vend, a repair vehicle left): one per event, so a retried upload stores nothing twice.
    The image is stored outside the public media names (core.uploads serves it to nobody)
    and shown only to the counter's merchant and the platform; a sweep deletes it after
    OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="snapshots")
    event = models.OneToOneField(DeviceEvent, on_delete=models.CASCADE, related_name="snapshot")
    vend = models.ForeignKey(
        Vend, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )
    ticket = models.ForeignKey(
        RepairTicket, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )
    image = models.CharField(max_length=120)  # a stored name under snapshots.FOLDER
    taken_at = models.DateTimeField(_("拍摄时间"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("摄像头快照")
        verbose_name_plural = _("摄像头快照")
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"snapshot {self.counter_id}#{self.event_id}"


class TestRide(PublicIdModel, TimeStampedModel):
    """A test ride (试驾) of a counter's vehicle, booked from the kiosk's QR at the counter's
    serving store: booked -> confirmed by the store -> done or no-show (or cancelled). One
    open booking per member and product."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DONE = "done", _("已试驾")
        NO_SHOW = "no_show", _("未到店")
        CANCELLED = "cancelled", _("已取消")

    __test__ = False  # a model, not a pytest class, though its name starts with "Test"

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="test_rides")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("试驾时间"))
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )

    class Meta:
        verbose_name = _("试驾预约")
        verbose_name_plural = _("试驾预约")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "product"],
                condition=Q(status__in=["booked", "confirmed"]),
                name="one_open_test_ride_per_member_product",
            )
        ]

    def __str__(self) -> str:
        return f"test ride {self.public_id} ({self.status})"
