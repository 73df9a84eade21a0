"""Reads for the kiosk, the buy page, the API and the ops pages, scoped to the actor."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.core.errors import NotFound
from omniretail.core.money import money
from omniretail.counters.models import (
    Bay,
    Counter,
    DeviceEvent,
    RepairTicket,
    ScanLead,
    StaffTask,
    Vend,
)
from omniretail.inventory.models import StockLevel
from omniretail.orders.models import Order


def public_counter(code: str) -> Counter:
    counter = Counter.objects.select_related("store", "merchant").filter(code=code).first()
    if counter is None:
        raise NotFound(_("找不到售货柜 %(code)s。") % {"code": code}, code="unknown_counter")
    return counter


def counters_for_actor(user):
    require_user(user)
    qs = Counter.objects.select_related("store", "merchant")
    if is_platform_operator(user):
        return qs
    return qs.filter(merchant__in=organizations_of(user))


def counter_for_actor(user, code: str) -> Counter:
    counter = counters_for_actor(user).filter(code=code).first()
    if counter is None:
        raise NotFound(_("找不到售货柜 %(code)s。") % {"code": code}, code="unknown_counter")
    return counter


@dataclass(frozen=True)
class Shelf:
    bay: Bay
    on_hand: int
    available: int

    @property
    def product(self):
        return self.bay.sku.product


def shelf(counter: Counter) -> list[Shelf]:
    """Each bay with its product and what can be bought now (on hand minus reserved)."""
    bays = list(
        counter.bays.select_related("sku", "sku__product").prefetch_related("sku__product__images")
    )
    levels = {
        level.sku_id: level
        for level in StockLevel.objects.filter(
            location_id=counter.location_id, sku_id__in=[b.sku_id for b in bays]
        )
    }
    out = []
    for bay in bays:
        level = levels.get(bay.sku_id)
        out.append(
            Shelf(
                bay=bay,
                on_hand=level.on_hand if level else 0,
                available=level.available if level else 0,
            )
        )
    return out


def vend_for_shopper(user, public_id: str) -> Vend:
    vend = (
        Vend.objects.select_related("counter", "bay__sku__product", "order")
        .filter(public_id=public_id, shopper_id=getattr(user, "pk", None))
        .first()
    )
    if vend is None:
        raise NotFound()
    return vend


def tasks_for_actor(user, *, counter: Counter | None = None, open_only: bool = True):
    qs = StaffTask.objects.filter(counter__in=counters_for_actor(user)).select_related("counter")
    if counter is not None:
        qs = qs.filter(counter=counter)
    if open_only:
        qs = qs.filter(status=StaffTask.Status.OPEN)
    return qs.order_by("-created_at")


def task_for_actor(user, public_id: str) -> StaffTask:
    task = tasks_for_actor(user, open_only=False).filter(public_id=public_id).first()
    if task is None:
        raise NotFound()
    return task


def repairs_for_shopper(user):
    return RepairTicket.objects.filter(shopper_id=getattr(user, "pk", None)).select_related(
        "counter"
    )


def repair_for_actor(user, public_id: str) -> RepairTicket:
    """The shopper who booked it, or the serving merchant's staff."""
    ticket = (
        RepairTicket.objects.select_related("counter", "store", "shopper")
        .prefetch_related("timeline")
        .filter(public_id=public_id)
        .first()
    )
    if ticket is None or (
        ticket.shopper_id != getattr(user, "pk", None)
        and not counters_for_actor(user).filter(pk=ticket.counter_id).exists()
    ):
        raise NotFound()
    return ticket


def repairs_for_actor(user):
    return RepairTicket.objects.filter(counter__in=counters_for_actor(user)).select_related(
        "counter", "shopper"
    )


def faults(user, limit: int = 50):
    return (
        DeviceEvent.objects.filter(
            counter__in=counters_for_actor(user),
            kind__in=[DeviceEvent.Kind.FAULT, DeviceEvent.Kind.TAMPER],
        )
        .select_related("counter")
        .order_by("-received_at")[:limit]
    )


@dataclass(frozen=True)
class CounterStats:
    counter: Counter
    scans: int
    vends: int
    paid: int
    completed: int
    converted: int
    sales: Decimal
    open_tasks: int


def stats(user) -> list[CounterStats]:
    """Per counter: the scan -> purchase funnel and the sales kept (paid minus refunded),
    in a constant number of queries."""
    counters = list(counters_for_actor(user).order_by("code"))
    ids = [c.pk for c in counters]
    scans = dict(
        ScanLead.objects.filter(counter_id__in=ids)
        .values_list("counter_id")
        .annotate(n=Count("id"))
    )
    converted = dict(
        ScanLead.objects.filter(counter_id__in=ids, status=ScanLead.Status.CONVERTED)
        .values_list("counter_id")
        .annotate(n=Count("id"))
    )
    vends = {
        row["counter_id"]: row
        for row in Vend.objects.filter(counter_id__in=ids)
        .values("counter_id")
        .annotate(
            n=Count("id"),
            paid=Count(
                "id", filter=~Q(status__in=[Vend.Status.AWAITING_PAYMENT, Vend.Status.CANCELLED])
            ),
            completed=Count("id", filter=Q(status=Vend.Status.COMPLETED)),
        )
    }
    sales = {
        row["location_id"]: (row["total"] or 0) - (row["refunded"] or 0)
        for row in Order.objects.filter(location__counter__in=ids, status=Order.Status.COMPLETED)
        .values("location_id")
        .annotate(total=Sum("total"), refunded=Sum("amount_refunded"))
    }
    tasks = dict(
        StaffTask.objects.filter(counter_id__in=ids, status=StaffTask.Status.OPEN)
        .values_list("counter_id")
        .annotate(n=Count("id"))
    )
    return [
        CounterStats(
            counter=c,
            scans=scans.get(c.pk, 0),
            vends=vends.get(c.pk, {}).get("n", 0),
            paid=vends.get(c.pk, {}).get("paid", 0),
            completed=vends.get(c.pk, {}).get("completed", 0),
            converted=converted.get(c.pk, 0),
            sales=money(sales.get(c.location_id, 0)),  # SQLite sums to 39.9000000000000
            open_tasks=tasks.get(c.pk, 0),
        )
        for c in counters
    ]
