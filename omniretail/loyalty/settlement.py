"""Settlement between merchants. Platform points issued against merchant A and spent on
merchant B's goods mean A owes B; every such draw (and its reversal on refund) is a
`SettlementLine`. A monthly statement nets them per counterparty in yuan at the configured
point value. Lines are never edited and a closed month gets no new ones, so the same month
always gives the same numbers; the digest lets anyone check a recomputation."""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core.errors import Conflict, field_error
from omniretail.core.money import CENT
from omniretail.loyalty.models import SettlementLine, Statement


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, timezone.make_aware(datetime(nxt.year, nxt.month, 1))


def point_value() -> Decimal:
    return Decimal(str(settings.OMNI_POINT_VALUE_YUAN))


def compute(*, org: Organization, month: date, value: Decimal | None = None) -> dict:
    """Per counterparty: points they owe `org` (their points spent here) and points `org`
    owes them; positive net = `org` is owed."""
    value = value if value is not None else point_value()
    start, end = month_bounds(month)
    rows = (
        SettlementLine.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(Q(issuer=org) | Q(spender=org))
        .exclude(issuer=org, spender=org)
        .values("issuer", "spender")
        .annotate(points=Sum("points"))
    )
    by_org: dict[int, dict] = {}
    for row in rows:
        owed_to_org = row["spender"] == org.pk
        other = row["issuer"] if owed_to_org else row["spender"]
        entry = by_org.setdefault(other, {"receivable": 0, "payable": 0})
        entry["receivable" if owed_to_org else "payable"] += row["points"]
    orgs = Organization.objects.filter(pk__in=by_org).values_list("pk", "public_id", "name")
    names = {pk: (public_id, name) for pk, public_id, name in orgs}
    lines = []
    for pk in sorted(by_org, key=lambda k: names[k][0]):
        entry = by_org[pk]
        net = entry["receivable"] - entry["payable"]
        lines.append(
            {
                "counterparty": names[pk][0],
                "name": names[pk][1],
                "receivable_points": entry["receivable"],
                "payable_points": entry["payable"],
                "net_points": net,
                "net_yuan": str((net * value).quantize(CENT)),
            }
        )
    net_points = sum(line["net_points"] for line in lines)
    payload = {
        "org": org.public_id,
        "month": month.isoformat(),
        "value": str(value),
        "lines": lines,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return {
        "lines": lines,
        "net_points": net_points,
        "net_yuan": (net_points * value).quantize(CENT),
        "point_value": value,
        "digest": digest,
    }


def first_of_month(value: date) -> date:
    return date(value.year, value.month, 1)


def build_statement(*, org: Organization, month: date) -> Statement:
    """The statement of a month that has ended; built once, then returned as stored."""
    month = first_of_month(month)
    if month >= first_of_month(timezone.localdate()):
        raise field_error("month", _("只能为已结束的月份出具结算单。"))
    existing = Statement.objects.filter(org=org, month=month).first()
    if existing is not None:
        return existing
    result = compute(org=org, month=month)
    try:
        with transaction.atomic():
            return Statement.objects.create(
                org=org,
                month=month,
                point_value=result["point_value"],
                lines=result["lines"],
                net_points=result["net_points"],
                net_yuan=result["net_yuan"],
                digest=result["digest"],
            )
    except IntegrityError:
        return Statement.objects.get(org=org, month=month)


def verify_statement(statement: Statement) -> None:
    """Recompute from the ledger's lines at the stored point value; refuse a mismatch."""
    again = compute(org=statement.org, month=statement.month, value=statement.point_value)
    if again["digest"] != statement.digest:
        raise Conflict(_("结算单与账本不一致。"), code="statement_mismatch")
