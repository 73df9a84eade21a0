"""会员档案 for a merchant's owners and managers: the member list with search and filters
(tier, last visit, 12-month spend, birthday month, tag) and a member's profile (purchases
in every channel, points, coupons, tier and its history, birthday, staff notes and tags).
Parse the query string, call the selectors; a filter that is not understood is a 422 with
its message."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from omniretail.core.errors import DomainError, ValidationFailed
from omniretail.earning import member_archive
from omniretail.loyalty import members as programme
from omniretail.loyalty import profile
from omniretail.loyalty import selectors as loyalty
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

PAGE_SIZE = 50
LAST_VISIT_CHOICES = (
    ("", gettext_lazy("不限")),
    ("30", gettext_lazy("30 天内到访")),
    ("90", gettext_lazy("90 天内到访")),
    ("lapsed", gettext_lazy("90 天未到访")),
)


def _filters(params) -> dict:
    """The list's filters from the query string; a bad month or amount is refused."""
    errors = {}
    month = params.get("birthday_month", "").strip()
    if month and not (month.isdigit() and 1 <= int(month) <= 12):
        errors["birthday_month"] = _("生日月份须为 1 到 12。")
    spend = params.get("min_spend", "").strip()
    amount = None
    if spend:
        try:
            amount = Decimal(spend)
        except InvalidOperation:
            amount = None
        if amount is None or amount < 0 or not amount.is_finite():
            errors["min_spend"] = _("消费金额须为不小于 0 的数字。")
    last_visit = params.get("last_visit", "")
    if last_visit not in dict(LAST_VISIT_CHOICES):
        errors["last_visit"] = _("未知的到访筛选。")
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "query": params.get("q", "").strip()[:40],
        "tier": params.get("tier", "").strip(),
        "birthday_month": int(month) if month else None,
        "last_visit": last_visit,
        "min_spend": amount,
        "tag": params.get("tag", "").strip()[:20],
    }


@staff_required(roles=MANAGERS)
@require_GET
def members(request: HttpRequest, store) -> HttpResponse:
    merchant = store.merchant
    ctx = _ctx(
        request,
        store,
        "members",
        params=request.GET,
        tiers=loyalty.tier_names(merchant),
        last_visit_choices=LAST_VISIT_CHOICES,
        months=range(1, 13),
        tags=profile.tags_of_merchant(merchant),
    )
    try:
        filters = _filters(request.GET)
    except DomainError as exc:
        return render(request, "web/merchant/members.html", {**ctx, "error": exc}, status=422)
    found = member_archive.archive(merchant, **filters).prefetch_related("tags")
    ctx["page_obj"] = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/merchant/members.html", ctx)


TIER_ROWS = 5


def _tier_rows(form) -> list[dict]:
    """The tier form's filled rows, in order (a row without a name is left out)."""
    rows = []
    for i in range(TIER_ROWS):
        name = form.get(f"name_{i}", "").strip()
        if not name:
            continue
        row = {"name": name, "min_spend": form.get(f"min_spend_{i}", "").strip() or "0"}
        for field in ("min_visits", "discount_percent"):
            text = form.get(f"{field}_{i}", "").strip() or "0"
            if not text.isdigit():
                raise ValidationFailed(
                    _("第 %(n)s 行：请填写整数。") % {"n": i + 1},
                    fields={f"{field}_{i}": _("整数")},
                )
            row[field] = int(text)
        row["priority_service"] = form.get(f"priority_service_{i}") == "on"
        rows.append(row)
    return rows


@staff_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def tiers(request: HttpRequest, store) -> HttpResponse:
    """会员等级: the merchant's tier ladder (thresholds, discount, priority service) edited in
    a form; a bad row is refused and the ladder stays as it was."""
    merchant = store.merchant
    error = None
    if request.method == "POST":
        try:
            programme.set_tiers(org=merchant, tiers=_tier_rows(request.POST))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("会员等级已保存。"))
            return redirect("web:m_member_tiers")
    current = loyalty.tier_ladder(merchant)
    rows = [*current, *([None] * (TIER_ROWS - len(current)))][:TIER_ROWS]
    ctx = _ctx(request, store, "members", rows=list(enumerate(rows)), error=error)
    return render(request, "web/merchant/tiers.html", ctx, status=error.status if error else 200)


PROFILE_ACTIONS = {
    "note": lambda actor, member, form: profile.add_note(
        actor=actor, member=member, text=form.get("text", "")
    ),
    "tag": lambda actor, member, form: profile.tag_member(
        actor=actor, member=member, name=form.get("tag", "")
    ),
    "untag": lambda actor, member, form: profile.untag_member(
        actor=actor, member=member, name=form.get("tag", "")
    ),
    "birthday": lambda actor, member, form: programme.set_birthday(
        member=member, birthday=form.get("birthday", "")
    ),
}


@staff_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """One member's profile, where staff add notes and tags; another merchant's member is
    not found."""
    merchant = store.merchant
    try:
        found = loyalty.merchant_member(merchant, public_id)
    except DomainError as exc:
        return _error(request, exc)
    error = None
    if request.method == "POST":
        act = PROFILE_ACTIONS.get(request.POST.get("action", ""))
        try:
            if act is None:
                raise ValidationFailed(_("未知的操作。"), fields={"action": _("未知的操作。")})
            act(request.user, found, request.POST)
        except DomainError as exc:
            error = exc
        else:
            return redirect("web:m_member", public_id=public_id)
    row = member_archive.archive(merchant).get(pk=found.pk)
    ctx = _ctx(
        request,
        store,
        "members",
        member=row,
        benefits=programme.benefits(row),
        points=loyalty.member_points(row),
        coupons=list(loyalty.member_coupons(row)[:50]),
        purchases=member_archive.purchases(row),
        member_tags=profile.tags_of(row),
        tags=profile.tags_of_merchant(merchant),
        notes=profile.notes_of(row),
        tier_history=profile.tier_history(row),
        error=error,
    )
    return render(request, "web/merchant/member.html", ctx, status=error.status if error else 200)
