"""The public store page (/stores/<id>/; /s/ is taken by the referral share link): what a
shopper nearby needs on a phone: whether it is open now, how to get there and call, what
others thought, what is on its shelf and which group buys run there. Reads only; every
rule lives in the domains' selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from omniretail.core.errors import DomainError
from omniretail.groupbuy import selectors as groupbuy
from omniretail.inventory import selectors as stock
from omniretail.reviews import services as reviews
from omniretail.stores import selectors as stores
from omniretail.web.views import _error

GOODS_SHOWN = 20
REVIEWS_SHOWN = 10


@require_GET
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
        "open_now": stores.is_open(store, now),
        "today": stores.todays_hours(store, now),
        "week": stores.weekly_hours(store),
        "exceptions": stores.upcoming_exceptions(store, now)[:5],
        "maps": stores.navigation_links(store),
        "reviews": reviews.store_reviews(store, limit=REVIEWS_SHOWN),
        "goods": stock.in_stock_at(store, limit=GOODS_SHOWN),
        "campaigns": list(groupbuy.open_campaigns(now).filter(store=store)[:10]),
    }
    return render(request, "web/stores/store.html", ctx)
