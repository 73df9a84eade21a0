"""The shopper's mall for their region (seed 004 b–d): which region a shopper shops in,
the catalogue as that region shows it, and 猜你喜欢 from what the shopper did. The region is
the one of the nearest store the shopper last looked up (附近商家, kept in the session, so a
visitor who is not signed in has one too), else of the merchant they last ordered from;
unknown, the mall shows everything."""

from omniretail.accounts.models import Organization
from omniretail.catalog import selectors as catalog
from omniretail.merchandising import recommendations
from omniretail.merchandising import selectors as merchandising
from omniretail.shopping import selectors as shopping
from omniretail.supply import selectors as supply

SESSION_REGION = "mall_region"
GUESSES = 6


def remember_region(request, store) -> None:
    """The shopper is around `store`: their mall is its merchant's region from now on."""
    region_id = store.merchant.region_id
    if region_id and request.session.get(SESSION_REGION) != region_id:
        request.session[SESSION_REGION] = region_id


def shopper_region(request) -> Organization | None:
    region_id = request.session.get(SESSION_REGION)
    if region_id:
        found = Organization.objects.filter(
            pk=region_id, kind=Organization.Kind.REGION, is_active=True
        ).first()
        if found is not None:
            return found
    return merchandising.shopper_region(request.user)


def products(region: Organization | None, **filters):
    """catalog.public_products(**filters) as the region's shoppers see them."""
    qs = catalog.public_products(**filters)
    return qs.filter(supply.shown_in_region(region)) if region is not None else qs


def favourite_ids(request) -> set[int]:
    """The signed-in shopper's favourites, read once per request (the cards' hearts, see
    shopping_tags, and 猜你喜欢 share it)."""
    ids = getattr(request, "_favourite_ids", None)
    if ids is None:
        ids = request._favourite_ids = shopping.favourite_ids(request.user)
    return ids


def running_specials(request) -> dict:
    """merchandising.running_specials(), read once per request (the cards' special badges,
    see merchandising_tags, share it)."""
    running = getattr(request, "_running_specials", None)
    if running is None:
        running = request._running_specials = merchandising.running_specials()
    return running


def guesses(request, region: Organization | None, *, product=None, limit: int = GUESSES):
    """猜你喜欢 for this shopper (the sales ranking for a visitor not signed in)."""
    user = request.user
    seeds: dict = {}
    if user.is_authenticated:
        seeds = {
            "bought": recommendations.bought_by(user),
            "favourites": list(favourite_ids(request)),
            "viewed": [v.product_id for v in shopping.history(user)[:50]],
        }
    return recommendations.guess(
        **seeds, product=product, region=region, shown=products(region), limit=limit
    )
