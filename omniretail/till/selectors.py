"""Reads for the till: a receipt and the shift report (交班), scoped to the staff member's
merchant (another merchant's sale is not found)."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import organizations_of
from omniretail.catalog.models import Product, Sku
from omniretail.core.errors import NotFound
from omniretail.core.money import ZERO, money
from omniretail.inventory.models import StockLevel
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order
from omniretail.till.models import TillSale

UNPAID = (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED)


def sale_for_staff(user, order_id: str) -> TillSale:
    sale = (
        TillSale.objects.select_related("order", "store", "staff", "order__shopper")
        .filter(order__public_id=order_id, store__merchant__in=organizations_of(user))
        .first()
    )
    if sale is None:
        raise NotFound(_("找不到该小票。"))
    return sale


def shift_report(*, store, staff, day=None) -> dict:
    """One staff member's day at one store: sales by payment method, refunds of those
    sales, and the cash the drawer should hold (cash taken less cash refunded)."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    sales = TillSale.objects.filter(
        store=store, staff=staff, created_at__gte=start, created_at__lt=start + timedelta(days=1)
    ).exclude(order__status__in=UNPAID)  # a code or card sale counts once it is paid
    by_method = {
        row["payment"]: row
        for row in sales.values("payment").annotate(
            count=Count("id"), amount=Sum("order__total"), refunded=Sum("order__amount_refunded")
        )
    }
    methods = [
        {
            "payment": value,
            "label": label,
            "count": by_method.get(value, {}).get("count", 0),
            "amount": money(by_method.get(value, {}).get("amount") or ZERO),
            "refunded": money(by_method.get(value, {}).get("refunded") or ZERO),
        }
        for value, label in TillSale.Payment.choices
    ]
    cash = next(m for m in methods if m["payment"] == TillSale.Payment.CASH)
    return {
        "day": day,
        "staff": staff,
        "methods": methods,
        "count": sum(m["count"] for m in methods),
        "amount": money(sum((m["amount"] for m in methods), ZERO)),
        "refunded": money(sum((m["refunded"] for m in methods), ZERO)),
        "cash_expected": cash["amount"] - cash["refunded"],
    }


SEARCH_LIMIT = 20


def search_goods(*, store, q: str) -> list[dict]:
    """Goods for sale matching a name or a SKU code, with what the store holds of each
    (in stock first): the till's search when a barcode will not scan."""
    q = (q or "").strip()[:60]
    if not q:
        return []
    skus = list(
        Sku.objects.select_related("product")
        .filter(is_active=True, product__status=Product.Status.APPROVED)
        .filter(Q(code__iexact=q) | Q(product__name__icontains=q) | Q(name__icontains=q))
        .order_by("product__name", "code")[:SEARCH_LIMIT]
    )
    held = dict(
        StockLevel.objects.filter(location=location_for_store(store), sku__in=skus).values_list(
            "sku_id", "on_hand"
        )
    )
    rows = [{"sku": sku, "on_hand": held.get(sku.pk, 0)} for sku in skus]
    return sorted(rows, key=lambda row: row["on_hand"] <= 0)
