"""Profit distribution: every consumer sale of channel goods and every received wholesale
order is shared among producer, region, retailer and platform by the split rule of its
category, in fen, and each share is posted to the ledger (CNY) from the channel's clearing
account to the party's settlement account, once per (sale, party) idempotency key.

Rounding never loses or invents a fen: fixed fees come first, the rest is divided by the
percentages and the leftover fen go to the largest fractional parts (ties in party order),
so the shares of a sale always add up to exactly what was paid. A retailer whose joining
reward waives the platform's fee keeps the platform's share of its sales until the waiver
date (免收, shown on its statement). Statements gather a party's unsettled shares up to the
period's end; paying one out is a posting too."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.catalog.models import Category
from omniretail.catalog.services import parse_price
from omniretail.core import reads
from omniretail.core.errors import Conflict, field_error
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account
from omniretail.ledger.units import yuan_to_fen
from omniretail.supply.models import (
    Allocation,
    Channel,
    MerchantApplication,
    Offer,
    Party,
    SplitRule,
    Statement,
)
from omniretail.supply.services import require_platform

PARTIES = [Party.PRODUCER, Party.REGION, Party.RETAILER, Party.PLATFORM]
HUNDRED = Decimal(100)
# Used until the platform configures a channel's default rule.
BUILT_IN = {
    Channel.RETAIL: {"producer": 0, "region": 3, "retailer": 92, "platform": 5},
    Channel.WHOLESALE: {"producer": 90, "region": 6, "retailer": 0, "platform": 4},
}
SOURCE_ACCOUNT = {Channel.RETAIL: "supply-retail-sales", Channel.WHOLESALE: "supply-wholesale"}
PAYOUT_ACCOUNT = "supply-payouts"


@dataclass(frozen=True)
class Terms:
    percents: dict[str, Decimal]
    fees: dict[str, Decimal]


# --- rules ----------------------------------------------------------------------------------


def _percent(value, field: str) -> Decimal:
    if isinstance(value, float | bool) or value is None:
        raise field_error(field, _("请输入百分比，例如 12.5。"))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, _("请输入百分比，例如 12.5。")) from None
    if not number.is_finite() or number < 0 or number > HUNDRED:
        raise field_error(field, _("百分比须在 0 到 100 之间。"))
    if number.as_tuple().exponent < -2:
        raise field_error(field, _("百分比最多保留两位小数。"))
    return number


def _fee(value, field: str) -> Decimal:
    return parse_price(value if value not in (None, "") else "0", field)


@transaction.atomic
def set_split_rule(
    *,
    actor: User,
    channel: str,
    percents: dict,
    fees: dict | None = None,
    category: Category | None = None,
) -> SplitRule:
    """The platform sets how a channel's sales (of one category, or by default) are shared.
    The four percentages must sum to exactly 100; fixed fees are per unit and come first."""
    require_platform(actor)
    if channel not in Channel.values:
        raise field_error("channel", _("渠道须为 retail 或 wholesale。"))
    unknown = set(percents) - set(PARTIES) | set(fees or {}) - set(PARTIES)
    if unknown:
        raise field_error("percents", _("未知的分润方：%(p)s") % {"p": ", ".join(sorted(unknown))})
    parsed = {p: _percent(percents.get(p, 0), f"percents.{p}") for p in PARTIES}
    if sum(parsed.values()) != HUNDRED:
        raise field_error(
            "percents",
            _("四方比例合计须为 100%%，当前为 %(sum)s%%。") % {"sum": sum(parsed.values())},
        )
    fee_values = {p: _fee((fees or {}).get(p), f"fees.{p}") for p in PARTIES}
    values = {f"{p}_percent": parsed[p] for p in PARTIES} | {
        f"{p}_fee": fee_values[p] for p in PARTIES
    }
    rule, _created = SplitRule.objects.update_or_create(
        channel=channel, category=category, defaults=values
    )
    return rule


def terms_for(channel: str, category_id: int | None, rules: dict | None = None) -> Terms:
    """The category's rule, else its parent's, ..., else the channel default, else built in."""
    rules = rules if rules is not None else _rules(channel)
    parents = dict(Category.objects.values_list("pk", "parent_id")) if rules else {}
    node = category_id
    while node is not None:
        if node in rules:
            return rules[node]
        node = parents.get(node)
    if None in rules:
        return rules[None]
    return Terms(
        percents={p: Decimal(v) for p, v in BUILT_IN[channel].items()},
        fees={p: Decimal(0) for p in PARTIES},
    )


def _rules(channel: str) -> dict[int | None, Terms]:
    return {
        rule.category_id: Terms(
            percents={p: getattr(rule, f"{p}_percent") for p in PARTIES},
            fees={p: getattr(rule, f"{p}_fee") for p in PARTIES},
        )
        for rule in SplitRule.objects.filter(channel=channel)
    }


def split(gross_fen: int, quantity: int, terms: Terms) -> dict[str, int]:
    """Share `gross_fen` exactly: fees (per unit, capped by what is left), then percentages
    with the leftover fen to the largest remainders."""
    shares = {p: 0 for p in PARTIES}
    left = gross_fen
    for party in PARTIES:
        fee = min(left, yuan_to_fen(terms.fees[party]) * quantity)
        shares[party] += fee
        left -= fee
    by_percent = _proportional(left, [terms.percents[p] for p in PARTIES])  # they sum to 100
    for party, amount in zip(PARTIES, by_percent, strict=True):
        shares[party] += amount
    return shares


def _proportional(total: int, weights: list[int] | list[Decimal]) -> list[int]:
    """`total` fen divided in proportion to `weights`, summing exactly (largest remainder)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    exact = [Decimal(total) * w / whole for w in weights]
    floors = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return floors


# --- posting --------------------------------------------------------------------------------


def platform_org() -> Organization | None:
    return Organization.objects.filter(kind=Organization.Kind.PLATFORM).order_by("pk").first()


def settlement_account(org: Organization) -> Account:
    """What the channel owes a party: its CNY clearing account (apart from its wallet)."""
    return ledger.get_or_create_account(
        asset_code=ledger.CNY, owner=org, kind=Account.Kind.CLEARING
    )


def _post_shares(
    *,
    channel: str,
    ref: str,
    number: str,
    shares: dict[tuple[str, int], int],
    region_id: int | None,
    at: datetime,
    waived: dict[tuple[str, int], int] | None = None,
) -> list[Allocation]:
    """One allocation row and one posting per (party, organisation); replays change nothing.
    `waived` is the platform's share each row keeps under a fee waiver (in its amount)."""
    done = Allocation.objects.filter(
        source_kind=channel, source_ref=ref, kind=Allocation.Kind.SHARE
    )
    if done.exists():
        return list(done)
    source = ledger.system_account(asset_code=ledger.CNY, name=SOURCE_ACCOUNT[channel])
    orgs = Organization.objects.in_bulk([org_id for _p, org_id in shares])
    rows = []
    for (party, org_id), amount in sorted(shares.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        posting = None
        if amount:
            posting = ledger.post(
                debit=source,
                credit=settlement_account(orgs[org_id]),
                amount=amount,
                idempotency_key=f"supply:{channel}:{ref}:{party}:{org_id}",
                kind=f"supply_{channel}_share",
                reference=ref,
                memo={"number": number, "party": party},
            )
        rows.append(
            Allocation(
                source_kind=channel,
                source_ref=ref,
                source_number=number,
                party=party,
                organization_id=org_id,
                region_id=region_id,
                gross_fen=sum(shares.values()),
                amount_fen=amount,
                waived_fen=(waived or {}).get((party, org_id), 0),
                posting=posting,
                created_at=at,
            )
        )
    return Allocation.objects.bulk_create(rows)


def _accumulate(shares, parties: dict[str, int], line_shares: dict[str, int]) -> None:
    for party, amount in line_shares.items():
        shares[(party, parties[party])] += amount


@transaction.atomic
def settle_purchase_order(*, order) -> list[Allocation]:
    """Share what the retailer owes for a received purchase order (received quantities at
    the order's prices) by the wholesale rules."""
    platform = platform_org()
    if platform is None:
        return []
    shares: dict = defaultdict(int)
    rules = _rules(Channel.WHOLESALE)
    for line in order.lines.select_related("sku__product"):
        line_fen = yuan_to_fen(line.unit_price) * line.quantity_received
        if not line_fen:
            continue
        terms = terms_for(Channel.WHOLESALE, line.sku.product.category_id, rules)
        parties = {
            Party.PRODUCER: line.producer_id,
            Party.REGION: order.region_id,
            Party.RETAILER: order.retailer_id,
            Party.PLATFORM: platform.pk,
        }
        _accumulate(shares, parties, split(line_fen, line.quantity_received, terms))
    return _post_shares(
        channel=Channel.WHOLESALE,
        ref=order.public_id,
        number=order.number,
        shares=shares,
        region_id=order.region_id,
        at=order.received_at or timezone.now(),
    )


def settle_consumer_sale(*, order_id: str) -> list[Allocation]:
    """Share a paid shopper order that holds channel goods: goods by the retail rules of
    their category (after the order's discount, spread over lines by value), the retailer's
    own goods and the delivery fee to the retailer. An order of a warehouse (no retailer)
    gives the retailer's shares to its region."""
    from omniretail.orders.models import Order, OrderLine

    channel_goods = reads.fetch(
        f"SELECT 1 FROM {reads.table(OrderLine)} l"
        f" JOIN {reads.table(Order)} o ON o.id = l.order_id"
        f" JOIN {reads.table(Offer)} f ON f.sku_id = l.sku_id WHERE o.public_id = %s LIMIT 1",
        [order_id],
    )
    if not channel_goods:
        return []  # none (most shop orders): one narrow plain read, no savepoint
    return _settle_consumer_sale(order_id)


@transaction.atomic
def _settle_consumer_sale(order_id: str) -> list[Allocation]:
    from omniretail.orders.models import Order

    order = Order.objects.select_related("merchant", "location__organization").get(
        public_id=order_id
    )
    lines = list(order.lines.select_related("sku__product", "sku__offer"))
    offers = {line.pk: getattr(line.sku, "offer", None) for line in lines}
    platform = platform_org()
    if platform is None:
        return []
    if order.merchant.kind == Organization.Kind.REGION:
        region_id = retailer_id = order.merchant_id
    else:
        region_id = order.merchant.region_id or order.merchant_id
        retailer_id = order.merchant_id
    total_fen = yuan_to_fen(order.total)
    fee_fen = min(yuan_to_fen(order.delivery_fee), total_fen)
    goods = _proportional(total_fen - fee_fen, [yuan_to_fen(line.line_total) for line in lines])
    shares: dict = defaultdict(int)
    rules = _rules(Channel.RETAIL)
    for line, line_fen in zip(lines, goods, strict=True):
        offer = offers[line.pk]
        if offer is None:
            shares[(Party.RETAILER, retailer_id)] += line_fen
            continue
        terms = terms_for(Channel.RETAIL, line.sku.product.category_id, rules)
        parties = {
            Party.PRODUCER: offer.producer_id,
            Party.REGION: region_id,
            Party.RETAILER: retailer_id,
            Party.PLATFORM: platform.pk,
        }
        _accumulate(shares, parties, split(line_fen, line.quantity, terms))
    shares[(Party.RETAILER, retailer_id)] += fee_fen
    at = order.paid_at or timezone.now()
    waived = {}
    if retailer_id != region_id and fee_waived(retailer_id, at):
        kept = shares.pop((Party.PLATFORM, platform.pk), 0)
        shares[(Party.RETAILER, retailer_id)] += kept
        waived[(Party.RETAILER, retailer_id)] = kept
    return _post_shares(
        channel=Channel.RETAIL,
        ref=order.public_id,
        number=order.number,
        shares=shares,
        region_id=region_id,
        at=at,
        waived=waived,
    )


def fee_waived(org_id: int, at: datetime) -> bool:
    """Whether the merchant's joining reward waives the platform's share of a sale paid at
    `at` (免收服务费: up to and including its waiver date)."""
    return MerchantApplication.objects.filter(
        organization_id=org_id, fee_waived_until__gte=timezone.localdate(at)
    ).exists()


@transaction.atomic
def reverse_refunded_sale(*, order_id: str) -> list[Allocation]:
    """Take back from each party its part of what the shopper has been refunded so far, in
    proportion to its share of the sale (exactly, to the fen). Keyed on the order's refunded
    total, so a replay or a second refund only adds the difference. A party already paid
    out beyond its balance keeps the reversal as a line without posting: its next statement
    nets it."""
    from omniretail.orders.models import Order

    order = Order.objects.get(public_id=order_id)
    shares = list(
        Allocation.objects.filter(
            source_kind=Channel.RETAIL, source_ref=order_id, kind=Allocation.Kind.SHARE
        ).order_by("party", "organization_id")
    )
    paid = sum(a.amount_fen for a in shares)
    refunded = min(yuan_to_fen(order.amount_refunded), paid)
    if not shares or not refunded:
        return []
    done = Allocation.objects.filter(
        source_ref=order_id, kind=Allocation.Kind.REFUND, sequence=refunded
    )
    if done.exists():
        return list(done)
    taken: dict = defaultdict(int)
    taken_waived: dict = defaultdict(int)
    for row in Allocation.objects.filter(source_ref=order_id, kind=Allocation.Kind.REFUND):
        taken[(row.party, row.organization_id)] -= row.amount_fen
        taken_waived[(row.party, row.organization_id)] -= row.waived_fen
    targets = _proportional(refunded, [a.amount_fen for a in shares])
    source = ledger.system_account(asset_code=ledger.CNY, name=SOURCE_ACCOUNT[Channel.RETAIL])
    rows = []
    for share, target in zip(shares, targets, strict=True):
        delta = target - taken[(share.party, share.organization_id)]
        if delta <= 0:
            continue
        # the waived part of the share comes back in the same proportion, to the fen
        waived = share.waived_fen * target // share.amount_fen if share.amount_fen else 0
        waived -= taken_waived[(share.party, share.organization_id)]
        posting = None
        try:
            with transaction.atomic():
                posting = ledger.post(
                    debit=settlement_account(share.organization),
                    credit=source,
                    amount=delta,
                    idempotency_key=(
                        f"supply:refund:{order_id}:{refunded}:{share.party}:{share.organization_id}"
                    ),
                    kind="supply_retail_refund",
                    reference=order_id,
                    memo={"number": order.number, "party": share.party},
                )
        except ledger.InsufficientFunds:
            posting = None
        rows.append(
            Allocation(
                kind=Allocation.Kind.REFUND,
                sequence=refunded,
                source_kind=Channel.RETAIL,
                source_ref=order_id,
                source_number=order.number,
                party=share.party,
                organization_id=share.organization_id,
                region_id=share.region_id,
                gross_fen=paid,
                amount_fen=-delta,
                waived_fen=-waived,
                posting=posting,
                created_at=timezone.now(),
            )
        )
    return Allocation.objects.bulk_create(rows)


# --- statements and payouts -----------------------------------------------------------------


def _period_end(end: date) -> datetime:
    return timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))


def parse_period(start: str, end: str) -> tuple[date, date]:
    """The period's first and last day as the forms and the API send them (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise field_error("period_start", _("日期格式应为 YYYY-MM-DD。")) from None


@transaction.atomic
def issue_statements(*, period_start: date, period_end: date) -> list[Statement]:
    """One statement per party with unsettled shares up to the end of the period (shares of
    earlier periods that arrived late included); returns the period's statements. Re-running
    returns the same statements with the same totals: a share belongs to one statement."""
    if period_end < period_start:
        raise field_error("period_end", _("结束日期不能早于开始日期。"))
    before = _period_end(period_end)
    pending = (
        Allocation.objects.filter(statement__isnull=True, created_at__lt=before)
        .values_list("organization", flat=True)
        .distinct()
        .order_by("organization")
    )
    for org_id in pending:
        statement, _created = Statement.objects.get_or_create(
            organization_id=org_id,
            period_start=period_start,
            period_end=period_end,
            defaults={"total_fen": 0, "line_count": 0},
        )
        if statement.status != Statement.Status.ISSUED:
            continue
        Allocation.objects.filter(
            organization_id=org_id, statement__isnull=True, created_at__lt=before
        ).update(statement=statement)
        totals = statement.allocations.aggregate(
            total=Sum("amount_fen"), waived=Sum("waived_fen"), lines=Count("id")
        )
        Statement.objects.filter(pk=statement.pk).update(
            total_fen=totals["total"] or 0,
            waived_fen=totals["waived"] or 0,
            line_count=totals["lines"],
        )
    return list(
        Statement.objects.filter(period_start=period_start, period_end=period_end)
        .select_related("organization")
        .order_by("organization_id")
    )


@transaction.atomic
def pay_out(*, actor: User, statement: Statement) -> Statement:
    """The platform pays a statement: its total leaves the party's settlement account."""
    require_platform(actor)
    if statement.total_fen < 0:
        raise Conflict(
            _("该结算单净额为负（退款冲回大于分润），无需打款。"), code="negative_statement"
        )
    moved = Statement.objects.filter(pk=statement.pk, status=Statement.Status.ISSUED).update(
        status=Statement.Status.PAID, paid_at=timezone.now()
    )
    if not moved:
        raise Conflict(_("该结算单已打款。"), code="already_paid")
    posting = None
    if statement.total_fen:
        posting = ledger.post(
            debit=settlement_account(statement.organization),
            credit=ledger.system_account(
                asset_code=ledger.CNY, name=PAYOUT_ACCOUNT, kind=Account.Kind.EXTERNAL
            ),
            amount=statement.total_fen,
            idempotency_key=f"supply:payout:{statement.public_id}",
            kind="supply_payout",
            reference=statement.public_id,
        )
    Statement.objects.filter(pk=statement.pk).update(payout_posting=posting)
    statement.refresh_from_db()
    return statement
