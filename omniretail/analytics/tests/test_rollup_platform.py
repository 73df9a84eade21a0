"""The platform economics roll-up equals a brute-force pass over raw rows (points moved by
the loyalty services day by day, settlement lines, profit shares and a payout, group-buy
seats and referrals with refunds), built at once and incrementally; a second run changes
nothing."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from omniretail.accounts.models import User
from omniretail.analytics import rollup_platform
from omniretail.analytics.models import (
    DailyGroupBuy,
    DailyPoints,
    DailyReferral,
    DailySettlement,
)
from omniretail.groupbuy.models import Campaign, Group, Seat
from omniretail.groupbuy.models import Member as GroupMember
from omniretail.inventory.services import location_for_store
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Entry
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Conversion, SettlementLine
from omniretail.orders.models import Order
from omniretail.referrals.models import Attribution, Form, ShareLink, ShareVisit
from omniretail.supply import settlement as supply
from omniretail.supply.models import Allocation, Statement

PTS = ledger.PLATFORM_POINTS


def noon(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def local(t):
    return timezone.localdate(t)


class World:
    """Facts made day by day through the services where they exist (points, payouts), as
    raw rows where the flow would need a payment provider (seats, referred sales)."""

    def __init__(self, rng, merchants, store, sku, platform_staff):
        self.rng, self.merchants, self.store, self.sku = rng, merchants, store, sku
        self.staff = platform_staff
        self.users = [
            User.objects.create(username=f"p{i}", phone=f"1380000{i:04d}") for i in range(4)
        ]
        self.spends, self.n = [], 0

    def key(self):
        self.n += 1
        return f"t{self.n}"

    def points_day(self, day):
        rng = self.rng
        with freeze_time(noon(day)):
            loyalty.expire_due_lots()
            for user in self.users:
                loyalty.award_points(
                    user=user,
                    asset_code=PTS,
                    points=rng.randint(50, 200),
                    reason="order",
                    idempotency_key=self.key(),
                    source_org=rng.choice(self.merchants),
                    expires_on=day + timedelta(days=rng.choice([0, 1, 30])),
                )
                offline = loyalty.merchant_asset_code(self.merchants[0])
                loyalty.award_points(
                    user=user,
                    asset_code=offline,
                    points=rng.randint(10, 40),
                    reason="till",
                    idempotency_key=self.key(),
                )
                wallet = loyalty.wallet(user, PTS)
                if (have := loyalty.spendable(wallet)) > 10:
                    posting = loyalty.spend_points(
                        user=user,
                        asset_code=PTS,
                        points=rng.randint(1, have // 2),
                        reason="mall",
                        idempotency_key=self.key(),
                        spent_at_org=rng.choice(self.merchants),
                    )
                    self.spends.append(posting.public_id)
            if self.spends and rng.random() < 0.7:  # a refund of an earlier spend
                loyalty.refund_spend(
                    posting_id=self.spends.pop(rng.randrange(len(self.spends))),
                    idempotency_key=self.key(),
                    reason="退款",
                )

    def supply_day(self, day, sale_day=None):
        """A share dated by its sale (possibly earlier), posted today; a refund reversal."""
        with freeze_time(noon(day, 13)):
            org = self.rng.choice(self.merchants)
            account = supply.settlement_account(org)
            source = ledger.system_account(asset_code=ledger.CNY, name="supply-retail-sales")
            amount = self.rng.randint(100, 9000)
            posting = ledger.post(
                debit=source,
                credit=account,
                amount=amount,
                idempotency_key=self.key(),
                kind="supply_retail_share",
            )
            ref = self.key()
            at = noon(sale_day or day, 9)
            Allocation.objects.create(
                source_kind="retail",
                source_ref=ref,
                source_number=ref,
                party="retailer",
                organization=org,
                gross_fen=amount,
                amount_fen=amount,
                posting=posting,
                created_at=at,
            )
            if self.rng.random() < 0.4:
                Allocation.objects.create(
                    kind="refund",
                    sequence=1,
                    source_kind="retail",
                    source_ref=ref,
                    source_number=ref,
                    party="retailer",
                    organization=org,
                    gross_fen=amount,
                    amount_fen=-(amount // 3),
                    created_at=timezone.now(),
                )

    def pay_out(self, day):
        with freeze_time(noon(day, 15)):
            for s in supply.issue_statements(period_start=day - timedelta(days=5), period_end=day):
                if s.total_fen > 0:
                    supply.pay_out(actor=self.staff, statement=s)

    def new_campaign(self, number):
        return Campaign.objects.create(
            merchant=self.store.merchant,
            store=self.store,
            sku=self.sku,
            title=f"龙井拼团 {number}",
            quantity=10,
            group_price=Decimal("19.90"),
            group_size=3,
            winners_per_group=1,
            starts_at=timezone.now() - timedelta(days=30),
            ends_at=timezone.now() + timedelta(days=30),
            navigation_address="杭州市西湖区",
            phone="0571-88888888",
            consolation_points=20,
        )

    def groupbuy_day(self, day, number):
        rng = self.rng
        with freeze_time(noon(day, 10)):
            self.campaign = self.new_campaign(number)
            group = Group.objects.create(
                campaign=self.campaign,
                number=number,
                size=3,
                winners_count=1,
                seed="00",
                commitment="00",
            )
            members = []
            for i, user in enumerate(self.users[:3]):
                seat = Seat.objects.create(campaign=self.campaign, group=group, number=i + 1)
                paid = rng.random() < 0.9
                members.append(
                    GroupMember.objects.create(
                        campaign=self.campaign,
                        group=group,
                        seat=seat,
                        seat_number=i + 1,
                        shopper=user,
                        status="paid" if paid else "expired",
                        amount=Decimal("19.90"),
                        intent_id=self.key(),
                        pay_by=timezone.now() + timedelta(minutes=15),
                        paid_at=timezone.now() if paid else None,
                    )
                )
        with freeze_time(noon(day, 20)):
            won = members[0]
            Group.objects.filter(pk=group.pk).update(
                status="drawn", winners=[won.public_id], drawn_at=timezone.now()
            )
            for m in members[1:]:
                if m.paid_at:
                    GroupMember.objects.filter(pk=m.pk).update(
                        status="refunded", refunded_at=timezone.now(), consolation_points=20
                    )
            order = self.order(won.shopper, day)
            GroupMember.objects.filter(pk=won.pk).update(status="voucher_issued", order=order)
        if rng.random() < 0.6:
            Order.objects.filter(pk=order.pk).update(
                status=Order.Status.COMPLETED, completed_at=noon(day, 21)
            )

    def order(self, shopper, day):
        self.n += 1
        return Order.objects.create(
            number=f"E{self.n:08d}",
            merchant=self.store.merchant,
            store=self.store,
            location=location_for_store(self.store),
            shopper=shopper,
            fulfilment=Order.Fulfilment.PICKUP,
            status=Order.Status.PAID,
            subtotal=Decimal("19.90"),
            total=Decimal("19.90"),
            paid_at=noon(day),
        )

    def referral_day(self, day):
        rng = self.rng
        sharer, buyer = self.users[0], self.users[1]
        link, _ = ShareLink.objects.get_or_create(sharer=sharer, product=self.sku.product)
        with freeze_time(noon(day, 11)):
            ShareVisit.objects.create(link=link, visitor=buyer, visited_at=timezone.now())
            order = self.order(buyer, day)
            base = Decimal(rng.randint(20, 300))
            form = rng.choice([Form.CASH, Form.POINTS])
            Attribution.objects.create(
                order=order,
                product=self.sku.product,
                merchant=self.store.merchant,
                link=link,
                sharer=sharer,
                buyer=buyer,
                kind=rng.choice(["rebate", "commission"]),
                form=form,
                base=base,
                kept_base=base,
                amount=(base * Decimal("0.05")).quantize(Decimal("0.01")),
                points=int(base) if form == Form.POINTS else 0,
            )

    def refund_referral(self, day):
        """A refund today of an earlier referred sale: its sale day changes."""
        with freeze_time(noon(day, 16)):
            a = Attribution.objects.exclude(status="reversed").order_by("?").first()
            Attribution.objects.filter(pk=a.pk).update(
                kept_base=0,
                status="reversed",
                reversed_at=timezone.now(),
                clawed_back=a.amount,
                updated_at=timezone.now(),
            )


def _same(a, b):
    """Each table's rows, keyed, with only the differing keys shown on failure."""
    for x, y in zip(a, b, strict=True):
        diff = {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)}
        assert not diff, diff
    return True


def brute_force():
    """Straight passes over the raw rows, by local day."""
    points = defaultdict(lambda: defaultdict(int))
    converted = set(Conversion.objects.values_list("platform_posting_id", flat=True))
    columns = {
        "loyalty_award": "issued",
        "loyalty_refund": "returned",
        "loyalty_spend": "redeemed",
        "loyalty_expired": "expired",
        "loyalty_convert": "converted_out",
        "loyalty_clawback": "clawed_back",
    }
    for e in Entry.objects.select_related("account__asset", "posting"):
        a = e.account
        if a.owner_type != "user" or a.kind != Account.Kind.WALLET or a.asset.kind != "points":
            continue
        cell = points[(local(e.created_at), a.asset_id)]
        cell["net"] += e.amount
        column = columns.get(e.posting.kind)
        if e.posting_id in converted:
            column = "converted_in"
        if column:
            cell[column] += abs(e.amount)
    settle = defaultdict(lambda: defaultdict(int))
    for line in SettlementLine.objects.all():
        d = local(line.created_at)
        settle[(d, line.spender_id, line.issuer_id)]["receivable_points"] += line.points
        settle[(d, line.issuer_id, line.spender_id)]["payable_points"] += line.points
    for a in Allocation.objects.all():
        cell = settle[(local(a.created_at), a.organization_id, None)]
        cell["shares_fen" if a.kind == "share" else "reversed_fen"] += abs(a.amount_fen)
    for s in Statement.objects.filter(status="paid"):
        settle[(local(s.paid_at), s.organization_id, None)]["paid_out_fen"] += s.total_fen
    groups = defaultdict(lambda: defaultdict(int))
    for m in GroupMember.objects.select_related("order"):
        groups[(local(m.joined_at), m.campaign_id)]["joins"] += 1
        if m.paid_at:
            groups[(local(m.paid_at), m.campaign_id)]["paid"] += 1
            groups[(local(m.paid_at), m.campaign_id)]["paid_amount"] += m.amount
        if m.refunded_at and m.paid_at:
            cell = groups[(local(m.refunded_at), m.campaign_id)]
            cell["refunds"] += 1
            cell["refunded_amount"] += m.amount
            cell["consolation_points"] += m.consolation_points
        if m.order and m.order.completed_at:
            groups[(local(m.order.completed_at), m.campaign_id)]["redeemed"] += 1
    for g in Group.objects.filter(drawn_at__isnull=False):
        groups[(local(g.drawn_at), g.campaign_id)]["groups_drawn"] += 1
        groups[(local(g.drawn_at), g.campaign_id)]["winners"] += len(g.winners)
    refs = defaultdict(lambda: defaultdict(int))
    orders = defaultdict(set)
    for a in Attribution.objects.all():
        d = local(a.created_at)
        cell = refs[(d, a.merchant_id)]
        orders[(d, a.merchant_id)].add(a.order_id)
        cell["gmv"] += a.base
        cell["refunded"] += a.base - a.kept_base
        cell["commission" if a.kind == "commission" else "rebates"] += (
            a.amount if a.kind == "commission" or a.form == Form.CASH else 0
        )
        cell["rebate_points"] += a.points if a.form == Form.POINTS else 0
        cell["clawed_back"] += a.clawed_back
        cell["reversed"] += a.status == "reversed"
    for key, ids in orders.items():
        refs[key]["orders"] = len(ids)
    for v in ShareVisit.objects.select_related("link__product"):
        refs[(local(v.visited_at), v.link.product.owner_id)]["clicks"] += 1
    return (
        _clean(points),
        _clean(settle),
        _clean(groups),
        _clean(refs),
    )


def _clean(cells):
    return {
        k: {c: v for c, v in cell.items() if v} for k, cell in cells.items() if any(cell.values())
    }


def rolled_up():
    def row(r, fields):
        return {f: getattr(r, f) for f in fields if getattr(r, f)}

    points = {
        (r.day, r.asset_id): row(
            r,
            [
                "issued",
                "converted_in",
                "returned",
                "redeemed",
                "expired",
                "converted_out",
                "clawed_back",
                "net",
            ],
        )
        for r in DailyPoints.objects.all()
    }
    settle = {
        (r.day, r.org_id, r.counterparty_id): row(
            r,
            ["receivable_points", "payable_points", "shares_fen", "reversed_fen", "paid_out_fen"],
        )
        for r in DailySettlement.objects.all()
    }
    groups = {
        (r.day, r.campaign_id): row(
            r,
            [
                "joins",
                "paid",
                "paid_amount",
                "refunds",
                "refunded_amount",
                "groups_drawn",
                "winners",
                "redeemed",
                "consolation_points",
            ],
        )
        for r in DailyGroupBuy.objects.all()
    }
    refs = {
        (r.day, r.merchant_id): row(
            r,
            [
                "orders",
                "gmv",
                "refunded",
                "commission",
                "rebates",
                "rebate_points",
                "clawed_back",
                "reversed",
                "clicks",
            ],
        )
        for r in DailyReferral.objects.all()
    }
    return (
        {k: v for k, v in points.items() if v},
        {k: v for k, v in settle.items() if v},
        {k: v for k, v in groups.items() if v},
        {k: v for k, v in refs.items() if v},
    )


@pytest.fixture
def world(merchant, other_merchant, store, sku, platform_staff):
    return lambda seed: World(
        random.Random(seed), [merchant, other_merchant], store, sku, platform_staff
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_brute_force_at_once_and_incrementally(world, seed):
    w = world(seed)
    today = timezone.localdate()
    first = today - timedelta(days=12)
    for n in range(8):
        day = first + timedelta(days=n)
        w.points_day(day)
        w.supply_day(day, sale_day=day - timedelta(days=w.rng.choice([0, 0, 2])))
        w.groupbuy_day(day, n + 1)
        w.referral_day(day)
    w.pay_out(first + timedelta(days=6))
    w.refund_referral(first + timedelta(days=7))
    with freeze_time(noon(first + timedelta(days=8))):
        rollup_platform.rollup_platform_changes()
    assert _same(rolled_up(), brute_force())
    assert DailySettlement.objects.exclude(receivable_points=0).exists()
    assert DailyPoints.objects.exclude(expired=0).exists()
    assert DailyPoints.objects.exclude(returned=0).exists()

    # later days: new facts, a refund of an old referred sale, a share dated days back
    for n in range(8, 11):
        day = first + timedelta(days=n)
        w.points_day(day)
        w.groupbuy_day(day, n + 1)
        w.referral_day(day)
    w.supply_day(first + timedelta(days=10), sale_day=first + timedelta(days=3))
    w.refund_referral(first + timedelta(days=10))
    w.pay_out(first + timedelta(days=10))
    with freeze_time(noon(first + timedelta(days=10), 23)):
        rollup_platform.rollup_platform_changes()
    assert _same(rolled_up(), brute_force())

    before = rolled_up()
    with freeze_time(noon(first + timedelta(days=10), 23)):
        rollup_platform.rollup_platform_changes()  # nothing new: the same rows
        rollup_platform.rollup_platform_day(first + timedelta(days=3))
    assert rolled_up() == before
