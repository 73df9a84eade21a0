"""Member insight (docs/analytics.md): each merchant member's RFM over the last 365 days of
that merchant's paid orders (online, till and counter sales are all orders), scored in
quintiles and named a segment; a segment is sent a coupon once per member."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.analytics import rules as segment_rules
from omniretail.analytics.models import MemberScore, RuleSegment, Segment, SegmentCampaign
from omniretail.analytics.services import day_bounds
from omniretail.core.errors import Conflict, ValidationFailed, field_error
from omniretail.loyalty import coupons
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty.models import Coupon, Member
from omniretail.orders.models import Order

WINDOW_DAYS = 365
HIGH = 3  # a score of 3 or more (the middle quintile and up) counts as high

# (R high, F high, M high) -> segment
_SEGMENTS = {
    (True, True, True): Segment.IMPORTANT_VALUE,
    (False, True, True): Segment.IMPORTANT_KEEP,
    (True, False, True): Segment.IMPORTANT_DEVELOP,
    (False, False, True): Segment.IMPORTANT_RETAIN,
    (True, True, False): Segment.GENERAL_VALUE,
    (False, True, False): Segment.GENERAL_KEEP,
    (True, False, False): Segment.GENERAL_DEVELOP,
    (False, False, False): Segment.GENERAL_RETAIN,
}


def quintiles(values: dict) -> dict:
    """key -> 1..5 by rank: 1 + 5 × (how many values are lower) // n, so equal values get
    equal scores and the order of the keys never matters."""
    ordered = sorted(values.values())
    n = len(ordered)
    lower = {}
    for i, v in enumerate(ordered):
        lower.setdefault(v, i)
    return {k: 1 + 5 * lower[v] // n for k, v in values.items()}


def segment_of(r: int, f: int, m: int) -> str:
    return _SEGMENTS[(r >= HIGH, f >= HIGH, m >= HIGH)]


@transaction.atomic
def score_merchant(merchant: Organization, as_of: date) -> int:
    """Rewrites the merchant's scores as of the local day `as_of` (orders paid up to the
    day's end, the 365 days before it): the same day's run gives the same rows."""
    _start, end = day_bounds(as_of)
    start = end - timedelta(days=WINDOW_DAYS)
    members = dict(Member.objects.filter(org=merchant).values_list("user_id", "pk"))
    paid = Order.objects.filter(
        merchant=merchant,
        shopper_id__in=list(members),
        paid_at__gte=start,
        paid_at__lt=end,
        amount_refunded__lt=F("total"),  # a fully refunded sale is no purchase
    )
    last: dict[int, date] = {}
    frequency: dict[int, int] = defaultdict(int)
    monetary: dict[int, Decimal] = defaultdict(Decimal)
    for user_id, paid_at, total, refunded in paid.values_list(
        "shopper_id", "paid_at", "total", "amount_refunded"
    ):
        day = timezone.localdate(paid_at)
        last[user_id] = max(last.get(user_id, day), day)
        frequency[user_id] += 1
        monetary[user_id] += total - refunded
    r = quintiles({u: -(as_of - d).days for u, d in last.items()})
    f = quintiles({u: frequency[u] for u in last})
    m = quintiles({u: monetary[u] for u in last})
    rows = []
    for user_id, member_id in members.items():
        row = MemberScore(merchant=merchant, member_id=member_id, as_of=as_of)
        if user_id in last:
            row.recency_days = (as_of - last[user_id]).days
            row.frequency = frequency[user_id]
            row.monetary = monetary[user_id]
            row.r, row.f, row.m = r[user_id], f[user_id], m[user_id]
            row.segment = segment_of(row.r, row.f, row.m)
        else:
            row.segment = Segment.DORMANT
        rows.append(row)
    MemberScore.objects.filter(merchant=merchant).delete()
    MemberScore.objects.bulk_create(rows)
    return len(rows)


def score_members(now=None) -> int:
    """The scheduled job: every merchant with members, as of today. Returns the rows written."""
    as_of = timezone.localdate(now or timezone.now())
    merchants = Organization.objects.filter(
        pk__in=Member.objects.values("org_id").distinct()
    ).order_by("pk")
    return sum(score_merchant(merchant, as_of) for merchant in merchants)


# ---------------------------------------------------------------- campaigns


def send_coupon(*, merchant: Organization, segment: str, template_id: str, actor) -> dict:
    """Sends every member of the segment one coupon of the merchant's template: an RFM
    segment as of its latest snapshot, a rule segment as it matches today. Idempotent per
    (snapshot or day, segment, template): the campaign row is taken once and each coupon's
    issue key names the campaign and the member, so a second click (or a retry after a
    failure half-way) sends only what is missing. A member already at the template's limit
    is skipped. Returns sent and skipped counts."""
    recipients, as_of = audience(merchant, segment)
    template = loyalty.coupon_template(merchant, template_id)
    if not template.is_active:
        raise field_error("template", _("该优惠券已停发。"))
    if as_of is None or not recipients.exists():
        raise Conflict(_("该分群目前没有会员。"), code="segment_empty")
    try:
        with transaction.atomic():
            campaign, _created = SegmentCampaign.objects.get_or_create(
                merchant=merchant,
                as_of=as_of,
                segment=segment,
                template=template,
                defaults={"sent_by": actor},
            )
    except IntegrityError:  # a concurrent click took it first
        campaign = SegmentCampaign.objects.get(
            merchant=merchant, as_of=as_of, segment=segment, template=template
        )
    sent = skipped = 0
    for member in recipients.select_related("user"):
        try:
            coupons.issue_coupon(
                template=template,
                user=member.user,
                source=Coupon.Source.STAFF,
                idempotency_key=f"{campaign.key_prefix}{member.pk}",
                issued_by=actor,
            )
            sent += 1
        except Conflict:
            skipped += 1
    return {"campaign": campaign, "sent": sent, "skipped": skipped}


def campaigns_of(merchant: Organization) -> list[dict]:
    """The merchant's campaigns, newest first, each with coupons sent and redeemed and the
    revenue of the orders that redeemed them."""
    names = segment_names(merchant)
    rows = []
    for c in SegmentCampaign.objects.filter(merchant=merchant).select_related("template"):
        given = Coupon.objects.filter(issue_key__startswith=c.key_prefix)
        rows.append(
            {
                "campaign": c,
                "label": names.get(c.segment, c.segment),
                "sent": given.count(),
                **redemption(given),
            }
        )
    return rows


def redemption(given) -> dict:
    """Of a campaign's coupons: how many were used, and the revenue of the paid orders that
    used them, net of what was refunded of those orders."""
    used = given.filter(status=Coupon.Status.USED)
    revenue = Order.objects.filter(
        public_id__in=used.values("order_id"), paid_at__isnull=False
    ).aggregate(total=Sum(F("total") - F("amount_refunded")))["total"]
    return {"redeemed": used.count(), "revenue": revenue or Decimal("0")}


# ---------------------------------------------------------------- reading


def segment_sizes(merchant: Organization) -> list[dict]:
    """Every segment in order with its member count (zero included) and the snapshot day."""
    counts = dict(
        MemberScore.objects.filter(merchant=merchant)
        .values_list("segment")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [{"segment": s, "label": s.label, "members": counts.get(s.value, 0)} for s in Segment]


def segment_members(merchant: Organization, segment: str) -> list[MemberScore]:
    """One segment's members, by spend, each with its RFM score (a member not scored yet,
    who joined since the last run, with an empty one); an unknown segment is a 422."""
    recipients, _as_of = audience(merchant, segment)
    scores = {
        s.member_id: s for s in MemberScore.objects.filter(merchant=merchant, member__in=recipients)
    }
    rows = [
        scores.get(m.pk) or MemberScore(merchant=merchant, member=m)
        for m in recipients.select_related("user")
    ]
    return sorted(rows, key=lambda s: (-s.monetary, s.member_id))


def audience(merchant: Organization, segment: str):
    """(the segment's members, the day they stand for): an RFM segment's latest snapshot,
    or a rule segment (`rule-<id>`) evaluated today. Unknown segments are a 422."""
    if segment in Segment.values:
        scores = MemberScore.objects.filter(merchant=merchant, segment=segment)
        as_of = scores.values_list("as_of", flat=True).first()
        return Member.objects.filter(pk__in=scores.values("member_id")), as_of
    rule = rule_segment(merchant, segment)
    return segment_rules.members_matching(merchant, rule.rules), timezone.localdate()


def segment_names(merchant: Organization) -> dict[str, str]:
    """Segment key -> name, the RFM ones and the merchant's own."""
    names = {s.value: str(s.label) for s in Segment}
    names.update({r.key: r.name for r in RuleSegment.objects.filter(merchant=merchant)})
    return names


# ---------------------------------------------------------------- rule segments


def rule_segment(merchant: Organization, key: str) -> RuleSegment:
    """The merchant's rule segment of key `rule-<id>`; anything else is a 422."""
    prefix, _sep, pk = key.partition("-")
    found = (
        RuleSegment.objects.filter(merchant=merchant, pk=int(pk)).first()
        if prefix == "rule" and pk.isdigit()
        else None
    )
    if found is None:
        raise field_error("segment", _("没有这个会员分群。"))
    return found


def preview_rules(merchant: Organization, rules) -> dict:
    """How many members the rules select today, before saving; bad rules are a 422."""
    cleaned = segment_rules.clean(merchant, rules)
    return {
        "rules": cleaned,
        "members": segment_rules.members_matching(merchant, cleaned).count(),
    }


def define_segment(*, merchant: Organization, name: str, rules, actor) -> RuleSegment:
    """Saves a rule segment under a name unique for the merchant."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写分群名称。")
    elif len(name) > 30:
        errors["name"] = _("分群名称最多 30 个字。")
    try:
        cleaned = segment_rules.clean(merchant, rules)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            return RuleSegment.objects.create(
                merchant=merchant, name=name, rules=cleaned, created_by=actor
            )
    except IntegrityError:
        raise field_error("name", _("已有同名的分群。")) from None


def delete_segment(*, merchant: Organization, key: str) -> None:
    rule_segment(merchant, key).delete()


def rule_segments(merchant: Organization) -> list[dict]:
    """The merchant's rule segments, each with its rules in words and today's size."""
    return [
        {
            "segment": r,
            "rules": [segment_rules.describe(rule) for rule in r.rules],
            "members": segment_rules.members_matching(merchant, r.rules).count(),
        }
        for r in RuleSegment.objects.filter(merchant=merchant)
    ]


def scored_on(merchant: Organization) -> date | None:
    return MemberScore.objects.filter(merchant=merchant).values_list("as_of", flat=True).first()
