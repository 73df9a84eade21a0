"""Complaints: a shopper complains about an order, a store or a merchant (with photos);
the merchant answers within its deadline or the platform takes it over; the platform
resolves with a note and, when it decides so, a compensation coupon from the platform's
templates. Each step tells the other side."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import active_merchant, is_platform_operator, require_user
from omniretail.core import uploads
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error
from omniretail.loyalty import coupons
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty.models import Coupon
from omniretail.notifications.services import notify
from omniretail.orders import selectors as orders
from omniretail.service.models import Complaint
from omniretail.service.services import service_organizations, settings_of
from omniretail.stores.selectors import public_store

MAX_TEXT = 2000
A = Complaint.About
S = Complaint.Status


def _text(value, field: str, empty_message) -> str:
    text = (value or "").strip()
    if not text:
        raise field_error(field, empty_message)
    if len(text) > MAX_TEXT:
        raise field_error(field, _("不能超过 %(n)s 个字。") % {"n": MAX_TEXT})
    return text


@transaction.atomic
def file_complaint(*, shopper, about: str, text: str, target: str, photos=()) -> Complaint:
    """`target` names the order, store or merchant (public id) the complaint is about; an
    order must be the shopper's own. `photos` are names core.uploads gave out."""
    require_user(shopper)
    if about not in A.values:
        raise field_error("about", _("请选择投诉对象：订单、门店或商家。"))
    text = _text(text, "text", _("请填写投诉内容。"))
    photos = uploads.stored_photos(photos)
    target = (target or "").strip()
    if not target:
        raise field_error("target", _("请选择投诉的订单、门店或商家。"))
    order = store = None
    if about == A.ORDER:
        try:
            order = orders.order_of_shopper(shopper, target)
        except NotFound:
            raise field_error("target", _("找不到您的这笔订单。")) from None
        merchant, store = order.merchant, order.store
    elif about == A.STORE:
        try:
            store = public_store(target)
        except NotFound:
            raise field_error("target", _("找不到该门店。")) from None
        merchant = store.merchant
    else:
        merchant = active_merchant(target)
        if merchant is None:
            raise field_error("target", _("找不到该商家。"))
    complaint = Complaint.objects.create(
        shopper=shopper,
        about=about,
        order=order,
        store=store,
        merchant=merchant,
        text=text,
        photos=photos,
        answer_due_at=timezone.now() + timedelta(hours=settings_of(merchant).complaint_hours),
    )
    notify(
        organization=merchant,
        title=_("新投诉"),
        body=text[:200],
        link=f"/merchant/complaints/{complaint.public_id}/",
    )
    return complaint


def complaints_of_shopper(shopper) -> QuerySet[Complaint]:
    return Complaint.objects.filter(shopper=shopper).select_related("merchant", "store", "order")


def complaint_of_shopper(shopper, public_id: str) -> Complaint:
    complaint = complaints_of_shopper(shopper).filter(public_id=public_id).first()
    if complaint is None:
        raise NotFound(_("找不到该投诉。"))
    return complaint


def complaints_for_staff(user, *, escalated: bool = False) -> QuerySet[Complaint]:
    """A merchant's service staff see complaints about their merchant; the platform all,
    the escalated ones it has not resolved first. `escalated` keeps only those."""
    qs = Complaint.objects.select_related("merchant", "store", "order", "shopper")
    if escalated:
        qs = qs.filter(escalated_at__isnull=False).exclude(status=S.RESOLVED)
    if is_platform_operator(user):
        waiting = Q(escalated_at__isnull=False) & ~Q(status=S.RESOLVED)
        return qs.alias(waiting=Case(When(waiting, then=Value(0)), default=Value(1))).order_by(
            "waiting", "-id"
        )
    return qs.filter(merchant__in=service_organizations(user))


def complaint_for_staff(user, public_id: str) -> Complaint:
    complaint = complaints_for_staff(user).filter(public_id=public_id).first()
    if complaint is None:
        raise NotFound(_("找不到该投诉。"))
    return complaint


def _tell_shopper(complaint: Complaint, title, body: str) -> None:
    notify(
        user=complaint.shopper,
        title=title,
        body=body[:200],
        link=f"/service/complaints/{complaint.public_id}/",
        sms_to=complaint.shopper.phone or "",
    )


@transaction.atomic
def answer_complaint(*, staff, complaint_id: str, text: str) -> Complaint:
    """The merchant's answer, once; after the platform resolved it nothing changes."""
    require_user(staff)
    complaint = complaint_for_staff(staff, complaint_id)
    if not service_organizations(staff).filter(pk=complaint.merchant_id).exists():
        raise PermissionDenied(_("只有被投诉商家的客服可以答复。"))
    text = _text(text, "answer", _("请填写答复。"))
    answered = Complaint.objects.filter(pk=complaint.pk, status=S.OPEN).update(
        status=S.ANSWERED, answer=text, answered_by=staff, answered_at=timezone.now()
    )
    if not answered:
        raise Conflict(_("该投诉已经答复或处理过了。"), code="already_answered")
    complaint.refresh_from_db()
    _tell_shopper(complaint, _("商家答复了您的投诉"), text)
    return complaint


@transaction.atomic
def resolve_complaint(
    *, operator, complaint_id: str, resolution: str, coupon_template: str = ""
) -> Complaint:
    """The platform's decision, once, with a note; with a platform coupon template the
    shopper gets one coupon as compensation (keyed by the complaint: never two)."""
    require_user(operator)
    if not is_platform_operator(operator):
        raise PermissionDenied(_("只有平台可以处理投诉。"))
    complaint = complaint_for_staff(operator, complaint_id)
    resolution = _text(resolution, "resolution", _("请填写处理结果。"))
    template = loyalty.coupon_template(None, coupon_template) if coupon_template else None
    resolved = (
        Complaint.objects.filter(pk=complaint.pk)
        .exclude(status=S.RESOLVED)
        .update(
            status=S.RESOLVED,
            resolution=resolution,
            resolved_by=operator,
            resolved_at=timezone.now(),
        )
    )
    if not resolved:
        raise Conflict(_("该投诉已经处理过了。"), code="already_resolved")
    if template is not None:
        coupon = coupons.issue_coupon(
            template=template,
            user=complaint.shopper,
            source=Coupon.Source.STAFF,
            idempotency_key=f"complaint:{complaint.public_id}",
            issued_by=operator,
        )
        Complaint.objects.filter(pk=complaint.pk).update(coupon=coupon.public_id)
    complaint.refresh_from_db()
    _tell_shopper(complaint, _("平台处理了您的投诉"), resolution)
    return complaint


def escalate_overdue_complaints(*, now=None, batch: int = 200) -> int:
    """The periodic sweep: each complaint still unanswered past the merchant's deadline
    goes to the platform once (a conditional UPDATE, so a sweep run twice, or two at once,
    escalates it once); the platform's operators are told."""
    now = now or timezone.now()
    platform = Organization.objects.filter(kind=Organization.Kind.PLATFORM, is_active=True).first()
    due = list(
        Complaint.objects.filter(status=S.OPEN, escalated_at__isnull=True, answer_due_at__lte=now)
        .order_by("answer_due_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    escalated = 0
    for pk in due:
        with transaction.atomic():
            if not Complaint.objects.filter(pk=pk, status=S.OPEN, escalated_at__isnull=True).update(
                escalated_at=now, updated_at=now
            ):
                continue
            escalated += 1
            if platform is None:
                continue
            complaint = Complaint.objects.select_related("merchant").get(pk=pk)
            notify(
                organization=platform,
                title=_("投诉超时未答复，已升级至平台"),
                body=f"{complaint.merchant.name}：{complaint.text[:150]}",
                link=f"/merchant/complaints/{complaint.public_id}/",
            )
    return escalated
