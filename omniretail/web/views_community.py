"""Community pages (社群): the groups list (the home tile), creating a group (建群), joining
by the list, a link or its QR code, the chat (a WebSocket through web/community.js, with
htmx polling when there is no socket), the members page where admins approve, mute, ban
and set the announcement, and the platform's prohibited-word list. Parse, call
`community`, render; the rules live in the domain."""

from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.accounts.selectors import organizations_of
from omniretail.community import boards, cards, chat, moderation, selectors, services
from omniretail.community.models import BannedWord, Group, Member, ModerationAction
from omniretail.core import uploads
from omniretail.core.errors import DomainError, field_error
from omniretail.groupbuy.selectors import public_campaign
from omniretail.stores import selectors as stores
from omniretail.web.access import operator_required
from omniretail.web.views import _error, _page

MUTES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}


def groupbuy_card(public_id: str) -> dict:
    """The group-buy card's resolver, registered by WebConfig.ready (community may not import
    groupbuy, its sibling)."""
    campaign = public_campaign(public_id)
    return {
        "id": campaign.public_id,
        "title": campaign.title,
        "price": f"¥{campaign.group_price:,.2f}",
        "url": reverse("web:groupbuy_campaign", args=[campaign.public_id]),
    }


def register_cards() -> None:
    cards.register("groupbuy", groupbuy_card)


def _group(public_id: str) -> Group:
    return selectors.group(public_id)


def _qr(url: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))  # our own SVG


# ---------------------------------------------------------------- the list and 建群


@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_groups(request.user) if request.user.is_authenticated else []
    joined = {g.pk for g in mine}
    found = [g for g in selectors.discoverable()[:50] if g.pk not in joined]
    return render(request, "web/community/list.html", {"mine": mine, "found": found, "tab": "home"})


def _scopes(user) -> list[tuple[str, str]]:
    """What this person may create a group for: anyone the platform and a neighbourhood,
    a merchant's staff their merchant and its stores too."""
    scopes = [("platform", _("平台社群")), ("community", _("社区（小区）群"))]
    if organizations_of(user, kinds=["merchant"]).exists():
        scopes += [("merchant", _("商家群")), ("store", _("门店群"))]
    return scopes


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    ctx = {"scopes": _scopes(request.user), "rules": Group.JoinRule.choices, "form": {}}
    ctx["merchants"] = organizations_of(request.user, kinds=["merchant"])
    ctx["stores"] = stores.stores_for_actor(request.user).filter(is_active=True)
    if request.method == "GET":
        return render(request, "web/community/new.html", ctx)
    form = request.POST
    try:
        scope = form.get("scope", "platform")
        store = ctx["stores"].filter(public_id=form.get("store", "")).first()
        merchant = ctx["merchants"].filter(public_id=form.get("merchant", "")).first()
        limit = form.get("member_limit", "500").strip()
        if not limit.isdigit():
            raise field_error("member_limit", _("人数上限须为整数。"))
        group = services.create_group(
            creator=request.user,
            name=form.get("name", ""),
            description=form.get("description", ""),
            scope=scope,
            merchant=merchant,
            store=store,
            community_name=form.get("community_name", ""),
            join_rule=form.get("join_rule", "open"),
            member_limit=int(limit),
        )
    except DomainError as exc:
        return render(
            request,
            "web/community/new.html",
            {**ctx, "error": exc, "form": form},
            status=exc.status,
        )
    messages.success(request, _("群已创建，把邀请链接或二维码发给好友吧。"))
    return redirect("web:community_group", group.public_id)


# ---------------------------------------------------------------- joining


@require_GET
def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """Where the invitation link and its QR code lead: the group and a join button."""
    try:
        group = services.group_by_token(token)
    except DomainError as exc:
        return _error(request, exc)
    member = selectors.membership(request.user, group)
    if member is not None and member.status == Member.Status.ACTIVE:
        return redirect("web:community_group", group.public_id)
    return render(
        request, "web/community/join.html", {"group": group, "token": token, "member": member}
    )


@login_required
@require_POST
def join(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        group = _group(public_id)
        member = services.join(user=request.user, group=group, token=request.POST.get("token", ""))
    except DomainError as exc:
        return _error(request, exc)
    if member.status == Member.Status.PENDING:
        messages.info(request, _("已提交入群申请，等待管理员审核。"))
    return redirect("web:community_group", group.public_id)


@login_required
@require_POST
def leave(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        services.leave(user=request.user, group=_group(public_id))
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已退出该群。"))
    return redirect("web:community")


# ---------------------------------------------------------------- the chat


def _lines(group: Group, user=None, **page) -> list[dict]:
    """Payloads of a history page; a coupon card carries the viewer's `coupon` state."""
    found = selectors.history(group, **page)
    states = chat.coupon_states(user, found) if user is not None else {}
    return [{**chat.payload(m), "coupon": states.get(m.public_id)} for m in found]


@require_GET
def group_page(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        group = _group(public_id)
    except DomainError as exc:
        return _error(request, exc)
    member = selectors.membership(request.user, group)
    ctx = {"group": group, "member": member, "tab": "home"}
    if member is None or member.status != Member.Status.ACTIVE:
        return render(request, "web/community/join.html", ctx)
    lines = _lines(group, request.user)
    if lines:
        chat.mark_read(user=request.user, group=group, up_to=lines[-1]["id"])
    manages = member.role in (Member.Role.OWNER, Member.Role.ADMIN)
    ctx.update(
        lines=lines,
        last_id=lines[-1]["id"] if lines else "",
        first_id=lines[0]["id"] if lines else "",
        pinned=selectors.pinned(group),
        manages=manages,
        coupons=selectors.postable_coupons(group) if manages else [],
        muted=bool(member.muted_until and member.muted_until > timezone.now()),
    )
    return render(request, "web/community/group.html", ctx)


def _member_or_error(request, public_id):
    group = _group(public_id)
    chat.require_member(request.user, group)
    return group


@login_required
@require_GET
def poll(request: HttpRequest, public_id: str) -> HttpResponse:
    """The fallback without a socket: the lines after ?after= and the poller again (htmx
    swaps it, so it carries the new last id); ?before= gives an older page instead."""
    try:
        group = _member_or_error(request, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/community/_error.html")
    before = request.GET.get("before", "")
    try:
        if before:
            lines = _lines(group, request.user, before=before)
            return render(
                request,
                "web/community/_older.html",
                {
                    "group": group,
                    "lines": lines,
                    "first_id": lines[0]["id"] if lines else "",
                    "me": request.user.public_id,
                },
            )
        after = request.GET.get("after", "")
        lines = _lines(group, request.user, after=after)
    except DomainError as exc:
        return _error(request, exc, "web/community/_error.html")
    if lines:
        chat.mark_read(user=request.user, group=group, up_to=lines[-1]["id"])
    ctx = {
        "group": group,
        "lines": lines,
        "last_id": lines[-1]["id"] if lines else after,
        "me": request.user.public_id,
    }
    return render(request, "web/community/_poll.html", ctx)


@login_required
@require_POST
def send(request: HttpRequest, public_id: str) -> HttpResponse:
    """The composer without a socket (and always for an image): the message is written and
    broadcast; htmx gets the composer back (empty, or with the refusal) and the poller is
    told to fetch at once."""
    form = request.POST
    try:
        group = _group(public_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        card = None
        if form.get("card_kind") and form.get("card_id"):
            card = {"kind": form["card_kind"], "id": form["card_id"]}
        chat.post_message(
            author=request.user,
            group=group,
            text=form.get("text", ""),
            image=request.FILES.get("image"),
            card=card,
            reply_to=form.get("reply_to") or None,
        )
    except DomainError as exc:
        if not request.htmx:
            return _error(request, exc)
        ctx = {"group": group, "error": exc, "text": form.get("text", "")}
        return render(request, "web/community/_composer.html", ctx, status=exc.status)
    if not request.htmx:
        return redirect("web:community_group", group.public_id)
    response = render(request, "web/community/_composer.html", {"group": group})
    response["HX-Trigger"] = "community-poll"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest) -> HttpResponse:
    """Share a product (?product=) or a group-buy (?groupbuy=) into one of my groups."""
    source = request.POST if request.method == "POST" else request.GET
    kind = "product" if source.get("product") else "groupbuy"
    ident = source.get(kind, "")
    try:
        card = cards.resolve(kind, ident)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        ctx = {"card": card, "kind": kind, "mine": selectors.my_groups(request.user)}
        return render(request, "web/community/share.html", ctx)
    try:
        group = _group(source.get("group", ""))
        chat.post_message(
            author=request.user,
            group=group,
            text=source.get("text", ""),
            card={"kind": kind, "id": ident},
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:community_group", group.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def message_action(
    request: HttpRequest, public_id: str, message_id: str, action: str
) -> HttpResponse:
    """report (GET shows the reason form), remove, pin, unpin, claim (a coupon card's)."""
    try:
        group = _group(public_id)
        message = chat.get_message(group, message_id)
        if action == "claim" and request.method == "POST":
            coupon = chat.claim_coupon(user=request.user, group=group, message_id=message_id)
            messages.success(
                request,
                _("已领取「%(name)s」，可在我的优惠券中查看。") % {"name": coupon.template.name},
            )
            return redirect(
                f"{reverse('web:community_group', args=[group.public_id])}#m-{message_id}"
            )
        if action == "report":
            if request.method == "GET":
                ctx = {"group": group, "line": chat.payload(message)}
                return render(request, "web/community/report.html", ctx)
            moderation.report(
                reporter=request.user, message=message, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已举报，管理员会尽快处理。"))
        elif request.method != "POST":
            raise field_error("action", _("请用表单提交。"))
        elif action == "remove":
            moderation.remove_message(actor=request.user, group=group, message_id=message.pk)
            messages.success(request, _("消息已撤除。"))
        elif action in ("pin", "unpin"):
            services.pin(
                actor=request.user, group=group, message_id=message.pk, pinned=action == "pin"
            )
        else:
            raise field_error("action", _("不支持的操作。"))
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:community_group", group.public_id)


# ---------------------------------------------------------------- members and settings


def _members_page(request, group: Group, status: int = 200, **extra) -> HttpResponse:
    me = selectors.membership(request.user, group)
    manages = bool(me and me.status == Member.Status.ACTIVE and me.role in ("owner", "admin"))
    link = request.build_absolute_uri(reverse("web:community_join_link", args=[group.invite_token]))
    ctx = {
        "group": group,
        "me": me,
        "manages": manages,
        "members": selectors.members(group),
        "link": link,
        "qr": _qr(link) if manages or group.join_rule != Group.JoinRule.INVITE else "",
        "reports": moderation.open_reports(group) if manages else [],
        "rules": Group.JoinRule.choices,
        "now": timezone.now(),
        **extra,
    }
    return render(request, "web/community/members.html", ctx, status=status)


@login_required
@require_GET
def members(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        group = _member_or_error(request, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return _members_page(request, group)


@login_required
@require_POST
def member_action(request: HttpRequest, public_id: str, user_id: str, action: str) -> HttpResponse:
    """mute (for=1h|24h|7d), unmute, ban, unban, admin, member, approve, reject."""
    try:
        group = _group(public_id)
        actor, kw = request.user, {"group": group, "user_public_id": user_id}
        if action == "mute":
            span = MUTES.get(request.POST.get("for", ""))
            if span is None:
                raise field_error("for", _("请选择禁言时长。"))
            moderation.mute(actor=actor, until=timezone.now() + span, **kw)
        elif action == "unmute":
            moderation.unmute(actor=actor, **kw)
        elif action == "ban":
            moderation.ban(actor=actor, reason=request.POST.get("reason", ""), **kw)
        elif action == "unban":
            moderation.unban(actor=actor, **kw)
        elif action in ("admin", "member"):
            services.set_role(actor=actor, role=action, **kw)
        elif action in ("approve", "reject"):
            services.decide(actor=actor, approve=action == "approve", **kw)
        else:
            raise field_error("action", _("不支持的操作。"))
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已处理。"))
    return redirect("web:community_members", group.public_id)


@login_required
@require_POST
def group_settings(request: HttpRequest, public_id: str) -> HttpResponse:
    form = request.POST
    try:
        group = _group(public_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        if form.get("new_link"):
            services.new_invite_link(actor=request.user, group=group)
        else:
            limit = form.get("member_limit", "").strip()
            if limit and not limit.isdigit():
                raise field_error("member_limit", _("人数上限须为整数。"))
            services.update_settings(
                actor=request.user,
                group=group,
                announcement=form.get("announcement"),
                join_rule=form.get("join_rule") or None,
                member_limit=int(limit) if limit else None,
            )
    except DomainError as exc:
        return _members_page(request, group, status=exc.status, error=exc)
    messages.success(request, _("群设置已保存。"))
    return redirect("web:community_members", group.public_id)


# ---------------------------------------------------------------- the platform's word list


@operator_required
@require_http_methods(["GET", "POST"])
def words(request: HttpRequest) -> HttpResponse:
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                moderation.remove_word(actor=request.user, word_id=request.POST["delete"])
            else:
                moderation.add_word(actor=request.user, word=request.POST.get("word", ""))
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("web:ops_community_words")
    ctx = {
        "words": BannedWord.objects.all(),
        "audit": ModerationAction.objects.select_related("actor", "target", "group")[:50],
        "error": error,
        "tab": "",
    }
    return render(request, "web/community/words.html", ctx, status=status)


# ---------------------------------------------------------------- boards (频道)


@require_GET
def boards_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/community/boards.html", {"boards": boards.boards(), "tab": "home"})


@require_http_methods(["GET", "POST"])
def board_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The board's posts (?topic= narrows to one #话题#) and, signed in, a new post."""
    try:
        found = boards.board(slug)
    except DomainError as exc:
        return _error(request, exc)
    error, status, form = None, 200, {}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        form = request.POST
        try:
            made = boards.create_post(
                author=request.user,
                board=found,
                title=form.get("title", ""),
                text=form.get("text", ""),
                photos=uploads.photo_files(request),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("web:community_post", made.public_id)
    topic = request.GET.get("topic", "")[:20]
    page = _page(request, boards.posts(found, topic=topic))
    ctx = {
        "board": found,
        "page": page,
        "topic": topic,
        "error": error,
        "form": form,
        "tab": "home",
    }
    return render(request, "web/community/board.html", ctx, status=status)


def _post_page(request, post, status: int = 200, **extra) -> HttpResponse:
    ctx = {
        "post": post,
        "topics": boards.topics_of(post),
        "photos": [uploads.photo_url(name) for name in post.photos],
        "comments": post.comments.filter(removed_at__isnull=True).select_related("author"),
        "liked": request.user.is_authenticated and post.likes.filter(user=request.user).exists(),
        "moderates": request.user.is_authenticated and boards.moderates(request.user, post.board),
        "tab": "home",
        **extra,
    }
    return render(request, "web/community/post.html", ctx, status=status)


@require_GET
def post_page(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        return _post_page(request, boards.post(public_id))
    except DomainError as exc:
        return _error(request, exc)


@login_required
@require_POST
def post_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """like, unlike, comment, report, remove (a comment: remove-comment with `comment`)."""
    try:
        post = boards.post(public_id)
    except DomainError as exc:
        return _error(request, exc)
    form = request.POST
    try:
        if action == "like":
            boards.like(user=request.user, post=post)
        elif action == "unlike":
            boards.unlike(user=request.user, post=post)
        elif action == "comment":
            boards.comment(author=request.user, post=post, text=form.get("text", ""))
        elif action == "report":
            boards.report(reporter=request.user, post=post, reason=form.get("reason", ""))
            messages.success(request, _("已举报，版主会尽快处理。"))
        elif action == "remove":
            boards.remove_post(actor=request.user, post=post, reason=form.get("reason", ""))
            messages.success(request, _("帖子已删除。"))
            return redirect("web:community_board", post.board.slug)
        elif action == "remove-comment":
            raw = form.get("comment", "")
            boards.remove_comment(actor=request.user, comment_id=int(raw) if raw.isdigit() else 0)
        else:
            raise field_error("action", _("不支持的操作。"))
    except DomainError as exc:
        post.refresh_from_db()
        return _post_page(request, post, status=exc.status, error=exc, text=form.get("text", ""))
    return redirect("web:community_post", post.public_id)
