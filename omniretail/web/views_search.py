"""Around the search page: suggestions while typing (联想, an htmx fragment), the member's
own history (delete one, clear all), and the operators' 热搜 console. The rules live in
catalog.discovery."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog import discovery
from omniretail.core.errors import DomainError, field_error
from omniretail.web.access import operator_required


@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """The list under the search box for what is typed so far (?q=); empty for nothing."""
    query = request.GET.get("q", "")[:100]
    items = discovery.suggest(query) if query.strip() else []
    return render(request, "web/_search_suggestions.html", {"items": items, "query": query})


@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    """Remove one search from the member's history (an anonymous visitor has none)."""
    discovery.forget_search(request.user, request.POST.get("q", ""))
    return redirect("web:search")


@require_POST
def clear(request: HttpRequest) -> HttpResponse:
    discovery.clear_history(request.user)
    return redirect("web:search")


@operator_required
@require_http_methods(["GET", "POST"])
def hot_words(request: HttpRequest) -> HttpResponse:
    """The platform's 热搜 words: counted ones with their score, pin one at a position, ban
    one, or undo either."""
    error, status = None, 200
    if request.method == "POST":
        action, word = request.POST.get("action", ""), request.POST.get("word", "")
        try:
            if action == "pin":
                discovery.pin_word(
                    actor=request.user, word=word, position=request.POST.get("position")
                )
            elif action == "ban":
                discovery.ban_word(actor=request.user, word=word)
            elif action == "release":
                discovery.release_word(actor=request.user, word=word)
            else:
                raise field_error("action", _("请选择操作：置顶、屏蔽或恢复。"))
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("热搜词已更新。"))
            return redirect("web:ops_search_hot_words")
    ctx = {
        "board": discovery.hot_word_board(),
        "shown": discovery.hot_words(),
        "positions": range(1, discovery.HOT_SHOWN + 1),
        "error": error,
        "tab": "",
    }
    return render(request, "web/search_hot_words.html", ctx, status=status)
