"""Retailer procurement: a purchase order from the region's offer, confirmed and shipped by
the region or the producer (in as many shipments as it takes), received into the store's
stock location with any shortfall recorded. Quantities move by conditional UPDATEs whose
WHERE clause is the rule (never ship more than ordered, never receive more than shipped), and
each shipment is received once: the status move claims it."""

import secrets

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_role
from omniretail.core.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
    field_error,
    require_quantity,
)
from omniretail.core.money import ZERO, money
from omniretail.inventory import services as inventory
from omniretail.notifications.services import notify
from omniretail.supply import settlement
from omniretail.supply.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    RegionalOffer,
    Shipment,
    ShipmentLine,
)

PO = PurchaseOrder.Status
MAX_QUANTITY = 100_000
MAX_LINES = 50


def _number() -> str:
    return f"PO{timezone.localtime():%y%m%d}{secrets.randbelow(10**8):08d}"


def require_supplier(actor: User, order: PurchaseOrder) -> None:
    """The region of the order, or a producer whose goods are all of the order's lines."""
    if is_platform_operator(actor):
        return
    mine = set(organizations_of(actor).values_list("pk", flat=True))
    if order.region_id in mine:
        return
    producers = set(order.lines.values_list("producer_id", flat=True))
    if producers and producers <= mine:
        return
    raise PermissionDenied(_("只有运营中心或该单的生产商可以处理此采购单。"))


@transaction.atomic
def place_order(*, actor: User, store, lines: list[tuple[RegionalOffer, int]], note: str = ""):
    """A retailer's purchase order from its region's active offer, at the region's prices;
    each line at least the producer's minimum order quantity."""
    retailer = store.merchant
    if not is_platform_operator(actor):
        require_role(actor, retailer)
    if retailer.region_id is None:
        raise field_error("store", _("该门店所属商家未加入任何运营中心。"))
    if not lines:
        raise field_error("lines", _("请至少选择一件商品。"))
    if len(lines) > MAX_LINES:
        raise field_error("lines", _("一次最多采购 %(n)s 种商品。") % {"n": MAX_LINES})
    merged: dict[int, list] = {}
    for i, (selection, quantity) in enumerate(lines):
        require_quantity(quantity, field=f"lines.{i}.quantity", maximum=MAX_QUANTITY)
        if selection.region_id != retailer.region_id or not selection.is_active:
            raise field_error(f"lines.{i}.offer", _("该商品不在本区域的供货清单中。"))
        merged.setdefault(selection.pk, [selection, 0])[1] += quantity
    rows = []
    for i, (selection, quantity) in enumerate(merged.values()):
        offer = selection.offer
        if quantity < offer.min_order_quantity:
            raise field_error(
                f"lines.{i}.quantity",
                _("%(name)s 起订量为 %(moq)s。")
                % {"name": offer.product.name, "moq": offer.min_order_quantity},
            )
        require_quantity(quantity, field=f"lines.{i}.quantity", maximum=MAX_QUANTITY)
        rows.append((selection, quantity))
    total = money(sum((s.wholesale_price * q for s, q in rows), ZERO))
    order = PurchaseOrder.objects.create(
        number=_number(),
        retailer=retailer,
        region_id=retailer.region_id,
        store=store,
        total=total,
        note=(note or "")[:200],
        created_by=actor,
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=order,
            regional_offer=selection,
            sku_id=selection.offer.sku_id,
            producer_id=selection.offer.producer_id,
            unit_price=selection.wholesale_price,
            quantity=quantity,
            line_total=money(selection.wholesale_price * quantity),
        )
        for selection, quantity in rows
    )
    notify(
        organization=order.region,
        title=_("新采购单 %(n)s") % {"n": order.number},
        body=_("%(r)s 采购 ¥%(t)s，待确认。") % {"r": retailer.name, "t": total},
        link=reverse("web:supply_po", args=[order.public_id]),
    )
    return order


def _move(order: PurchaseOrder, frm: list[str], to: str, **fields) -> None:
    moved = PurchaseOrder.objects.filter(pk=order.pk, status__in=frm).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if not moved:
        order.refresh_from_db(fields=["status"])
        raise Conflict(
            _("采购单当前状态为“%(s)s”，不能执行该操作。") % {"s": order.get_status_display()},
            code="illegal_transition",
        )
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)


@transaction.atomic
def confirm_order(*, actor: User, order: PurchaseOrder) -> PurchaseOrder:
    require_supplier(actor, order)
    _move(order, [PO.SUBMITTED], PO.CONFIRMED, confirmed_at=timezone.now())
    notify(
        organization=order.retailer,
        title=_("采购单已确认"),
        body=_("采购单 %(n)s 已确认，即将发货。") % {"n": order.number},
        link=reverse("web:supply_po", args=[order.public_id]),
    )
    return order


@transaction.atomic
def cancel_order(*, actor: User, order: PurchaseOrder, reason: str = "") -> PurchaseOrder:
    """Before anything ships, either side may cancel."""
    if not actor_is_retailer(actor, order):
        require_supplier(actor, order)
    _move(order, [PO.SUBMITTED, PO.CONFIRMED], PO.CANCELLED, note=(reason or order.note)[:200])
    return order


def actor_is_retailer(actor: User, order: PurchaseOrder) -> bool:
    return organizations_of(actor).filter(pk=order.retailer_id).exists()


def _lines_by_sku(order: PurchaseOrder) -> dict[str, PurchaseOrderLine]:
    return {line.sku.public_id: line for line in order.lines.select_related("sku", "sku__product")}


@transaction.atomic
def ship(*, actor: User, order: PurchaseOrder, quantities: dict[str, int]) -> Shipment:
    """One shipment of some of the ordered quantities, keyed by SKU public id. A quantity
    beyond what is still to ship is refused and nothing of the shipment is written."""
    require_supplier(actor, order)
    if order.status not in (PO.CONFIRMED, PO.PARTIALLY_SHIPPED):
        _move(order, [PO.CONFIRMED, PO.PARTIALLY_SHIPPED], order.status)  # raises
    if not quantities:
        raise field_error("quantities", _("请填写发货数量。"))
    lines = _lines_by_sku(order)
    shipment = Shipment.objects.create(order=order, shipped_by=actor)
    for sku_id, quantity in quantities.items():
        field = f"quantities.{sku_id}"
        line = lines.get(sku_id)
        if line is None:
            raise field_error(field, _("采购单中没有该商品。"))
        if quantity == 0:
            continue
        require_quantity(quantity, field=field, maximum=MAX_QUANTITY)
        moved = PurchaseOrderLine.objects.filter(
            pk=line.pk, quantity_shipped__lte=F("quantity") - quantity
        ).update(quantity_shipped=F("quantity_shipped") + quantity)
        if not moved:
            raise field_error(
                field,
                _("发货数量超过未发数量（%(left)s）。")
                % {"left": line.quantity - line.quantity_shipped},
            )
        ShipmentLine.objects.create(shipment=shipment, po_line=line, quantity=quantity)
    if not shipment.lines.exists():
        raise field_error("quantities", _("请填写发货数量。"))
    left = order.lines.filter(quantity_shipped__lt=F("quantity")).exists()
    _move(
        order,
        [PO.CONFIRMED, PO.PARTIALLY_SHIPPED],
        PO.PARTIALLY_SHIPPED if left else PO.SHIPPED,
    )
    notify(
        organization=order.retailer,
        title=_("采购单已发货"),
        body=_("采购单 %(n)s 有一批货已发出，请到货后签收。") % {"n": order.number},
        link=reverse("web:supply_po", args=[order.public_id]),
    )
    return shipment


@transaction.atomic
def receive(
    *,
    actor: User,
    shipment: Shipment,
    received: dict[str, int] | None = None,
    note: str = "",
) -> Shipment:
    """The retailer signs for a shipment: each SKU's count (all of it by default) goes into
    the store's stock; a count below what was shipped is a recorded discrepancy, above it is
    refused. Signing twice is refused. When the last shipment of a fully shipped order is
    received, the order is closed and its wholesale value settled."""
    order = shipment.order
    if not is_platform_operator(actor):
        require_role(actor, order.retailer)
    received = dict(received or {})
    ship_lines = list(shipment.lines.select_related("po_line", "po_line__sku"))
    by_sku = {line.po_line.sku.public_id: line for line in ship_lines}
    unknown = [k for k in received if k not in by_sku]
    if unknown:
        raise ValidationFailed(
            fields={f"received.{k}": _("该发货单中没有此商品。") for k in unknown}
        )
    counts = {}
    for sku_id, line in by_sku.items():
        count = received.get(sku_id, line.quantity)
        field = f"received.{sku_id}"
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise field_error(field, _("实收数量须为不小于零的整数。"))
        if count > line.quantity:
            raise field_error(
                field, _("实收数量不能超过发货数量（%(n)s）。") % {"n": line.quantity}
            )
        counts[sku_id] = count
    claimed = Shipment.objects.filter(pk=shipment.pk, status=Shipment.Status.IN_TRANSIT).update(
        status=Shipment.Status.RECEIVED, received_by=actor, received_at=timezone.now()
    )
    if not claimed:
        raise Conflict(_("该发货单已签收。"), code="already_received")
    location = inventory.location_for_store(order.store)
    note = (note or "").strip()[:200]
    for sku_id, line in by_sku.items():
        count = counts[sku_id]
        short = line.quantity - count
        ShipmentLine.objects.filter(pk=line.pk).update(
            quantity_received=count,
            discrepancy_note=(note or _("短少 %(n)s 件") % {"n": short}) if short else "",
        )
        PurchaseOrderLine.objects.filter(pk=line.po_line_id).update(
            quantity_received=F("quantity_received") + count
        )
        if count:
            inventory.receive_stock(
                actor=actor,
                location=location,
                sku=line.po_line.sku,
                quantity=count,
                reason=_("采购入库 %(n)s") % {"n": order.number},
                reference=shipment.public_id,
            )
    shipment.refresh_from_db()
    _close_if_complete(order)
    return shipment


def _close_if_complete(order: PurchaseOrder) -> None:
    fully_shipped = not order.lines.filter(quantity_shipped__lt=F("quantity")).exists()
    pending = order.shipments.filter(status=Shipment.Status.IN_TRANSIT).exists()
    if fully_shipped and not pending:
        _move(order, [PO.SHIPPED], PO.RECEIVED, received_at=timezone.now())
        settlement.settle_purchase_order(order=order)
