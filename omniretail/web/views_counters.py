"""Counter pages: the kiosk screen (a full-screen browser page on the counter, signed in
with the counter's own credential), the phone page a shopper reaches from the counter's QR,
the vend status page, and the ops pages (counters, sales, scan -> purchase funnel, faults).
No business rule lives here: the counters services and selectors decide."""

import hashlib
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog.models import Product
from omniretail.core import uploads
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.core.throttle import client_ip
from omniretail.counters import (
    ads,
    console,
    insight,
    kiosk,
    leads,
    repairs,
    selectors,
    services,
    snapshots,
    testrides,
    vending,
)
from omniretail.counters.models import Counter, RepairTicket, TestRide, Vend
from omniretail.payments import selectors as payment_selectors
from omniretail.web import charts
from omniretail.web.access import producer_required, staff_required
from omniretail.web.downloads import csv_download
from omniretail.web.views import _error

NEW_COUNTER_BAY_ROWS = 6  # bay rows on the registration form; more are added on the API


def _kiosk_cookie(code: str) -> str:
    return f"kiosk_{code}"


def _kiosk_counter(request: HttpRequest, code: str):
    """The counter whose screen this is, by the display pass the pairing link gave it."""
    counter = selectors.public_counter(code)
    return kiosk.counter_for_pass(counter=counter, value=request.COOKIES.get(_kiosk_cookie(code)))


def _with_pass(request: HttpRequest, response: HttpResponse, counter) -> HttpResponse:
    """Set (or renew) the screen's display pass: HttpOnly, sent only to this counter's screen
    pages, never to the device API."""
    response.set_cookie(
        _kiosk_cookie(counter.code),
        kiosk.display_pass(counter),
        max_age=settings.OMNI_COUNTER_KIOSK_PASS_S,
        path=reverse("web:counter_kiosk", args=[counter.code]),
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


def _qr(url: str, *, scalable: bool = False) -> str:
    """Our own SVG; a scalable one has a viewBox and no size, for CSS to size (the kiosk)."""
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=scalable)
    return mark_safe(svg)


@require_GET
def kiosk_pair(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The one-time pairing link an operator opens on the counter's screen."""
    try:
        counter = selectors.public_counter(code)
        kiosk.pair(counter=counter, token=token)
    except DomainError as exc:
        return _error(request, exc)
    return _with_pass(request, redirect("web:counter_kiosk", code=counter.code), counter)


def _kiosk_context(request: HttpRequest, counter) -> dict:
    """Everything the screen shows; `version` changes when any of it does, so a poll that
    brings nothing new leaves the carousel, the spin and the video where they are."""
    buy_url = request.build_absolute_uri(reverse("web:counter_buy", args=[counter.code]))
    shelf = selectors.shelf(counter)
    # one slide per product; a product in several bays (sizes, colours) gets a spec picker
    # whose choices each have a QR, so the scan lead knows what the shopper looked at
    by_product: dict[int, list] = {}
    for item in shelf:
        by_product.setdefault(item.product.pk, []).append(item)
    slides = []
    for items in by_product.values():
        chosen = next((i for i in items if i.available), items[0])
        ride_qr = None
        if any(item.bay.test_ride for item in items):  # 预约试驾 at the serving store
            ride_url = reverse(
                "web:counter_test_ride", args=[counter.code, items[0].product.public_id]
            )
            ride_qr = _qr(request.build_absolute_uri(ride_url), scalable=True)
        slides.append(
            (
                [
                    (
                        item,
                        _qr(
                            f"{buy_url}?src=qr&p={item.product.public_id}&bay={item.bay.number}"
                            f"#bay-{item.bay.number}",
                            scalable=True,
                        ),
                        item is chosen,
                    )
                    for item in items
                ],
                ride_qr,
            )
        )
    state = kiosk.screen_state(counter)
    running = [(ad, ads.creative_url(ad)) for ad in ads.running_for(counter)]
    version = [
        state.status,
        counter.content,
        [
            (i.bay.number, i.product.public_id, i.available, str(i.bay.sku.price), i.bay.test_ride)
            for i in shelf
        ],
        [(ad.public_id, ad.seconds) for ad, _url in running],
    ]
    return {
        "counter": counter,
        "state": state,
        "slides": slides,
        "ads": running,
        "version": hashlib.sha256(repr(version).encode()).hexdigest()[:16],
        "qr": _qr(f"{buy_url}?src=qr", scalable=True),
        "nav_qr": _qr(kiosk.navigation_url(counter), scalable=True),
        "shop_qr": _qr(request.build_absolute_uri(reverse("web:home")), scalable=True),
    }


@require_GET
def kiosk_screen(request: HttpRequest, code: str) -> HttpResponse:
    try:
        counter = _kiosk_counter(request, code)
    except DomainError as exc:
        return _error(request, exc)
    # the screen polls state, stock, content and ads every few seconds
    template = "web/counters/_kiosk_slides.html" if request.htmx else "web/counters/kiosk.html"
    response = render(request, template, _kiosk_context(request, counter))
    return _with_pass(request, response, counter)


@require_POST
def kiosk_code(request: HttpRequest, code: str) -> HttpResponse:
    """The shopper types the SMS code on the screen."""
    template = "web/counters/_code_result.html"
    try:
        counter = _kiosk_counter(request, code)
        kiosk.require_sellable(counter)
        vend = vending.unlock_with_code(
            counter=counter, code=request.POST.get("code", ""), client_ip=client_ip(request)
        )
    except DomainError as exc:
        return _error(request, exc, template)
    return render(request, template, {"vend": vend})


@require_POST
def kiosk_repair_pickup(request: HttpRequest, code: str) -> HttpResponse:
    """The shopper types a repaired vehicle's pickup code on the screen (the pad's 取车 mode)."""
    template = "web/counters/_pickup_result.html"
    try:
        counter = _kiosk_counter(request, code)
        kiosk.require_sellable(counter)
        ticket = repairs.collect_at_counter(counter=counter, code=request.POST.get("code", ""))
    except DomainError as exc:
        return _error(request, exc, template)
    return render(request, template, {"ticket": ticket})


@require_POST
def kiosk_ads_shown(request: HttpRequest, code: str) -> HttpResponse:
    """The screen reports the adverts its idle loop has just shown."""
    try:
        counter = _kiosk_counter(request, code)
    except DomainError as exc:
        return _error(request, exc)
    counted = ads.record_impressions(counter=counter, campaign_ids=request.POST.getlist("ad"))
    return JsonResponse({"counted": counted})


@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, code: str) -> HttpResponse:
    """The phone page behind the counter's QR: every opening is a scan lead; a member buys a
    bay's product with any enabled way to pay (WeChat Pay's H5 cashier and back, the
    wallet, ...) or gets an SMS code for the screen."""
    try:
        counter = selectors.public_counter(code)
    except DomainError as exc:
        return _error(request, exc)
    if request.GET.get("back") == "vend" and request.user.is_authenticated:
        # back from the payment page (WeChat's H5 cashier): to the shopper's latest vend here
        vend = Vend.objects.filter(counter=counter, shopper=request.user).order_by("-id").first()
        if vend is not None:
            return redirect("web:counter_vend", public_id=vend.public_id)
    product = Product.objects.filter(public_id=request.GET.get("p", "")).first()
    if request.method == "GET":
        leads.record_scan(
            counter=counter, product=product, user=request.user, session=request.session
        )
    methods = payment_selectors.payment_methods()
    wallet = payment_selectors.wallet_balance(request.user) if request.user.is_authenticated else 0
    ctx = {
        "counter": counter,
        "shelf": selectors.shelf(counter),
        "tab": "",
        "methods": methods,
        "wallet": wallet,
        # the wallet when it holds money (or nobody is signed in yet), else the first way
        "preferred": "balance" if wallet or not request.user.is_authenticated else "",
    }
    if methods and not any(m.name == ctx["preferred"] for m in methods):
        ctx["preferred"] = methods[0].name
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?next={quote(request.get_full_path())}")
        try:
            quantity = int(request.POST.get("quantity", "1"))
        except ValueError:
            quantity = 0
        try:
            vend, started = vending.start_purchase(
                shopper=request.user,
                counter=counter,
                bay_number=request.POST.get("bay", ""),
                quantity=quantity,
                authorise=request.POST.get("authorise", "payment"),
                provider=request.POST.get("provider") or ctx["preferred"],
                return_url=reverse("web:counter_buy", args=[counter.code]) + "?back=vend",
            )
        except DomainError as exc:
            return _error(request, exc, "web/counters/buy.html", **ctx)
        if started.next_action == "redirect" and started.redirect_url:
            return redirect(started.redirect_url)
        return redirect("web:counter_vend", public_id=vend.public_id)
    return render(request, "web/counters/buy.html", ctx)


@login_required
@require_GET
def vend_status(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        vend = selectors.vend_for_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    template = "web/counters/_vend.html" if request.htmx else "web/counters/vend.html"
    return render(request, template, {"vend": vend, "tab": ""})


def _funnel_chart(stats) -> str:
    import plotly.graph_objects as go

    steps = [_("扫码"), _("下单"), _("支付"), _("取货完成")]
    values = [
        sum(s.scans for s in stats),
        sum(s.vends for s in stats),
        sum(s.paid for s in stats),
        sum(s.completed for s in stats),
    ]
    figure = go.Figure(go.Funnel(y=steps, x=values, marker={"color": "#e4393c"}))
    return charts.render(figure, height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10})


@staff_required
@require_GET
def ops(request: HttpRequest, store) -> HttpResponse:
    stats = selectors.stats(request.user)
    ctx = {
        "rows": [(s, kiosk.screen_state(s.counter)) for s in stats],
        "funnel": _funnel_chart(stats),
        "faults": selectors.faults(request.user),
        "tasks": selectors.tasks_for_actor(request.user)[:50],
        "leads": leads.leads_for_actor(request.user)[:50],
        "tab": "",
    }
    return render(request, "web/counters/ops.html", ctx)


def _ops_counter_page(request: HttpRequest, counter, *, status: int = 200, **extra):
    now = timezone.now()
    uptime = console.uptime(counter, now)
    ctx = {
        "counter": counter,
        "state": kiosk.screen_state(counter),
        "shelf": selectors.shelf(counter),
        "tasks": selectors.tasks_for_actor(request.user, counter=counter),
        "credentials": [
            (c, c.ended_at(now)) for c in counter.credentials.order_by("-created_at", "-id")
        ],
        "overlap_days": settings.OMNI_COUNTER_ROTATION_OVERLAP_S / 86400,
        "faults": console.faults(counter),
        "clearances": counter.clearances.select_related("cleared_by").order_by("-cleared_at")[:10],
        "uptime": None if uptime is None else round(uptime * 100, 1),
        "ads": ads.running_for(counter, now),
        "snapshots": snapshots.for_counter(counter),
        "snapshot_days": settings.OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS,
        "videos_text": "\n".join(counter.content.get("videos", [])),
        "tab": "",
        **extra,
    }
    return render(request, "web/counters/ops_counter.html", ctx, status=status)


def _ops_action(request: HttpRequest, code: str, action) -> HttpResponse:
    """Run a counter action for the ops page: back to the counter when done, the page with
    the refusal (and its status) when refused."""
    try:
        counter = selectors.counter_for_actor(request.user, code)
    except DomainError as exc:
        return _error(request, exc)
    try:
        action(counter)
    except DomainError as exc:
        counter.refresh_from_db()
        return _ops_counter_page(request, counter, status=exc.status, error=exc)
    return redirect("web:counter_ops_detail", code=counter.code)


@staff_required
@require_GET
def ops_counter(request: HttpRequest, store, code: str) -> HttpResponse:
    try:
        counter = selectors.counter_for_actor(request.user, code)
    except DomainError as exc:
        return _error(request, exc)
    return _ops_counter_page(request, counter)


@staff_required
@require_POST
def ops_kiosk_link(request: HttpRequest, store, code: str) -> HttpResponse:
    """A one-time pairing link for the counter's screen, shown once with its QR."""
    try:
        counter = selectors.counter_for_actor(request.user, code)
        token, expires = kiosk.pairing_token(actor=request.user, counter=counter)
    except DomainError as exc:
        return _error(request, exc)
    link = request.build_absolute_uri(reverse("web:counter_kiosk_pair", args=[code, token]))
    pairing = {"url": link, "qr": _qr(link), "expires_at": expires}
    return _ops_counter_page(request, counter, pairing=pairing)


@staff_required
@require_http_methods(["GET", "POST"])
def ops_counter_new(request: HttpRequest, store) -> HttpResponse:
    """Register a counter with its serving store, site and bays (rows left empty are
    skipped); a refusal keeps what was typed and names the field."""
    post = request.POST
    rows = [
        {
            "i": i,
            "number": post.get(f"bay-{i}-number", ""),
            "sku": post.get(f"bay-{i}-sku", ""),
            "par_level": post.get(f"bay-{i}-par_level", "2"),
            "capacity": post.get(f"bay-{i}-capacity", "4"),
            "test_ride": post.get(f"bay-{i}-test_ride") == "on",
        }
        for i in range(NEW_COUNTER_BAY_ROWS)
    ]
    ctx = {"stores": console.stores_for_actor(request.user), "form": post, "rows": rows, "tab": ""}
    if request.method == "POST":
        keys = ("number", "sku", "par_level", "capacity", "test_ride")
        bays = [{k: row[k] for k in keys} for row in rows]
        try:
            counter = console.register_with_bays(
                actor=request.user,
                store_id=post.get("store"),
                bays=bays,
                code=post.get("code", ""),
                name=post.get("name", ""),
                site_name=post.get("site_name", ""),
                address=post.get("address", ""),
                lat=post.get("lat", ""),
                lon=post.get("lon", ""),
                content={"headline": post.get("headline", "")},
            )
        except DomainError as exc:
            return _error(request, exc, "web/counters/ops_new.html", **ctx)
        return redirect("web:counter_ops_detail", code=counter.code)
    return render(request, "web/counters/ops_new.html", ctx)


@staff_required
@require_POST
def ops_credential_issue(request: HttpRequest, store, code: str) -> HttpResponse:
    """A new device credential, its token and command key shown on this page only; the
    older ones keep working through the rotation overlap."""
    try:
        counter = selectors.counter_for_actor(request.user, code)
        credential, token = services.issue_credential(actor=request.user, counter=counter)
    except DomainError as exc:
        return _error(request, exc)
    issued = {
        "credential": credential,
        "token": token,
        "command_key": services.command_key(credential.key_id).hex(),
        "retiring": counter.credentials.filter(expires_at__isnull=False, revoked_at__isnull=True)
        .exclude(pk=credential.pk)
        .order_by("expires_at"),
    }
    response = _ops_counter_page(request, counter, issued=issued)
    response["Cache-Control"] = "no-store"  # the token is on this page once, never cached
    return response


@staff_required
@require_POST
def ops_credential_revoke(request: HttpRequest, store, code: str, key_id: str) -> HttpResponse:
    return _ops_action(
        request,
        code,
        lambda c: services.revoke_credential(actor=request.user, counter=c, key_id=key_id),
    )


@staff_required
@require_POST
def ops_maintenance(request: HttpRequest, store, code: str) -> HttpResponse:
    def action(counter):
        on = request.POST.get("on", "")
        if on not in ("1", "0"):
            raise field_error("on", _("请选择进入或退出维护。"))
        services.set_maintenance(actor=request.user, counter=counter, on=on == "1")

    return _ops_action(request, code, action)


@staff_required
@require_POST
def ops_flag_clear(request: HttpRequest, store, code: str) -> HttpResponse:
    return _ops_action(
        request,
        code,
        lambda c: services.clear_flag(
            actor=request.user, counter=c, reason=request.POST.get("reason", "")
        ),
    )


@staff_required
@require_POST
def ops_content(request: HttpRequest, store, code: str) -> HttpResponse:
    """Headline, video links and pictures for the screen; it shows them on its next poll."""
    videos = [line.strip() for line in request.POST.get("videos", "").splitlines()]
    return _ops_action(
        request,
        code,
        lambda c: console.set_content_from_uploads(
            actor=request.user,
            counter=c,
            headline=request.POST.get("headline", ""),
            videos=[v for v in videos if v],
            media_files=uploads.photo_files(request, "media"),
            spin_files=uploads.photo_files(request, "spins"),
        ),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def ops_ads(request: HttpRequest, store) -> HttpResponse:
    """Ad campaigns for the counters' idle loop: what runs where, and how often it was shown."""
    counters = selectors.counters_for_actor(request.user).order_by("code")
    ctx = {
        "campaigns": [
            (ad, ads.creative_url(ad)) for ad in ads.campaigns_for_actor(request.user)[:100]
        ],
        "counters": counters,
        "merchants": {c.merchant for c in counters},
        "form": request.POST,
        "chosen": request.POST.getlist("counters"),
        "now": timezone.now(),
        "tab": "",
    }
    if request.method == "POST":
        merchant = next(
            (m for m in ctx["merchants"] if m.public_id == request.POST.get("merchant")),
            store.merchant,
        )
        regions = request.POST.get("regions", "").replace("，", ",").split(",")
        try:
            ads.create_campaign(
                actor=request.user,
                merchant=merchant,
                name=request.POST.get("name", ""),
                creative_files=uploads.photo_files(request, "creative"),
                starts_at=request.POST.get("starts_at", ""),
                ends_at=request.POST.get("ends_at", ""),
                seconds=request.POST.get("seconds", "8"),
                counter_codes=ctx["chosen"],
                regions=regions,
            )
        except DomainError as exc:
            return _error(request, exc, "web/counters/ops_ads.html", **ctx)
        return redirect("web:counter_ops_ads")
    return render(request, "web/counters/ops_ads.html", ctx)


# ---------------------------------------------------------------- test rides


@login_required
@require_http_methods(["GET", "POST"])
def test_ride_new(request: HttpRequest, code: str, product: str) -> HttpResponse:
    """The phone page behind the kiosk's 预约试驾 QR: a time at the serving store and a contact."""
    try:
        counter = selectors.public_counter(code)
        ctx = {
            "tab": "",
            "counter": counter,
            "product": testrides.ride_product(counter, product),
            "form": request.POST or {"contact_phone": request.user.phone},
            "mine": TestRide.objects.filter(member=request.user)
            .select_related("product", "store")
            .order_by("-created_at")[:10],
        }
    except DomainError as exc:
        return _error(request, exc)
    template = "web/counters/test_ride.html"
    if request.method == "POST":
        try:
            ride = testrides.book(
                member=request.user,
                counter=counter,
                product=ctx["product"],
                starts_at=parse_datetime(request.POST.get("starts_at", "")),
                contact_name=request.POST.get("contact_name", ""),
                contact_phone=request.POST.get("contact_phone", ""),
            )
        except DomainError as exc:
            return _error(request, exc, template, **ctx)
        return render(request, template, {**ctx, "booked": ride})
    return render(request, template, ctx)


@staff_required
@require_GET
def ops_test_rides(request: HttpRequest, store) -> HttpResponse:
    """The serving stores' test-ride bookings: confirm, then done or no-show."""
    rides = testrides.for_actor(request.user).order_by("-starts_at")[:200]
    return render(request, "web/counters/ops_test_rides.html", {"rides": rides})


@staff_required
@require_POST
def ops_test_ride_move(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        ride = testrides.for_actor(request.user).filter(public_id=public_id).first()
        if ride is None:
            raise NotFound(_("找不到该试驾预约。"))
        testrides.move(actor=request.user, ride=ride, status=request.POST.get("status", ""))
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_ops_test_rides")


# ---------------------------------------------------------------- repairs


@login_required
@require_http_methods(["GET", "POST"])
def repair_new(request: HttpRequest) -> HttpResponse:
    """Book a drop-off at the nearest counter (the phone's position when it was granted)."""
    lat, lon = request.GET.get("lat"), request.GET.get("lon")
    # a refused booking keeps what was typed; ?counter= (from the counter's page) preselects
    # it and offers the check-in of a booking there
    ctx = {"tab": "", "form": request.POST or request.GET}
    ctx["mine"] = selectors.repairs_for_shopper(request.user).order_by("-created_at")[:20]
    ctx["models"] = repairs.repair_models()  # the producer learns which came in for repair
    ctx["fault_kinds"] = RepairTicket.FaultKind.choices
    try:
        ctx["nearby"] = repairs.nearest_counters(lat=lat, lon=lon) if lat and lon else []
    except DomainError as exc:
        ctx["nearby"], ctx["error"] = [], exc
    if not ctx["nearby"]:
        ctx["nearby"] = [(c, None) for c in Counter.objects.order_by("code")[:20]]
    if request.method == "POST":
        try:
            drop_off = parse_datetime(request.POST.get("drop_off_at", ""))
            files = uploads.photo_files(request)
            with uploads.saved_photos(files, folder="repairs") as photos:
                ticket = repairs.book_repair(
                    shopper=request.user,
                    counter=selectors.public_counter(request.POST.get("counter", "")),
                    vehicle_serial=request.POST.get("vehicle_serial", ""),
                    plate=request.POST.get("plate", ""),
                    fault=request.POST.get("fault", ""),
                    photos=photos,
                    drop_off_at=drop_off,
                    product=repairs.repair_model(request.POST.get("model", "")),
                    fault_kind=request.POST.get("fault_kind", ""),
                )
        except DomainError as exc:
            return _error(request, exc, "web/counters/repair_new.html", **ctx)
        return redirect("web:counter_repair", public_id=ticket.public_id)
    return render(request, "web/counters/repair_new.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def repair_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The ticket's timeline: the shopper checks in at the counter by scanning it; the serving
    store's staff move it on (drop-off confirmed, courier, repair, return, collection)."""
    try:
        ticket = selectors.repair_for_actor(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        "ticket": ticket,
        "next_step": ticket.next_step,
        "is_staff": selectors.counters_for_actor(request.user)
        .filter(pk=ticket.counter_id)
        .exists(),
        "is_shopper": ticket.shopper_id == request.user.pk,
        "tab": "",
    }
    if ctx["next_step"]:
        ctx["next_label"] = RepairTicket.Step(ctx["next_step"]).label
    if request.method == "GET":
        return render(request, "web/counters/repair.html", ctx)
    try:
        if "scanned" in request.POST:
            repairs.check_in(shopper=request.user, ticket=ticket, scanned=request.POST["scanned"])
        else:
            repairs.advance_repair(
                actor=request.user,
                ticket=ticket,
                step=request.POST.get("step", ""),
                note=request.POST.get("note", ""),
                return_to=request.POST.get("return_to", ""),
                code=request.POST.get("code", ""),
            )
    except DomainError as exc:  # refused: the same page with the message, nothing changed
        return _error(request, exc, "web/counters/repair.html", **ctx)
    return redirect("web:counter_repair", public_id=ticket.public_id)


@producer_required
@require_GET
def producer_insight(request: HttpRequest) -> HttpResponse:
    """Per model and region: scans, leads, conversions, vends, repairs and fault kinds of the
    producer's own products (all, for the platform); ?format=csv downloads the table."""
    import plotly.graph_objects as go

    rows = insight.insight(request.user)
    if request.GET.get("format") == "csv":
        header, table = insight.insight_table(rows)
        return csv_download("counter-insight.csv", header, table)
    totals = insight.by_model(rows)
    figure = go.Figure(
        [
            go.Bar(name=label, x=list(totals), y=[t[key] for t in totals.values()])
            for key, label in (
                ("scans", _("扫码")),
                ("leads", _("线索")),
                ("conversions", _("成交")),
                ("vends", _("售出")),
                ("repairs", _("维修")),
            )
        ]
    )
    chart = charts.render(figure, height=320, barmode="group", margin={"t": 10, "b": 40})
    passed = leads.leads_for_actor(request.user).filter(passed_on_at__isnull=False)
    ctx = {"rows": rows, "chart": chart if rows else "", "leads": passed[:100], "tab": ""}
    return render(request, "web/counters/insight.html", ctx)


@producer_required
@require_POST
def producer_lead(request: HttpRequest, public_id: str) -> HttpResponse:
    """The producer follows up a lead the retailer passed on (marks it contacted)."""
    try:
        leads.follow_up(
            actor=request.user,
            lead_id=public_id,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_insight")


# ---------------------------------------------------------------- ops actions


@staff_required
@require_POST
def ops_restock(request: HttpRequest, store, code: str) -> HttpResponse:
    """Post the restock transfer store -> counter for the quantities entered per bay."""
    try:
        counter = selectors.counter_for_actor(request.user, code)
        lines = []
        for bay in counter.bays.all():
            raw = request.POST.get(f"bay-{bay.number}", "").strip()
            if raw and raw != "0":
                lines.append({"bay": bay.number, "quantity": int(raw) if raw.isdigit() else raw})
        services.restock(actor=request.user, counter=counter, lines=lines)
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_ops_detail", code=code)


@staff_required
@require_POST
def ops_task_done(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        task = selectors.task_for_actor(request.user, public_id)
        services.complete_task(actor=request.user, task=task, note=request.POST.get("note", ""))
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_ops_detail", code=task.counter.code)


@staff_required
@require_POST
def ops_lead(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """Customer service marks a scan lead contacted (conversions come from orders)."""
    try:
        leads.follow_up(
            actor=request.user,
            lead_id=public_id,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_ops")


@staff_required
@require_POST
def ops_lead_pass_on(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """The retailer passes a scan lead on to the product's producer."""
    try:
        leads.pass_on(actor=request.user, lead_id=public_id)
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:counter_ops")
