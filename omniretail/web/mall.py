"""The shopper's mall for their region (seed 004 b–d): which region a shopper shops in,
the catalogue as that region shows it, and 猜你喜欢 from what the shopper did. The region is
the one of the nearest store the shopper last looked up (附近商家, kept in the session, so a
visitor who is not signed in has one too), else of the merchant they last ordered from;
unknown, the mall shows everything."""

from django.db.models import Case, Q, Value, When

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
    """catalog.public_products(**filters) as the region's shoppers see them, as cards
    (catalog.as_cards: a page's pictures come with catalog.with_pictures)."""
    qs = catalog.as_cards(catalog.public_products(**filters))
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


def _seeds(request) -> dict:
    """What 猜你喜欢 starts from: what the shopper bought, favourited and viewed."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "bought": recommendations.bought_by(user),
        "favourites": list(favourite_ids(request)),
        "viewed": list(shopping.history(user).values_list("product_id", flat=True)[:50]),
    }


def guesses(request, region: Organization | None, *, product=None, limit: int = GUESSES):
    """猜你喜欢 for this shopper (the sales ranking for a visitor not signed in)."""
    return catalog.with_pictures(
        recommendations.guess(
            **_seeds(request), product=product, region=region, shown=products(region), limit=limit
        )
    )


def home_sections(request, region: Organization | None, *, size: int) -> dict[str, list]:
    """The home page's grids: featured, 限时特价 (offers), 優品匯 (picks) and 猜你喜欢
    (guesses), `size` cards each. Each section picks its product ids; one read then loads
    every card, one more their pictures (one read per section was 12 queries). Featured and
    猜你喜欢 show the region's products only, as their own pages do."""
    offers = merchandising.special_product_ids(running_specials(request))
    picks = merchandising.featured_ids(region=region)
    guessed = recommendations.guess_ids(**_seeds(request), region=region, limit=size)
    top_featured = products(region, featured=True).values("pk")[:size]
    cards = catalog.product_cards().filter(
        Q(pk__in=[*offers, *picks, *guessed]) | Q(pk__in=top_featured)
    )
    if region is not None:
        here = When(supply.shown_in_region(region), then=Value(True))
        cards = cards.annotate(shown_here=Case(here, default=Value(False)))
    by_id = {card.pk: card for card in catalog.with_pictures(cards)}

    def shown(pk) -> bool:
        return pk in by_id and getattr(by_id[pk], "shown_here", True)

    # the featured products among them in public_products() order: those of the top `size`
    # come first, as every other featured product shown here ranks below them
    featured = sorted(
        (p for p in by_id.values() if p.is_featured and shown(p.pk)),
        key=lambda p: (p.created_at, p.pk),
        reverse=True,
    )
    return {
        "featured": featured[:size],
        "offers": [by_id[pk] for pk in offers if pk in by_id][:size],
        "picks": [by_id[pk] for pk in picks if pk in by_id][:size],
        "guesses": [by_id[pk] for pk in guessed if shown(pk)][:size],
    }
