"""Settlement between merchants. Platform points issued against merchant A and spent on
merchant B's goods mean A owes B; every such draw (and its reversal on refund) is a
`SettlementLine`. A monthly statement nets them per counterparty in yuan at the configured
point value. Lines are never edited and a closed month gets no new ones, so the same month
always gives the same numbers; the digest lets anyone check a recomputation.

The platform clears each month as the central counterparty: it collects from every
merchant whose statement is negative and pays every one whose statement is positive. A
settled statement is one posting between the interchange clearing account and the bank
(the outside world); the merchants' nets of a month add up to zero, so once all of them
are settled the clearing account is back where it was."""

import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.accounts.selectors import require_platform_operator
from omniretail.core.errors import Conflict, field_error
from omniretail.core.money import CENT
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account
from omniretail.ledger.units import yuan_to_fen
from omniretail.loyalty.models import SettlementLine, Statement

INTERCHANGE_ACCOUNT = "loyalty-interchange"
BANK_ACCOUNT = "loyalty-interchange-bank"
REFERENCE_MAX = 64
VALUE_PLACES = Decimal("0.0001")  # Statement.point_value's decimal places
# Earlier months hold no points of ours; year 1's bounds would not even convert to UTC.
FIRST_MONTH = date(2000, 1, 1)


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
    digest = statement_digest(org=org.public_id, month=month, value=value, lines=lines)
    return {
        "lines": lines,
        "net_points": net_points,
        "net_yuan": (net_points * value).quantize(CENT),
        "point_value": value,
        "digest": digest,
    }


def statement_digest(*, org: str, month: date, value: Decimal, lines: list[dict]) -> str:
    """SHA-256 of the statement's canonical JSON. The point value is written with the
    column's four places, so a statement read back from the database hashes the same."""
    payload = {
        "org": org,
        "month": month.isoformat(),
        "value": str(Decimal(value).quantize(VALUE_PLACES)),
        "lines": lines,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def first_of_month(value: date) -> date:
    return date(value.year, value.month, 1)


def last_ended_month() -> date:
    """The first day of last month: the latest month a statement can be built for."""
    return first_of_month(timezone.localdate().replace(day=1) - timedelta(days=1))


def build_statement(*, org: Organization, month: date) -> Statement:
    """The statement of a month that has ended; built once, then returned as stored."""
    month = first_of_month(month)
    if month >= first_of_month(timezone.localdate()):
        raise field_error("month", _("只能为已结束的月份出具结算单。"))
    if month < FIRST_MONTH:
        raise field_error("month", _("结算单月份不能早于 %(m)s。") % {"m": f"{FIRST_MONTH:%Y-%m}"})
    existing = Statement.objects.filter(org=org, month=month).first()
    if existing is not None:
        existing.org = org  # the caller's: its name is printed next, without a read per row
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
        existing = Statement.objects.get(org=org, month=month)
        existing.org = org
        return existing


def verify_statement(statement: Statement) -> None:
    """Recompute from the ledger's lines at the stored point value; refuse a mismatch."""
    again = compute(org=statement.org, month=statement.month, value=statement.point_value)
    if again["digest"] != statement.digest:
        raise Conflict(_("结算单与账本不一致。"), code="statement_mismatch")


def build_month(month: date) -> list[Statement]:
    """The statement of every merchant, and of any other organisation with lines that month
    (built where missing), each checked against the ledger's lines."""
    start, end = month_bounds(first_of_month(month))
    lines = SettlementLine.objects.filter(created_at__gte=start, created_at__lt=end)
    orgs = Organization.objects.filter(
        Q(kind=Organization.Kind.MERCHANT)
        | Q(pk__in=lines.values("issuer"))
        | Q(pk__in=lines.values("spender"))
    )
    statements = []
    for org in orgs.order_by("code"):
        statement = build_statement(org=org, month=month)
        verify_statement(statement)
        statements.append(statement)
    return statements


def month_overview(month: date) -> dict:
    """What the platform collects and pays for a month, how much of it is done, and how many
    statements are issued, settled and there in all."""
    totals = {"collect": Decimal(0), "pay": Decimal(0), "collected": Decimal(0), "paid": Decimal(0)}
    counts = {Statement.Status.ISSUED: 0, Statement.Status.SETTLED: 0}
    rows = Statement.objects.filter(month=first_of_month(month)).values_list("net_yuan", "status")
    for net, status in rows:
        counts[status] += 1
        if net:
            totals["pay" if net > 0 else "collect"] += abs(net)
            if status == Statement.Status.SETTLED:
                totals["paid" if net > 0 else "collected"] += abs(net)
    return {
        **totals,
        "issued": counts[Statement.Status.ISSUED],
        "settled": counts[Statement.Status.SETTLED],
        "total": sum(counts.values()),
    }


def month_rows(month: date) -> tuple[list[str], list[list[str]]]:
    """The month for finance staff reconciling it against the bank: a header, then one row
    per statement in merchant code order, the amount unsigned beside who pays whom, and the
    digest an auditor recomputes."""
    header = [_("商家编号"), _("商家"), _("月份"), _("净积分"), _("金额(元)"), _("方向")]
    header += [_("状态"), _("结清时间"), _("转账流水号"), _("摘要")]
    statements = Statement.objects.filter(month=first_of_month(month)).select_related("org")
    rows = []
    for s in statements.order_by("org__code"):
        direction = _("平台付给商家") if s.net_yuan > 0 else _("商家付给平台") if s.net_yuan else ""
        settled = s.settled_at and timezone.localtime(s.settled_at).isoformat(timespec="seconds")
        rows.append(
            [
                *(s.org.code, s.org.name, f"{s.month:%Y-%m}", str(s.net_points)),
                *(f"{abs(s.net_yuan):.2f}", direction, s.get_status_display()),
                *(settled or "", s.transfer_reference, s.digest),
            ]
        )
    return header, rows


def settle_statement(*, actor: User, statement: Statement, reference: str) -> Statement:
    """Record the bank transfer that clears a statement: the platform paid the merchant
    (net > 0) or received its payment (net < 0). Once only: a second call is a Conflict, and
    a statement the ledger no longer reproduces is refused before anything is written."""
    require_platform_operator(actor)
    reference = (reference or "").strip()
    if statement.net_yuan and not reference:
        raise field_error("reference", _("请填写银行转账流水号。"))
    if len(reference) > REFERENCE_MAX:
        raise field_error("reference", _("流水号不超过 %(n)s 个字符。") % {"n": REFERENCE_MAX})
    verify_statement(statement)
    with transaction.atomic():
        moved = Statement.objects.filter(pk=statement.pk, status=Statement.Status.ISSUED).update(
            status=Statement.Status.SETTLED,
            settled_at=timezone.now(),
            settled_by=actor,
            transfer_reference=reference,
        )
        if not moved:
            raise Conflict(_("该结算单已结清。"), code="already_settled")
        if statement.net_yuan:
            interchange = ledger.system_account(asset_code=ledger.CNY, name=INTERCHANGE_ACCOUNT)
            bank = ledger.system_account(
                asset_code=ledger.CNY, name=BANK_ACCOUNT, kind=Account.Kind.EXTERNAL
            )
            pays = statement.net_yuan > 0
            posting = ledger.post(
                debit=interchange if pays else bank,
                credit=bank if pays else interchange,
                amount=yuan_to_fen(abs(statement.net_yuan)),
                idempotency_key=f"loyalty:statement:{statement.public_id}",
                kind="loyalty_statement_payout" if pays else "loyalty_statement_collection",
                reference=statement.public_id,
                memo={"transfer_reference": reference, "month": statement.month.isoformat()},
            )
            Statement.objects.filter(pk=statement.pk).update(posting=posting)
    statement.refresh_from_db()
    return statement
