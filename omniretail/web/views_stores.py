"""The public store page (/stores/<id>/; /s/ is taken by the referral share link): what a
shopper nearby needs on a phone: whether it is open now, how to get there and call, what
others thought, what is on its shelf and which group buys run there. And the console's
门店设置 for owners and managers: details and location, weekly hours, dates that depart
from them, each written by `stores.services` (a refusal shows the page again with its 4xx
status, nothing written)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from omniretail.core import uploads
from omniretail.core.errors import DomainError, field_error
from omniretail.groupbuy import selectors as groupbuy
from omniretail.inventory import selectors as stock
from omniretail.merchandising import promotions
from omniretail.reviews import services as reviews
from omniretail.stores import selectors as stores
from omniretail.stores import services as store_writes
from omniretail.stores.models import OpeningHours
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

GOODS_SHOWN = 20
REVIEWS_SHOWN = 10
SLOTS_PER_DAY = 2  # a lunch break splits a day in two
DETAIL_FIELDS = (
    "name",
    "phone",
    "address",
    "city",
    "district",
    "lat",
    "lon",
    "main_products",
    "description",
)


@require_safe
def store_page(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        store = stores.public_store(public_id)
    except DomainError as exc:
        return _error(request, exc)
    now = timezone.now()
    stores.prefetch_schedule([store], now)
    ctx = {
        "tab": "nearby",
        "store": store,
        "photos": list(store.photos.all()),
        "open_now": stores.is_open(store, now),
        "today": stores.todays_hours(store, now),
        "week": stores.weekly_hours(store),
        "exceptions": stores.upcoming_exceptions(store, now)[:5],
        "maps": stores.navigation_links(store),
        "reviews": reviews.store_reviews(store, limit=REVIEWS_SHOWN),
        "goods": stock.in_stock_at(store, limit=GOODS_SHOWN),
        "campaigns": list(groupbuy.open_campaigns(now).filter(store=store)[:10]),
        "promotions": list(promotions.running([store], now=now)),
    }
    return render(request, "web/stores/store.html", ctx)


# ---------------------------------------------------------------- 门店设置 (console)


def _week_grid(store, posted=None) -> list[dict]:
    """Per weekday, SLOTS_PER_DAY rows of (opens, closes, overnight) for the hours form:
    what was posted when the form is shown again, else the stored hours."""
    grid = []
    for day, label in OpeningHours.Weekday.choices:
        if posted is not None:
            slots = [
                {
                    "opens": posted.get(f"opens_{day}_{i}", ""),
                    "closes": posted.get(f"closes_{day}_{i}", ""),
                    "overnight": bool(posted.get(f"overnight_{day}_{i}")),
                }
                for i in range(SLOTS_PER_DAY)
            ]
        else:
            stored = [h for h in store.hours.all() if h.weekday == day][:SLOTS_PER_DAY]
            slots = [
                {
                    "opens": f"{h.opens:%H:%M}",
                    "closes": f"{h.closes:%H:%M}",
                    "overnight": h.overnight and h.opens != h.closes,
                }
                for h in stored
            ]
            slots += [{"opens": "", "closes": "", "overnight": False}] * (
                SLOTS_PER_DAY - len(slots)
            )
        grid.append({"day": day, "label": label, "slots": list(enumerate(slots))})
    return grid


def _settings(request: HttpRequest, store, *, status: int = 200, **extra) -> HttpResponse:
    stores.prefetch_schedule([store])
    extra.setdefault("week", _week_grid(store))
    ctx = _ctx(request, store, "store", exceptions=stores.upcoming_exceptions(store), **extra)
    return render(request, "web/stores/settings.html", ctx, status=status)


@staff_required(roles=MANAGERS)
@require_GET
def settings_page(request: HttpRequest, store) -> HttpResponse:
    return _settings(request, store)


@staff_required(roles=MANAGERS)
@require_POST
def details(request: HttpRequest, store) -> HttpResponse:
    changes = {f: request.POST.get(f, "") for f in DETAIL_FIELDS}
    try:
        store_writes.update_store(actor=request.user, store=store, **changes)
    except DomainError as exc:
        store.refresh_from_db()
        return _settings(request, store, status=exc.status, error=exc, posted=changes)
    messages.success(request, _("门店信息已保存。"))
    return redirect("web:m_store")


@staff_required(roles=MANAGERS)
@require_POST
def hours(request: HttpRequest, store) -> HttpResponse:
    """The whole week in one form; an empty row is no interval, 次日 marks a night shift."""
    rows = []
    for day in range(7):
        for i in range(SLOTS_PER_DAY):
            opens = request.POST.get(f"opens_{day}_{i}", "").strip()
            closes = request.POST.get(f"closes_{day}_{i}", "").strip()
            if opens or closes:
                overnight = bool(request.POST.get(f"overnight_{day}_{i}"))
                rows.append(
                    {"weekday": day, "opens": opens, "closes": closes, "overnight": overnight}
                )
    try:
        store_writes.set_opening_hours(actor=request.user, store=store, hours=rows)
    except DomainError as exc:
        week = _week_grid(store, request.POST)
        return _settings(request, store, status=exc.status, error=exc, week=week)
    messages.success(request, _("营业时间已保存。"))
    return redirect("web:m_store")


@staff_required(roles=MANAGERS)
@require_POST
def exception(request: HttpRequest, store) -> HttpResponse:
    form: dict = {f: request.POST.get(f, "") for f in ("date", "opens", "closes", "note")}
    is_closed = form["is_closed"] = bool(request.POST.get("is_closed"))
    try:
        store_writes.set_exception(
            actor=request.user,
            store=store,
            date=form["date"],
            is_closed=is_closed,
            opens=form["opens"] or None,
            closes=form["closes"] or None,
            note=form["note"],
        )
    except DomainError as exc:
        return _settings(request, store, status=exc.status, error=exc, special=form)
    messages.success(request, _("特殊营业日已保存。"))
    return redirect("web:m_store")


@staff_required(roles=MANAGERS)
@require_POST
def exception_remove(request: HttpRequest, store, day: str) -> HttpResponse:
    try:
        store_writes.remove_exception(actor=request.user, store=store, date=day)
    except DomainError as exc:
        return _settings(request, store, status=exc.status, error=exc)
    messages.success(request, _("已恢复按每周营业时间营业。"))
    return redirect("web:m_store")


@staff_required(roles=MANAGERS)
@require_POST
def photos(request: HttpRequest, store) -> HttpResponse:
    """Upload store pictures: every file is checked (and re-encoded) before any is kept, and
    a refusal removes what this upload stored."""
    try:
        files = uploads.photo_files(request, "photos")
        if not files:
            raise field_error("photos", _("请选择要上传的照片。"))
        with uploads.saved_images(files, folder="stores") as stored:
            store_writes.add_photos(
                actor=request.user, store=store, images=stored, alt=request.POST.get("alt", "")
            )
    except DomainError as exc:
        return _settings(request, store, status=exc.status, error=exc)
    messages.success(request, _("已上传 %(n)s 张门店照片。") % {"n": len(files)})
    return redirect("web:m_store")


@staff_required(roles=MANAGERS)
@require_POST
def photo_remove(request: HttpRequest, store, photo_id: int) -> HttpResponse:
    try:
        store_writes.remove_photo(actor=request.user, store=store, photo_id=photo_id)
    except DomainError as exc:
        return _settings(request, store, status=exc.status, error=exc)
    messages.success(request, _("照片已删除。"))
    return redirect("web:m_store")
