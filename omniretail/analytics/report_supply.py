"""The producer and region dashboards (docs/analytics.md, "生产商与运营中心"), read from the
supply roll-up (models_supply.DailySupply) and, for a retailer's whole sales, the sales
roll-up (DailySales): a period beside the period of the same length just before it.

Figures: net units = sold − returned (of the sales of the period); sell-through = net units
÷ units the retailers counted in (received) in the period, so it can pass 100 % when older
stock sells; return rate = returned ÷ sold; average rating and the share of 1–2 star
reviews among the reviews written in the period and still shown."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.analytics.models import DailySales, DailySupply
from omniretail.analytics.report_counters import rate
from omniretail.analytics.selectors import Period, _change, rollup
from omniretail.core.errors import NotFound
from omniretail.core.money import money
from omniretail.supply.models import RegionalOffer
from omniretail.supply.selectors import regions_of

SUMS = (
    "units_shipped",
    "units_received",
    "units_sold",
    "units_returned",
    "gmv",
    "refunded",
    "reviews",
    "rating_sum",
    "low_ratings",
)
_MONEY = {"gmv", "refunded"}


def _figures(row: dict) -> dict:
    """Sums with their derived figures (None where the denominator is zero)."""
    row = {
        k: (money(v or 0) if k in _MONEY else (v or 0) if k in SUMS else v) for k, v in row.items()
    }
    net_units = row["units_sold"] - row["units_returned"]
    return {
        **row,
        "net_units": net_units,
        "net": row["gmv"] - row["refunded"],
        "sell_through": rate(net_units, row["units_received"]),
        "return_rate": rate(row["units_returned"], row["units_sold"]),
        "avg_rating": round(Decimal(row["rating_sum"]) / row["reviews"], 1)
        if row["reviews"]
        else None,
        "low_share": rate(row["low_ratings"], row["reviews"]),
    }


_AGG = {k: Sum(k) for k in SUMS}


def _totals(qs) -> dict:
    return _figures(qs.aggregate(**_AGG))


def _compare(current: dict, previous: dict) -> dict:
    """Each figure beside the previous period's, with the change in percent (none when
    either side has no value or the previous one is zero)."""
    return {
        k: {
            "value": v,
            "previous": previous.get(k),
            "change": None if v is None or previous.get(k) is None else _change(v, previous[k]),
        }
        for k, v in current.items()
    }


def _grouped(qs, fields: list[str], order: str = "-gmv") -> list[dict]:
    rows = qs.values(*fields).annotate(**_AGG).order_by(order, *fields[:1])
    return [_figures(r) for r in rows]


def _with_previous(rows: list[dict], before: list[dict], key: str) -> list[dict]:
    """Rows with the previous period's net units and GMV of the same key, and the change."""
    old = {r[key]: r for r in before}
    out = []
    for r in rows:
        prev = old.get(r[key], {"net_units": 0, "gmv": money(0)})
        out.append(
            {
                **r,
                "previous_net_units": prev["net_units"],
                "previous_gmv": prev["gmv"],
                "growth": _change(r["gmv"], prev["gmv"]),
            }
        )
    return out


def _daily(qs) -> list[dict]:
    return _grouped(qs, ["day"], order="day")


def _supply(p: Period, **where):
    return rollup(DailySupply).filter(day__gte=p.start, day__lte=p.end, **where)


REGION = ["region_id", "region__public_id", "region__name"]
RETAILER = ["retailer_id", "retailer__public_id", "retailer__name", "retailer__region__name"]
SKU = ["sku_id", "sku__code", "sku__name", "sku__product__name"]
PRODUCT = ["sku__product_id", "sku__product__name"]


def producer_report(producer: Organization, p: Period, region: Organization | None = None):
    """A producer's goods: totals, by region (its drill-down: `region`), by retailer, by SKU
    (returns), by product (reviews), per day."""
    where = {"producer": producer} if region is None else {"producer": producer, "region": region}
    prev = p.previous()
    now, before = _supply(p, **where), _supply(prev, **where)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare(_totals(now), _totals(before)),
        "regions": _with_previous(_grouped(now, REGION), _grouped(before, REGION), "region_id"),
        "retailers": _with_previous(
            _grouped(now, RETAILER), _grouped(before, RETAILER), "retailer_id"
        ),
        "skus": _grouped(now, SKU),
        "products": [r for r in _grouped(now, PRODUCT, order="-reviews") if r["reviews"]],
        "daily": _daily(now),
    }


def _sales(p: Period, **where) -> dict[int, dict]:
    """Retailers' whole sales (every product, every channel) from the sales roll-up."""
    rows = (
        rollup(DailySales)
        .filter(day__gte=p.start, day__lte=p.end, **where)
        .values("merchant_id")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by()
    )
    return {
        r["merchant_id"]: {
            "orders": r["orders"] or 0,
            "sales": money(r["gmv"] or 0),
            "sales_net": money(r["gmv"] or 0) - money(r["refunded"] or 0),
        }
        for r in rows
    }


def region_report(region: Organization, p: Period) -> dict:
    """A regional centre's selection (each SKU it picked: retailers stocking or selling it,
    units, GMV, sell-through, returns) and its retailers' ranking (whole sales and orders
    with growth on the previous period, and the selection's figures)."""
    prev = p.previous()
    now, before = _supply(p, region=region), _supply(prev, region=region)
    active = Q(units_received__gt=0) | Q(units_sold__gt=0)
    stocking = dict(
        now.filter(active)
        .values("sku_id")
        .annotate(n=Count("retailer", distinct=True))
        .values_list("sku_id", "n")
        .order_by()
    )
    selection = {
        r["sku_id"]: {**r, "retailers": stocking.get(r["sku_id"], 0)}
        for r in now.values(*SKU).annotate(**_AGG).order_by()
    }
    picked = RegionalOffer.objects.filter(region=region).values_list(
        "offer__sku_id", "offer__sku__code", "offer__sku__name", "offer__sku__product__name"
    )
    for sku_id, code, name, product in picked:
        selection.setdefault(
            sku_id,
            {
                **dict.fromkeys(SUMS, 0),
                "sku_id": sku_id,
                "sku__code": code,
                "sku__name": name,
                "sku__product__name": product,
                "retailers": 0,
            },
        )
    sales_now = _sales(p, merchant__region=region)
    sales_before = _sales(prev, merchant__region=region)
    supply = {r["retailer_id"]: r for r in _grouped(now, RETAILER)}
    merchants = Organization.objects.filter(
        Q(kind=Organization.Kind.MERCHANT, region=region) | Q(pk__in=list(supply))
    ).values("pk", "public_id", "name")
    empty = _figures(dict.fromkeys(SUMS, 0))
    ranking = []
    for m in merchants:
        s = sales_now.get(m["pk"], {"orders": 0, "sales": money(0), "sales_net": money(0)})
        b = sales_before.get(m["pk"], {"orders": 0, "sales": money(0)})
        ranking.append(
            {
                **empty,
                **supply.get(m["pk"], {}),
                **s,
                "retailer_id": m["pk"],
                "retailer__public_id": m["public_id"],
                "retailer__name": m["name"],
                "previous_sales": b["sales"],
                "previous_orders": b["orders"],
                "growth": _change(s["sales"], b["sales"]),
            }
        )
    ranking.sort(key=lambda r: (-r["sales"], -r["gmv"], r["retailer__name"]))
    for i, r in enumerate(ranking, 1):
        r["rank"] = i
    whole = {
        "sales": sum((r["sales"] for r in sales_now.values()), money(0)),
        "orders": sum(r["orders"] for r in sales_now.values()),
        "retailers": now.filter(active).values("retailer").distinct().count(),
    }
    whole_before = {
        "sales": sum((r["sales"] for r in sales_before.values()), money(0)),
        "orders": sum(r["orders"] for r in sales_before.values()),
        "retailers": before.filter(active).values("retailer").distinct().count(),
    }
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare({**whole, **_totals(now)}, {**whole_before, **_totals(before)}),
        "selection": sorted(
            (_figures(r) for r in selection.values()),
            key=lambda r: (-r["gmv"], r["sku__code"]),
        ),
        "retailers": ranking,
        "daily": _daily(now),
    }


def retailer_report(region: Organization, retailer: Organization, p: Period) -> dict:
    """One retailer of a region: its selection goods by SKU, and its whole sales."""
    prev = p.previous()
    now = _supply(p, region=region, retailer=retailer)
    before = _supply(prev, region=region, retailer=retailer)
    empty = {"orders": 0, "sales": money(0), "sales_net": money(0)}
    sales = _sales(p, merchant=retailer).get(retailer.pk, empty)
    sales_before = _sales(prev, merchant=retailer).get(retailer.pk, empty)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare({**sales, **_totals(now)}, {**sales_before, **_totals(before)}),
        "skus": _grouped(now, SKU),
        "products": [r for r in _grouped(now, PRODUCT, order="-reviews") if r["reviews"]],
        "daily": _daily(now),
    }


def region_for(user, public_id: str | None = None) -> tuple[Organization, list]:
    """(the region shown, the regions the user may choose from): their own, or any for the
    platform; `public_id` picks one of them, anything else is a 404."""
    choices = regions_of(user).order_by("name")
    chosen = (choices.filter(public_id=public_id) if public_id else choices).first()
    if chosen is None:
        raise NotFound(_("找不到该运营中心。"))
    return chosen, list(choices)


def region_of(public_id: str) -> Organization:
    """A regional centre by id (the producer's drill-down: its own rows only are read)."""
    found = Organization.objects.filter(kind=Organization.Kind.REGION, public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该运营中心。"))
    return found


def retailer_of(region: Organization, public_id: str) -> Organization:
    """A retailer of the region (a member of it, or one it supplied); any other is a 404."""
    found = (
        Organization.objects.filter(public_id=public_id, kind=Organization.Kind.MERCHANT)
        .filter(
            Q(region=region)
            | Q(pk__in=DailySupply.objects.filter(region=region).values("retailer"))
        )
        .first()
    )
    if found is None:
        raise NotFound(_("找不到该零售店。"))
    return found
