"""The marketing roll-up equals a brute-force pass over raw members, orders, coupons,
referrals and ledger entries (refunds in part and in full, cancelled orders, platform
coupons, clawed-back commission, points spent, put back and expired), built in one go and
then incrementally; a second run changes nothing."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from omniretail.accounts.models import Organization, User
from omniretail.analytics import rollup_marketing
from omniretail.analytics.models import DailyBuyer, DailyCoupons, DailyMarketing, FirstPurchase
from omniretail.analytics.report_marketing import marketing_report
from omniretail.analytics.selectors import Period
from omniretail.inventory.services import location_for_store
from omniretail.ledger.models import Account, Entry
from omniretail.loyalty import services as points
from omniretail.loyalty.models import Coupon, CouponTemplate, Lot, Member
from omniretail.orders.models import Order
from omniretail.referrals.models import Attribution, ShareLink

S = Order.Status
local = timezone.localdate


class World:
    def __init__(self, rng, stores, product):
        self.rng, self.stores, self.product, self.n = rng, stores, product, 0
        self.users = [User.objects.create(username=f"mk{i}", phone=None) for i in range(12)]
        self.templates = {}
        for store in stores:
            m = store.merchant
            self.templates[m.pk] = [
                CouponTemplate.objects.create(
                    org=m, name=f"{m.name}满100减{k}", kind="amount", amount_off=k, valid_days=30
                )
                for k in (10, 20)
            ]
        self.platform_template = CouponTemplate.objects.create(
            org=None, name="平台新人券", kind="amount", amount_off=5, valid_days=30
        )

    def next(self) -> int:
        self.n += 1
        return self.n

    def member(self, at):
        user, store = self.rng.choice(self.users), self.rng.choice(self.stores)
        member, created = Member.objects.get_or_create(user=user, org=store.merchant)
        if created:
            Member.objects.filter(pk=member.pk).update(created_at=at)

    def coupon(self, user, template, at):
        n = self.next()
        coupon = Coupon.objects.create(
            template=template,
            user=user,
            org=template.org,
            seq=n,
            source=Coupon.Source.STAFF,
            valid_until=at + timedelta(days=30),
            issue_key=f"mk:{n}",
        )
        Coupon.objects.filter(pk=coupon.pk).update(created_at=at)
        return coupon

    def order(self, paid_at, *, refund=None):
        rng, n = self.rng, self.next()
        store, user = rng.choice(self.stores), rng.choice([*self.users, None])
        subtotal = Decimal(rng.randint(50, 500))
        discount, lines = Decimal(0), []
        if user is not None and rng.random() < 0.4:
            template = rng.choice([*self.templates[store.merchant.pk], self.platform_template])
            coupon = self.coupon(user, template, (paid_at or timezone.now()) - timedelta(hours=5))
            discount = template.amount_off
            lines = [
                {
                    "kind": "coupon",
                    "label": template.name,
                    "amount": str(discount),
                    "coupon": coupon.public_id,
                }
            ]
            if paid_at:
                Coupon.objects.filter(pk=coupon.pk).update(
                    status="used", order_id=f"o{n}", used_at=paid_at
                )
        total = subtotal - discount
        order = Order.objects.create(
            number=f"MK{n:08d}",
            merchant=store.merchant,
            store=store,
            location=location_for_store(store),
            shopper=user,
            fulfilment=Order.Fulfilment.PICKUP,
            status=S.PAID if paid_at else S.CANCELLED,
            subtotal=subtotal,
            discount_total=discount,
            discount_lines=lines,
            total=total,
            paid_at=paid_at,
        )
        if paid_at and user is not None and rng.random() < 0.3:
            sharer = rng.choice([u for u in self.users if u != user])
            link, _ = ShareLink.objects.get_or_create(sharer=sharer, product=self.product)
            credited = rng.random() < 0.5
            Attribution.objects.create(
                order=order,
                product=self.product,
                merchant=store.merchant,
                link=link,
                sharer=sharer,
                buyer=user,
                kind=Attribution.Kind.REBATE,
                form="cash",
                status=Attribution.Status.CREDITED if credited else Attribution.Status.PENDING,
                base=total,
                kept_base=total,
                rate=Decimal("0.05"),
                amount=(total * Decimal("0.05")).quantize(Decimal("0.01")) if credited else 0,
            )
        if paid_at and refund:
            self.refund(order, refund)
        return order

    def refund(self, order, whole: bool):
        """What a refund leaves on the order and its referral: the amount refunded, and the
        attribution's kept base, clawback (credited) or reversal (refunded in full)."""
        amount = order.total if whole else (order.total / 2).quantize(Decimal("0.01"))
        Order.objects.filter(pk=order.pk).update(
            amount_refunded=amount, status=S.REFUNDED if whole else order.status
        )
        for a in Attribution.objects.filter(order=order):
            kept = a.base - amount
            changes = {"kept_base": kept, "updated_at": timezone.now()}
            if a.status == Attribution.Status.CREDITED:
                changes["clawed_back"] = a.amount - (kept * a.rate).quantize(Decimal("0.01"))
            if kept <= 0:
                changes["status"] = Attribution.Status.REVERSED
            Attribution.objects.filter(pk=a.pk).update(**changes)

    def points(self, at):
        """One points event of a merchant's own points, moved to `at` (the ledger is append
        only, so its timestamps are set in SQL)."""
        rng, n = self.rng, self.next()
        store, user = rng.choice(self.stores), rng.choice(self.users)
        code = points.merchant_asset_code(store.merchant)
        wallet = points.wallet(user, code)
        balance = points.spendable(wallet)
        choice = rng.random()
        if balance >= 10 and choice < 0.35:
            posting = points.spend_points(
                user=user, asset_code=code, points=10, reason="兑换", idempotency_key=f"s{n}"
            )
            if rng.random() < 0.3:
                back = points.refund_spend(
                    posting_id=posting.public_id, idempotency_key=f"b{n}", reason="退款"
                )
                self._move(back, at)
        elif balance and choice < 0.45:
            lot = Lot.objects.filter(account=wallet, remaining__gt=0).first()
            posting = points.expire_lot(lot) if lot else None
        else:
            posting = points.award_points(
                user=user,
                asset_code=code,
                points=rng.randint(5, 50),
                reason="消费奖励",
                idempotency_key=f"a{n}",
            )
        if posting is not None:
            self._move(posting, at)

    def _move(self, posting, at):
        with connection.cursor() as c:
            c.execute(
                "UPDATE ledger_entry SET created_at = %s WHERE posting_id = %s", [at, posting.pk]
            )
            c.execute("UPDATE ledger_posting SET created_at = %s WHERE id = %s", [at, posting.pk])


def _brute_force():
    """Row by row over everything, with Python's own day of each timestamp."""
    marketing = defaultdict(lambda: defaultdict(int))
    buyers = defaultdict(lambda: {"orders": 0, "net": Decimal(0)})
    coupons = defaultdict(lambda: defaultdict(int))
    for m in Member.objects.all():
        marketing[(local(m.created_at), m.org_id)]["new_members"] += 1
    templates = {c.public_id: c.template_id for c in Coupon.objects.all()}
    for c in Coupon.objects.filter(org__isnull=False):
        coupons[(local(c.created_at), c.org_id, c.template_id)]["issued"] += 1
    for o in Order.objects.filter(paid_at__isnull=False):
        day = local(o.paid_at)
        whole = o.amount_refunded > 0 and o.amount_refunded == o.total
        if o.shopper_id and not whole:
            b = buyers[(day, o.merchant_id, o.shopper_id)]
            b["orders"] += 1
            b["net"] += o.total - o.amount_refunded
        for line in o.discount_lines:
            c = coupons[(day, o.merchant_id, templates[line["coupon"]])]
            c["used"] += 1
            c["gmv"] += o.total
            c["refunded"] += o.amount_refunded
            c["discount"] += 0 if whole else Decimal(line["amount"])
        attributions = list(Attribution.objects.filter(order=o))
        for a in attributions:
            row = marketing[(day, o.merchant_id)]
            row["referred_gmv"] += a.base
            row["referred_refunded"] += a.base - a.kept_base
            if a.status == "credited":
                row["referral_cost"] += a.amount - a.clawed_back
        if any(a.kept_base > 0 for a in attributions):
            marketing[(day, o.merchant_id)]["referred_orders"] += 1
    merchants = {
        points.merchant_asset_code(o): o.pk for o in Organization.objects.filter(kind="merchant")
    }
    for e in Entry.objects.select_related("posting", "account__asset"):
        if e.account.kind != Account.Kind.WALLET or e.account.asset.code not in merchants:
            continue
        row = marketing[(local(e.created_at), merchants[e.account.asset.code])]
        kind = e.posting.kind
        if kind in ("loyalty_award", "loyalty_clawback"):
            row["points_issued"] += e.amount
        elif kind in ("loyalty_spend", "loyalty_convert", "loyalty_refund"):
            row["points_redeemed"] -= e.amount
        elif kind == "loyalty_expired":
            row["points_expired"] -= e.amount
        else:
            row["points_other"] += e.amount
    first = {}
    for day, m, s in sorted(buyers):
        first.setdefault((m, s), day)

    def nonzero(table):
        rows = {k: {f: v for f, v in row.items() if v} for k, row in table.items()}
        return {k: row for k, row in rows.items() if row}

    return nonzero(marketing), dict(buyers), nonzero(coupons), first


MARKETING = [
    "new_members",
    "referred_orders",
    "referred_gmv",
    "referred_refunded",
    "referral_cost",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_other",
]


def _rolled_up():
    def figures(row, names):
        return {f: getattr(row, f) for f in names if getattr(row, f)}

    return (
        {
            (r.day, r.merchant_id): figures(r, MARKETING)
            for r in DailyMarketing.objects.all()
            if figures(r, MARKETING)
        },
        {
            (r.day, r.merchant_id, r.shopper_id): {"orders": r.orders, "net": r.net}
            for r in DailyBuyer.objects.all()
        },
        {
            (r.day, r.merchant_id, r.template_id): figures(
                r, ["issued", "used", "discount", "gmv", "refunded"]
            )
            for r in DailyCoupons.objects.all()
        },
        {(r.merchant_id, r.shopper_id): r.day for r in FirstPurchase.objects.all()},
    )


def _check():
    """Table by table, so a difference names its table."""
    for got, want in zip(_rolled_up(), _brute_force(), strict=True):
        assert {k: got.get(k) for k in set(got) | set(want) if got.get(k) != want.get(k)} == {
            k: want.get(k) for k in set(got) | set(want) if got.get(k) != want.get(k)
        }


def _liability(merchant) -> int:
    return sum(
        Account.objects.filter(
            asset__code=points.merchant_asset_code(merchant), kind=Account.Kind.WALLET
        ).values_list("balance", flat=True)
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_marketing_rollup_equals_brute_force_at_once_and_incrementally(
    seed, store, other_store, foreign_store, sku
):
    rng = random.Random(seed)
    world = World(rng, [store, other_store, foreign_store], sku.product)
    now = timezone.now()

    def ago():
        return now - timedelta(minutes=rng.randint(60, 43_200))

    for _ in range(20):
        world.member(ago())
    orders = []
    for _ in range(70):  # a month of sales, some never paid, some refunded in part or full
        paid_at = None if rng.random() < 0.15 else ago()
        refund = rng.choice([None, None, None, True, False])
        orders.append(world.order(paid_at, refund=refund))
    for _ in range(60):
        world.points(ago())
    rollup_marketing.rollup_marketing()
    _check()

    # later: members join, new sales, refunds now of old sales (their sale days change)
    for _ in range(3):
        world.member(timezone.now())
    for order in rng.sample([o for o in orders if o.paid_at and not o.amount_refunded], 5):
        world.refund(order, rng.random() < 0.5)
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    for _ in range(8):
        world.order(timezone.now())
    for _ in range(10):
        world.points(timezone.now())
    rollup_marketing.rollup_marketing()
    _check()

    before = _rolled_up()
    rollup_marketing.rollup_marketing()  # nothing new: the same rows
    rollup_marketing.rollup_day(local(now))
    assert _rolled_up() == before

    # the report's liability at today is what members' wallets hold
    report = marketing_report(store.merchant, Period(local(now) - timedelta(days=29), local(now)))
    assert report["figures"]["points_liability"]["value"] == _liability(store.merchant)
    assert report["daily"][-1]["points_liability"] == _liability(store.merchant)
    assert (
        report["figures"]["members"]["value"] == Member.objects.filter(org=store.merchant).count()
    )
