"""Segments a merchant defines by rules (docs/analytics.md): each rule narrows the merchant's
members and the rules combine with AND. Rules are stored as a list of small dicts, checked
here before a preview or a save, and evaluated into a query of `loyalty.Member` each time a
segment is read, so a segment always follows today's facts."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.analytics.models import MemberScore, Segment
from omniretail.analytics.services import day_bounds
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Category
from omniretail.core.errors import ValidationFailed
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty.models import Member, MemberTag
from omniretail.orders.models import Order, OrderLine

MAX_DAYS = 3650
MAX_RULES = 12
PURCHASE_FIELDS = ("bought_category", "not_bought_category")
FIELDS = ("tier", "visited_within", "spend_over", "birthday_month", "tag", "rfm", *PURCHASE_FIELDS)


def _days(rule: dict, errors: list) -> int | None:
    try:
        days = int(rule.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        errors.append(_("天数须为 1 到 %(max)s 的整数。") % {"max": MAX_DAYS})
        return None
    return days


def clean(merchant, rules) -> list[dict]:
    """The rules, checked and normalised; anything wrong is one 422 listing every bad rule
    (field `rules`), and nothing is read or written."""
    if not isinstance(rules, list) or not rules:
        raise ValidationFailed(fields={"rules": _("请至少设置一条规则。")})
    if len(rules) > MAX_RULES:
        raise ValidationFailed(fields={"rules": _("规则最多 %(n)s 条。") % {"n": MAX_RULES}})
    errors: list[str] = []
    out = []
    for rule in rules:
        field = rule.get("field") if isinstance(rule, dict) else None
        if field not in FIELDS:
            errors.append(_("未知的规则字段：%(field)s。") % {"field": field})
            continue
        if field == "tier":
            tier = str(rule.get("value") or "").strip()
            if tier not in loyalty.tier_names(merchant):
                errors.append(_("没有这个会员等级：%(tier)s。") % {"tier": tier})
                continue
            out.append({"field": field, "value": tier})
        elif field == "visited_within":
            if (days := _days(rule, errors)) is not None:
                out.append({"field": field, "days": days})
        elif field == "spend_over":
            days = _days(rule, errors)
            try:
                amount = Decimal(str(rule.get("amount"))).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                amount = Decimal(-1)
            if not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
                errors.append(_("消费金额须为 0 到 1 亿元之间的数字。"))
            elif days is not None:
                out.append({"field": field, "amount": str(amount), "days": days})
        elif field == "birthday_month":
            try:
                month = int(rule.get("month"))
            except (TypeError, ValueError):
                month = 0
            if not 1 <= month <= 12:
                errors.append(_("生日月份须为 1 到 12。"))
                continue
            out.append({"field": field, "month": month})
        elif field == "tag":
            name = str(rule.get("value") or "").strip()
            if not MemberTag.objects.filter(org=merchant, name=name).exists():
                errors.append(_("没有这个会员标签：%(tag)s。") % {"tag": name})
                continue
            out.append({"field": field, "value": name})
        elif field == "rfm":
            if rule.get("value") not in Segment.values:
                errors.append(_("没有这个 RFM 分群：%(s)s。") % {"s": rule.get("value")})
                continue
            out.append({"field": field, "value": rule["value"]})
        elif field in PURCHASE_FIELDS:
            days = _days(rule, errors)
            slug = str(rule.get("category") or "").strip()
            if not slug:
                errors.append(_("请选择商品分类。"))
            elif not Category.objects.filter(slug=slug, is_active=True).exists():
                errors.append(_("没有这个商品分类：%(c)s。") % {"c": slug})
            elif days is not None:
                out.append({"field": field, "category": slug, "days": days})
    if errors:
        raise ValidationFailed(fields={"rules": errors})
    return out


def _since(days: int):
    """The start of the local day `days - 1` days before today: "within 7 days" is today and
    the six days before."""
    start, _end = day_bounds(timezone.localdate() - timedelta(days=days - 1))
    return start


def _paid(merchant, days: int):
    return Order.objects.filter(
        merchant=merchant,
        shopper__isnull=False,
        paid_at__gte=_since(days),
        amount_refunded__lt=F("total"),  # a fully refunded sale is no visit
    )


def _bought(merchant, slug: str, days: int):
    """Shoppers with a paid line of this merchant (any channel) in the category or below it
    since the start of the window, the order not fully refunded nor the line fully returned."""
    category = Category.objects.filter(slug=slug).first()
    lines = OrderLine.objects.filter(
        order__in=_paid(merchant, days),
        quantity_returned__lt=F("quantity"),
        sku__product__category__in=catalog._with_descendants(category) if category else [],
    )
    return lines.values("order__shopper_id")


def members_matching(merchant, rules: list[dict]):
    """The merchant's members matching every (already cleaned) rule."""
    qs = Member.objects.filter(org=merchant)
    for rule in rules:
        field = rule["field"]
        if field == "tier":
            qs = qs.filter(tier=rule["value"])
        elif field == "visited_within":
            qs = qs.filter(user_id__in=_paid(merchant, rule["days"]).values("shopper_id"))
        elif field == "spend_over":
            net = ExpressionWrapper(
                F("total") - F("amount_refunded"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
            spenders = (
                _paid(merchant, rule["days"])
                .values("shopper_id")
                .annotate(spent=Sum(net))
                .filter(spent__gt=Decimal(rule["amount"]))
                .values("shopper_id")
            )
            qs = qs.filter(user_id__in=spenders)
        elif field == "birthday_month":
            qs = qs.filter(birthday__month=rule["month"])
        elif field == "tag":
            qs = qs.filter(tags__org=merchant, tags__name=rule["value"])
        elif field == "rfm":
            scored = MemberScore.objects.filter(merchant=merchant, segment=rule["value"])
            qs = qs.filter(pk__in=scored.values("member_id"))
        elif field == "bought_category":
            qs = qs.filter(user_id__in=_bought(merchant, rule["category"], rule["days"]))
        elif field == "not_bought_category":
            qs = qs.exclude(user_id__in=_bought(merchant, rule["category"], rule["days"]))
    return qs.distinct()


def describe(rule: dict) -> str:
    """A rule in words, for the page."""
    field = rule["field"]
    if field == "tier":
        return _("等级为 %(v)s") % {"v": rule["value"]}
    if field == "visited_within":
        return _("近 %(d)s 天内到访（有付款订单）") % {"d": rule["days"]}
    if field == "spend_over":
        return _("近 %(d)s 天消费超过 ¥%(a)s") % {"d": rule["days"], "a": rule["amount"]}
    if field == "birthday_month":
        return _("生日在 %(m)s 月") % {"m": rule["month"]}
    if field == "tag":
        return _("带有标签 %(v)s") % {"v": rule["value"]}
    if field in PURCHASE_FIELDS:
        name = Category.objects.filter(slug=rule["category"]).values_list("name", flat=True)
        words = {"d": rule["days"], "c": name.first() or rule["category"]}
        if field == "bought_category":
            return _("近 %(d)s 天内买过「%(c)s」") % words
        return _("近 %(d)s 天内没买过「%(c)s」") % words
    return _("RFM 分群为 %(v)s") % {"v": Segment(rule["value"]).label}


def tag_names(merchant) -> list[str]:
    """The merchant's member tags, for the define form."""
    return list(
        MemberTag.objects.filter(org=merchant).order_by("name").values_list("name", flat=True)
    )


def categories() -> list[Category]:
    """The catalogue's active categories, for the define form (chosen by slug)."""
    return list(Category.objects.filter(is_active=True).order_by("position", "name"))
