"""Every write that moves points: awards create a lot that expires, spends draw the
soonest-expiring lots, refunds put the drawn points back, and the expiry sweep moves what is
left of a lapsed lot to the breakage account. All of it is postings on the double-entry
ledger (`ledger.services.post`): a balance changes only by an explicit posting, never
because a date passed.

Lots of one wallet change only while its ledger row is locked by the posting's conditional
UPDATE (every path posts first, then touches lots), so two spends cannot draw the same lot."""

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core import reads
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Asset, Posting
from omniretail.loyalty.models import Draw, EarnRule, JoiningReward, Lot, SettlementLine, Spend

PLATFORM_POINTS = ledger.PLATFORM_POINTS
MERCHANT_PREFIX = "PTS:ORG:"
ISSUER = "loyalty-issuer"
REDEEMED = "loyalty-redeemed"
BREAKAGE = "loyalty-breakage"
KEY_PREFIX = "loyalty:"
MAX_POINTS = 10**9


class PointsExpired(Conflict):
    code = "points_expired"
    default_message = _("部分积分已过期，不能使用。")


# --- accounts ---------------------------------------------------------------------------


def merchant_asset_code(org: Organization) -> str:
    """The asset of one merchant's offline points (a ULID keeps it within 40 characters)."""
    return f"{MERCHANT_PREFIX}{org.public_id}"


def asset_org(asset_code: str) -> Organization | None:
    """The merchant whose offline points `asset_code` counts; None for platform points."""
    if asset_code == PLATFORM_POINTS:
        return None
    if asset_code.startswith(MERCHANT_PREFIX):
        org = Organization.objects.filter(
            public_id=asset_code[len(MERCHANT_PREFIX) :], kind=Organization.Kind.MERCHANT
        ).first()
        if org is not None:
            return org
    raise field_error("asset_code", _("未知的积分类型。"))


def wallet(user, asset_code: str) -> Account:
    org = asset_org(asset_code)
    account = ledger.get_or_create_account(asset_code=asset_code, owner=user)
    if org is not None and account.asset.name != org.name:
        # The ledger names an asset after its code; a merchant's points carry its name.
        Asset.objects.filter(pk=account.asset_id).update(name=org.name)
    return account


def clearing_account(org: Organization, asset_code: str) -> Account:
    """The merchant's clearing account for an asset, kept by the platform: negative for
    platform points issued against the merchant, positive for points spent on its goods."""
    return ledger.system_account(asset_code=asset_code, name=f"clearing:{org.public_id}")


def breakage_account(asset_code: str) -> Account:
    return ledger.system_account(asset_code=asset_code, name=BREAKAGE, kind=Account.Kind.BREAKAGE)


def issuing_account(asset_code: str, source_org: Organization | None = None) -> Account:
    """Where awarded points come from and reclaimed points go back to: the issuing
    merchant's clearing account, or the platform's issuer."""
    org = asset_org(asset_code) or source_org
    if org is not None:
        return clearing_account(org, asset_code)
    return ledger.system_account(asset_code=asset_code, name=ISSUER, kind=Account.Kind.EXTERNAL)


def _check_points(points) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_POINTS:
        raise field_error("points", _("积分必须是 1 到 10 亿之间的整数。"))
    return points


def _key(idempotency_key: str) -> str:
    if not idempotency_key:
        raise field_error("idempotency_key", _("幂等键不能为空。"))
    return f"{KEY_PREFIX}{idempotency_key}"


# --- award / spend / refund ----------------------------------------------------------------


def award_points(
    *,
    user,
    asset_code: str,
    points: int,
    reason: str,
    idempotency_key: str,
    expires_on: date | None = None,
    source_org: Organization | None = None,
) -> Posting:
    """Credit `points` to the member as one lot expiring on `expires_on` (default: after
    OMNI_POINTS_VALID_DAYS). Platform points with a `source_org` are issued against that
    merchant (its clearing account), which settlement later charges."""
    _check_points(points)
    today = timezone.localdate()
    expires_on = expires_on or today + timedelta(days=settings.OMNI_POINTS_VALID_DAYS)
    if expires_on < today:
        raise field_error("expires_on", _("到期日不能早于今天。"))
    target = wallet(user, asset_code)
    source = issuing_account(asset_code, source_org)
    with transaction.atomic():
        posting = ledger.post(
            debit=source,
            credit=target,
            amount=points,
            idempotency_key=_key(idempotency_key),
            kind="loyalty_award",
            reference=reason[:120],
            memo={"expires_on": expires_on.isoformat()},
        )
        if posting.memo.get("expires_on") != expires_on.isoformat():
            # The ledger's fingerprint does not cover the memo: a replay must match it too.
            raise Conflict(
                _("该幂等键已用于另一笔记账。"),
                code="idempotency_key_reused",
                fields={"idempotency_key": _("已用于另一笔记账")},
            )
        if not Lot.objects.filter(posting=posting).exists():
            Lot.objects.create(
                account=target,
                posting=posting,
                points=points,
                remaining=points,
                expires_on=expires_on,
                source_org=asset_org(asset_code) or source_org,
            )
    return posting


def spend_points(
    *,
    user,
    asset_code: str,
    points: int,
    reason: str,
    idempotency_key: str,
    spent_at_org: Organization | None = None,
) -> Posting:
    """Debit `points`, drawing the soonest-expiring lots first. Refused with 409
    `insufficient_funds` (balance too low) or `points_expired` (only lapsed points left)."""
    credit = (
        clearing_account(spent_at_org, asset_code)
        if spent_at_org is not None
        else ledger.system_account(asset_code=asset_code, name=REDEEMED)
    )
    return debit_points(
        account=wallet(user, asset_code),
        credit=credit,
        points=points,
        kind=Spend.Kind.SPEND,
        reason=reason,
        idempotency_key=idempotency_key,
        spent_at_org=spent_at_org,
    )


def reclaim_points(
    *,
    user,
    asset_code: str,
    points: int,
    reason: str,
    idempotency_key: str,
    source_org: Organization | None = None,
) -> Posting:
    """Take back points of a reversed reward; refused like a spend when they are gone."""
    return debit_points(
        account=wallet(user, asset_code),
        credit=issuing_account(asset_code, source_org),
        points=points,
        kind=Spend.Kind.CLAWBACK,
        reason=reason,
        idempotency_key=idempotency_key,
    )


def spendable(account: Account, *, today: date | None = None) -> int:
    """Points in lots that have not expired (the balance may still hold lapsed lots the
    sweep has not reached)."""
    today = today or timezone.localdate()
    total = Lot.objects.filter(account=account, expires_on__gte=today).aggregate(
        s=Sum("remaining")
    )["s"]
    return total or 0


def debit_points(
    *,
    account: Account,
    credit: Account,
    points: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    spent_at_org: Organization | None = None,
) -> Posting:
    """One debit of a points wallet with its lot draws, in one transaction."""
    _check_points(points)
    today = timezone.localdate()
    with transaction.atomic():
        posting = ledger.post(
            debit=account,
            credit=credit,
            amount=points,
            idempotency_key=_key(idempotency_key),
            kind=f"loyalty_{kind}",
            reference=reason[:120],
        )
        if Spend.objects.filter(posting=posting).exists():
            return posting  # a replay: the draws were made the first time
        # The posting's UPDATE holds the wallet row: lots cannot change under us.
        if spendable(account, today=today) < points:
            raise PointsExpired(fields={"points": _("可用积分不足（部分已过期）")})
        spend = Spend.objects.create(
            posting=posting, account=account, kind=kind, points=points, spent_at_org=spent_at_org
        )
        _draw(spend, today)
    return posting


def _draw(spend: Spend, today: date) -> None:
    need = spend.points
    lots = (
        Lot.objects.filter(account=spend.account, remaining__gt=0, expires_on__gte=today)
        .select_related("source_org")
        .order_by("expires_on", "id")
    )
    draws, lines = [], []
    for lot in lots:
        take = min(need, lot.remaining)
        Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - take)
        draws.append(Draw(spend=spend, lot=lot, points=take))
        issuer, spender = lot.source_org_id, spend.spent_at_org_id
        if issuer and spender and issuer != spender:
            lines.append((issuer, spender, take))
        need -= take
        if need == 0:
            break
    Draw.objects.bulk_create(draws)
    _settle(lines, spend.posting, sign=1)


def _settle(lines, posting: Posting, *, sign: int) -> None:
    if not lines or _asset_code(posting.asset_id) != PLATFORM_POINTS:
        return
    now = timezone.now()
    SettlementLine.objects.bulk_create(
        SettlementLine(
            issuer_id=issuer, spender_id=spender, points=sign * n, posting=posting, created_at=now
        )
        for issuer, spender, n in lines
    )


def _asset_code(asset_id: int) -> str:
    return Asset.objects.values_list("code", flat=True).get(pk=asset_id)


def refund_spend(
    *, posting_id: str, idempotency_key: str, reason: str, points: int | None = None
) -> Posting:
    """Put back `points` of a spend (None: all it has left), as lots with the expiry dates
    they were drawn from (a lot already past its date is then swept to breakage like any
    other). Parts go back in the order the spend drew its lots, so parts that add up to the
    spend put back exactly what it drew. Once per key; 409 `already_refunded` when more is
    asked than the spend has left."""
    spend = (
        Spend.objects.select_related("posting__credit", "account")
        .filter(posting__public_id=posting_id, kind=Spend.Kind.SPEND)
        .first()
    )
    if spend is None:
        raise NotFound(_("找不到该积分消费。"), fields={"posting_id": _("不存在")})
    if points is not None:
        _check_points(points)
    with transaction.atomic():
        # Lock the spend first: its `refunded` says which points of its draws come back.
        spend = Spend.objects.select_for_update().get(pk=spend.pk)
        share = spend.points - spend.refunded if points is None else points
        if not share or share > spend.points - spend.refunded:
            if (done := _put_back(spend, idempotency_key)) is not None:
                return done
            raise Conflict(_("该积分消费已退回。"), code="already_refunded")
        posting = ledger.post(
            debit=spend.posting.credit,
            credit=spend.account,
            amount=share,
            idempotency_key=_key(idempotency_key),
            kind="loyalty_refund",
            reference=f"refund:{spend.posting.public_id}",
            memo={"reason": reason[:200]},
        )
        if Lot.objects.filter(posting=posting).exists():
            return posting  # a replay: the points went back the first time
        _return_draws(spend, posting, start=spend.refunded, points=share)
        whole = spend.refunded + share == spend.points
        Spend.objects.filter(pk=spend.pk).update(
            refunded=F("refunded") + share, refund_posting=posting if whole else None
        )
    return posting


def _put_back(spend: Spend, idempotency_key: str) -> Posting | None:
    """The refund of this spend already made under the key, if any."""
    return (
        Posting.objects.filter(
            idempotency_key=_key(idempotency_key), reference=f"refund:{spend.posting.public_id}"
        )
        .order_by()
        .first()
    )


def _return_draws(spend: Spend, posting: Posting, *, start: int, points: int) -> None:
    """Lots for points [start, start + points) of what the spend drew, lot by lot, and the
    settlement lines of those points negated."""
    lots, lines, seen = [], [], 0
    for draw in spend.draws.select_related("lot").order_by("id"):
        lo, hi = max(start, seen), min(start + points, seen + draw.points)
        seen += draw.points
        if hi <= lo:
            continue
        lots.append(
            Lot(
                account=spend.account,
                posting=posting,
                points=hi - lo,
                remaining=hi - lo,
                expires_on=draw.lot.expires_on,
                source_org_id=draw.lot.source_org_id,
            )
        )
        issuer, spender = draw.lot.source_org_id, spend.spent_at_org_id
        if issuer and spender and issuer != spender:
            lines.append((issuer, spender, hi - lo))
    Lot.objects.bulk_create(lots)
    _settle(lines, posting, sign=-1)


# --- expiry ----------------------------------------------------------------------------------


def expire_lot(lot: Lot) -> Posting | None:
    """Move what is left of a lapsed lot to breakage, once (the key is the lot's id). An
    expired lot is never drawn, so its `remaining` cannot change before we post it."""
    if lot.remaining == 0 or lot.expired_posting_id:
        return None
    asset_code = _asset_code(lot.account.asset_id)
    with transaction.atomic():
        posting = ledger.post(
            debit=lot.account,
            credit=breakage_account(asset_code),
            amount=lot.remaining,
            idempotency_key=_key(f"expire:{lot.public_id}"),
            kind="loyalty_expired",
            reference=f"lot:{lot.public_id}",
        )
        Lot.objects.filter(pk=lot.pk, expired_posting__isnull=True).update(
            remaining=0, expired_posting=posting
        )
    return posting


def expire_due_lots(*, today: date | None = None, limit: int = 500) -> int:
    """The housekeeping sweep: lots whose last valid day has passed."""
    today = today or timezone.localdate()
    due = Lot.objects.filter(
        expires_on__lt=today, remaining__gt=0, expired_posting__isnull=True
    ).select_related("account")[:limit]
    return sum(1 for lot in due if expire_lot(lot))


# --- earn rules ------------------------------------------------------------------------------


def set_earn_rule(
    *,
    org: Organization,
    kind: str,
    points: int,
    product=None,
    tiers: dict | None = None,
    target: str = EarnRule.Target.PLATFORM,
    is_active: bool = True,
) -> EarnRule:
    """Create or replace the merchant's (or one product's) rule for `kind`."""
    if kind not in EarnRule.Kind.values:
        raise field_error("kind", _("未知的积分规则类型。"))
    if target not in EarnRule.Target.values:
        raise field_error("target", _("未知的积分类型。"))
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= 100000:
        raise field_error("points", _("积分必须是 0 到 100000 之间的整数。"))
    clean_tiers = _clean_tiers(tiers or {}) if kind == EarnRule.Kind.PER_ITEM else {}
    rule, _created = EarnRule.objects.update_or_create(
        org=org,
        kind=kind,
        product=product,
        defaults={"points": points, "tiers": clean_tiers, "target": target, "is_active": is_active},
    )
    return rule


def _clean_tiers(tiers: dict) -> dict:
    clean = {}
    for count, pts in tiers.items():
        try:
            n = int(count)
        except (TypeError, ValueError):
            n = 0
        if n < 1 or n > 1000 or isinstance(pts, bool) or not isinstance(pts, int) or pts < 0:
            raise field_error("tiers", _("数量阶梯应为「件数: 积分」，件数与积分为非负整数。"))
        clean[str(n)] = pts
    return clean


def rule_for(*, kind: str, org: Organization, product=None) -> EarnRule | None:
    """The product's own active rule, else the merchant's."""
    rules = EarnRule.objects.filter(org=org, kind=kind, is_active=True)
    if product is not None:
        own = rules.filter(product=product).first()
        if own is not None:
            return own
    return rules.filter(product__isnull=True).first()


def points_for_event(*, kind: str, org: Organization, product=None) -> int:
    """Points one event earns (first_scan, scan, share, signup, birthday); 0 without a rule."""
    if kind not in EarnRule.Kind.values or kind in (EarnRule.Kind.PER_ITEM, "per_yuan"):
        raise field_error("kind", _("未知的积分事件。"))
    rule = rule_for(kind=kind, org=org, product=product)
    return rule.points if rule else 0


def asset_for_event(*, kind: str, org: Organization, product=None) -> str:
    """Which asset the rule pays in: platform points or the merchant's offline points."""
    rule = rule_for(kind=kind, org=org, product=product)
    return rule_asset(rule, org) if rule is not None else PLATFORM_POINTS


def points_for_items(rule: EarnRule, quantity: int) -> int:
    """Identical items: the biggest tiers that fit first, the rest at the per-item rate
    (tiers {1: 1, 2: 3}: one item earns 1, two earn 3, three earn 4)."""
    total, left = 0, quantity
    for count, pts in sorted(((int(c), p) for c, p in rule.tiers.items()), reverse=True):
        total += (left // count) * pts
        left %= count
    return total + left * rule.points


def rule_asset(rule: EarnRule, org: Organization) -> str:
    """The asset `org`'s rule pays in: platform points or the merchant's offline points."""
    if rule.target == EarnRule.Target.OFFLINE:
        return merchant_asset_code(org)
    return PLATFORM_POINTS


def points_for_purchase(*, org: Organization, lines, amount: Decimal) -> dict[str, int]:
    """What a purchase at `org` earns, per asset code: each (product id, quantity) line by
    its per-item rule (a product's own beats the merchant's, as `rule_for`; quantity tiers
    for identical items), plus the per-yuan rule on the whole yuan paid. The till's preview
    and the paid order's award (earning) both count with this one function, which reads the
    rules in one plain statement (every paid order counts)."""
    products = [product_id for product_id, _quantity in lines]
    theirs = f" OR t0.product_id IN ({', '.join(['%s'] * len(products))})" if products else ""
    rules = reads.where(
        EarnRule,
        "t0.org_id = %s AND t0.is_active AND t0.kind IN (%s, %s)"
        f" AND (t0.product_id IS NULL{theirs})",
        [org.pk, EarnRule.Kind.PER_ITEM, EarnRule.Kind.PER_YUAN, *products],
    )
    by_key = {(rule.kind, rule.product_id): rule for rule in rules}
    earned: dict[str, int] = {}
    for product_id, quantity in lines:
        rule = by_key.get((EarnRule.Kind.PER_ITEM, product_id)) or by_key.get(
            (EarnRule.Kind.PER_ITEM, None)
        )
        if rule is not None:
            code = rule_asset(rule, org)
            earned[code] = earned.get(code, 0) + points_for_items(rule, quantity)
    per_yuan = by_key.get((EarnRule.Kind.PER_YUAN, None))
    if per_yuan is not None:
        code = rule_asset(per_yuan, org)
        whole = int(amount.to_integral_value(rounding=ROUND_FLOOR))
        earned[code] = earned.get(code, 0) + whole * per_yuan.points
    return earned


# --- joining reward --------------------------------------------------------------------------


def grant_joining_reward(*, org: Organization) -> JoiningReward:
    """Platform points for a merchant joining the online mall, once per merchant."""
    if org.kind != Organization.Kind.MERCHANT:
        raise field_error("org", _("只有商家可以领取入驻奖励。"))
    with transaction.atomic():
        posting = award_points(
            user=org,
            asset_code=PLATFORM_POINTS,
            points=settings.OMNI_JOINING_REWARD_POINTS,
            reason=_("入驻线上商城奖励"),
            idempotency_key=f"joining:{org.public_id}",
        )
        reward, _created = JoiningReward.objects.get_or_create(
            org=org, defaults={"posting": posting}
        )
    return reward
