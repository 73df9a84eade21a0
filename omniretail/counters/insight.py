"""Producer insight: per model (product) and region (the serving store's city), what the
counters saw of it: scans, leads (scans by a known shopper), conversions, vends, repairs and
their fault kinds. A producer's staff see their own products only; the platform sees all."""

from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.counters.models import RepairTicket, ScanLead, Vend

SOLD = [Vend.Status.UNLOCKING, Vend.Status.OPEN, Vend.Status.COMPLETED]


@dataclass
class Row:
    product_id: int
    product: str
    region: str
    scans: int = 0
    leads: int = 0
    conversions: int = 0
    vends: int = 0
    repairs: int = 0
    faults: Tally = field(default_factory=Tally)

    @property
    def conversion_rate(self) -> str:
        return f"{self.conversions / self.scans:.0%}" if self.scans else "-"

    @property
    def fault_summary(self) -> str:
        labels = dict(RepairTicket.FaultKind.choices)
        return "、".join(f"{labels[k]} {n}" for k, n in self.faults.most_common())


def _own(qs, user, path: str):
    if is_platform_operator(user):
        return qs
    return qs.filter(**{f"{path}__owner__in": list(organizations_of(user))})


def insight(user, *, days: int = 90) -> list[Row]:
    """Rows sorted by model then region; only models with something to show."""
    require_user(user)
    since = timezone.now() - timedelta(days=days)
    rows: dict[tuple, Row] = {}

    def row(product_id, name, region) -> Row:
        key = (product_id, region or "")
        if key not in rows:
            rows[key] = Row(product_id=product_id, product=name, region=region or "")
        return rows[key]

    city = "counter__store__city"
    scans = (
        _own(ScanLead.objects.filter(scanned_at__gte=since, product__isnull=False), user, "product")
        .values("product_id", "product__name", city)
        .annotate(
            scans=Count("id"),
            leads=Count("id", filter=Q(user__isnull=False)),
            conversions=Count("id", filter=Q(status=ScanLead.Status.CONVERTED)),
        )
    )
    for s in scans:
        r = row(s["product_id"], s["product__name"], s[city])
        r.scans, r.leads, r.conversions = s["scans"], s["leads"], s["conversions"]
    vends = (
        _own(Vend.objects.filter(created_at__gte=since, status__in=SOLD), user, "bay__sku__product")
        .values("bay__sku__product_id", "bay__sku__product__name", city)
        .annotate(n=Count("id"))
    )
    for v in vends:
        row(v["bay__sku__product_id"], v["bay__sku__product__name"], v[city]).vends = v["n"]
    repairs = (
        _own(
            RepairTicket.objects.filter(created_at__gte=since, product__isnull=False),
            user,
            "product",
        )
        .values("product_id", "product__name", city, "fault_kind")
        .annotate(n=Count("id"))
    )
    for t in repairs:
        r = row(t["product_id"], t["product__name"], t[city])
        r.repairs += t["n"]
        r.faults[t["fault_kind"]] += t["n"]
    return sorted(rows.values(), key=lambda r: (r.product, r.region))


def insight_table(rows: list[Row]) -> tuple[list[str], list[list]]:
    """The table as its CSV download holds it: a header, then a row per model and region."""
    header = ["model", "region", "scans", "leads", "conversions", "vends", "repairs", "fault_kinds"]
    table = []
    for r in rows:
        faults = ";".join(f"{k}:{n}" for k, n in r.faults.most_common())
        table.append(
            [r.product, r.region, r.scans, r.leads, r.conversions, r.vends, r.repairs, faults]
        )
    return header, table


def by_model(rows: list[Row]) -> dict[str, dict[str, int]]:
    """Totals per model, for the chart."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: Tally())
    for r in rows:
        for name in ("scans", "leads", "conversions", "vends", "repairs"):
            totals[r.product][name] += getattr(r, name)
    return dict(totals)
