"""Scan leads: every QR scan at a counter is a lead for the manufacturer's customer service.
Who scanned is attached at once when logged in, or at login (the session remembers the
scans); a paid order of the product converts the lead, attributed to its counter."""

import functools
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog.models import Sku
from omniretail.core import reads
from omniretail.core.errors import NotFound, field_error
from omniretail.counters.models import Counter, ScanLead
from omniretail.notifications.services import notify
from omniretail.orders.models import Order, OrderLine

SESSION_KEY = "counter_leads"
CONVERSION_WINDOW = timedelta(days=30)
REPEAT_WINDOW = timedelta(minutes=10)


def record_scan(*, counter: Counter, product=None, user=None, session=None) -> ScanLead:
    """One lead per scan; a page reload within minutes by the same visitor counts once."""
    user = user if getattr(user, "is_authenticated", False) else None
    session_key = (getattr(session, "session_key", None) or "") if session is not None else ""
    recent = ScanLead.objects.filter(
        counter=counter, product=product, scanned_at__gte=timezone.now() - REPEAT_WINDOW
    )
    if user is not None:
        recent = recent.filter(user=user)
    elif session_key:
        recent = recent.filter(session_key=session_key)
    else:
        recent = recent.none()
    lead = recent.first() or ScanLead.objects.create(
        counter=counter, product=product, user=user, session_key=session_key
    )
    if session is not None and user is None:
        ids = list(session.get(SESSION_KEY, []))
        if lead.public_id not in ids:
            session[SESSION_KEY] = [*ids, lead.public_id][-50:]
    return lead


def attach_to_user(*, session, user) -> int:
    """At login, the scans made as a guest in this browser become the member's."""
    ids = session.get(SESSION_KEY) or []
    if not ids:
        return 0
    session.pop(SESSION_KEY, None)
    return ScanLead.objects.filter(public_id__in=ids, user__isnull=True).update(user=user)


def convert_for_order(*, order_id: str) -> int:
    """A paid order converts the shopper's open leads for the products it contains (one
    UPDATE: no transaction of its own). The order's shopper and the UPDATE in plain SQL:
    every paid order asks, and most shoppers scanned nothing."""
    found = reads.fetch(
        f"SELECT t0.id, t0.shopper_id FROM {reads.table(Order)} t0 WHERE t0.public_id = %s",
        [order_id],
    )
    if not found or found[0][1] is None:
        return 0
    order_pk, shopper_pk = found[0]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _convert_sql(),
            [
                ScanLead.Status.CONVERTED,
                order_pk,
                connection.ops.adapt_datetimefield_value(now),
                shopper_pk,
                order_pk,
                ScanLead.Status.NEW,
                ScanLead.Status.CONTACTED,
                connection.ops.adapt_datetimefield_value(now - CONVERSION_WINDOW),
            ],
        )
        return cursor.rowcount


@functools.cache
def _convert_sql() -> str:
    return (
        f"UPDATE {reads.table(ScanLead)} SET status = %s, order_id = %s, converted_at = %s"
        f" WHERE user_id = %s AND product_id IN (SELECT s.product_id FROM"
        f" {reads.table(OrderLine)} l JOIN {reads.table(Sku)} s ON s.id = l.sku_id"
        f" WHERE l.order_id = %s) AND status IN (%s, %s) AND scanned_at >= %s"
    )


def leads_for_actor(user):
    """Customer service sees the leads of its merchant's counters; a producer's staff those
    of its own products the retailer passed on; the platform sees all."""
    qs = ScanLead.objects.select_related("counter", "product", "user", "order").order_by(
        "-scanned_at"
    )
    if is_platform_operator(user):
        return qs
    orgs = list(organizations_of(user))
    return qs.filter(counter__merchant__in=orgs) | qs.filter(
        product__owner__in=orgs, passed_on_at__isnull=False
    )


@transaction.atomic
def pass_on(*, actor, lead_id: str) -> ScanLead:
    """The retailer hands a lead of a product to its producer, who is told and follows it up
    (once: a second pass changes nothing)."""
    lead = (
        ScanLead.objects.select_related("counter", "product")
        .filter(public_id=lead_id, counter__merchant__in=list(organizations_of(actor)))
        .first()
    )
    if lead is None and is_platform_operator(actor):
        lead = (
            ScanLead.objects.select_related("counter", "product").filter(public_id=lead_id).first()
        )
    if lead is None:
        raise NotFound()
    if lead.product is None or lead.product.owner_id is None:
        raise field_error("lead", _("该线索没有关联商品，无法转给厂家。"))
    if ScanLead.objects.filter(pk=lead.pk, passed_on_at__isnull=True).update(
        passed_on_at=timezone.now()
    ):
        notify(
            organization=lead.product.owner,
            title=_("零售商转来线索"),
            body=_("%(product)s：售货柜 %(code)s 的扫码线索待跟进。")
            % {"product": lead.product.name, "code": lead.counter.code},
            link="/producer/counter-insight/",
        )
    lead.refresh_from_db()
    return lead


@transaction.atomic
def follow_up(*, actor, lead_id: str, status: str, note: str = "") -> ScanLead:
    lead = leads_for_actor(actor).filter(public_id=lead_id).first()
    if lead is None:
        raise NotFound()
    if status not in (ScanLead.Status.NEW, ScanLead.Status.CONTACTED):
        raise field_error("status", _("成交由订单自动记录，这里只能标记待跟进或已联系。"))
    if lead.status == ScanLead.Status.CONVERTED:
        raise field_error("status", _("该线索已成交。"))
    ScanLead.objects.filter(pk=lead.pk).update(status=status, note=(note or "")[:200])
    lead.refresh_from_db()
    return lead
