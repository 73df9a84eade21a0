"""What shoppers search for: the search log, a member's own history, 热搜 hot words and the
suggestions (联想) of the search box.

Every first page of a search is logged (its compact form, the result count, the member if
signed in). A periodic job (`refresh`, tasks.py) counts the hot words from the last
HOT_DAYS days: searches that found something, each member once per word, each anonymous
search once, and a word only once HOT_MIN_SCORE people have searched it, so that one
shopper's search is never shown to everyone. Operators pin words (shown first) and ban
them (never shown). The same job rewrites the suggestion keys of brands, categories and
hot words and drops log rows older than LOG_DAYS; run twice, it leaves the same tables."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.catalog import search, selectors
from omniretail.catalog.models import (
    Brand,
    Category,
    HotWord,
    Product,
    SearchHistory,
    SearchLog,
    SuggestTerm,
)
from omniretail.catalog.services import _require_platform
from omniretail.core import recents
from omniretail.core.errors import NotFound, field_error

LOG_DAYS = 30
HOT_DAYS = 7
HOT_MIN_SCORE = 3
HOT_KEEP = 30  # words the job keeps scores for
HOT_SHOWN = 10
HISTORY_SIZE = 20
SUGGEST_LIMIT = 10
MAX_WORD_LENGTH = 40
PINNED_WEIGHT = 1_000_000  # a pinned word is suggested before any counted one


def _member(user) -> User | None:
    return user if user is not None and user.is_authenticated else None


# --- the log and the personal history -----------------------------------------------------


def record_search(*, query: str, result_count: int, member=None, now=None) -> None:
    """Log a search and, for a signed-in member, put it at the top of their history, which
    keeps their last HISTORY_SIZE distinct searches. Anonymous shoppers have no history."""
    now = now or timezone.now()
    typed = " ".join(query.split())[: selectors.MAX_QUERY_LENGTH]
    word = search.compact(typed)
    if not word:
        return
    member = _member(member)
    SearchLog.objects.create(query=word, result_count=result_count, member=member, created_at=now)
    if member is None:
        return
    recents.remember(  # two statements: the upsert and the trim, no BEGIN or COMMIT
        SearchHistory,
        owner="member",
        owner_id=member.pk,
        item="query",
        value=typed,
        stamp="searched_at",
        at=now,
        keep=HISTORY_SIZE,
    )


def history(member) -> list[str]:
    """The member's last searches, newest first; nothing for an anonymous visitor."""
    member = _member(member)
    if member is None:
        return []
    rows = SearchHistory.objects.filter(member=member).order_by("-searched_at", "-id")
    return list(rows.values_list("query", flat=True)[:HISTORY_SIZE])


def forget_search(member, query: str) -> int:
    """Remove one search from the member's history; the number of rows removed (0 when it
    was not there: deleting twice is harmless)."""
    member = _member(member)
    if member is None:
        return 0
    return SearchHistory.objects.filter(member=member, query=" ".join(query.split())).delete()[0]


def clear_history(member) -> int:
    member = _member(member)
    if member is None:
        return 0
    return SearchHistory.objects.filter(member=member).delete()[0]


def exported_searches(user) -> list[dict]:
    """The member's search history for their copy of their data (PIPL)."""
    rows = SearchHistory.objects.filter(member=user).order_by("-searched_at", "-id")
    return [{"query": h.query, "searched_at": h.searched_at.isoformat()} for h in rows]


def forget_member(*, user) -> int:
    """Closing the account: the history goes, and the log keeps the words without the
    member (hot words are counted from them)."""
    SearchLog.objects.filter(member=user).update(member=None)
    return SearchHistory.objects.filter(member=user).delete()[0]


# --- sales, for the 销量 sort -------------------------------------------------------------


def set_sales_units(units: dict[int, int]) -> int:
    """Each product's units sold in the last 30 days, net of returns (product id -> units;
    a product not named sold none). Called by the sales ranking's job (merchandising), which
    reads the orders; only rows whose figure changed are written. Returns their number."""
    changed = (
        Product.objects.filter(sales_units__gt=0).exclude(pk__in=list(units)).update(sales_units=0)
    )
    by_units: dict[int, list[int]] = defaultdict(list)
    for pk, n in units.items():
        by_units[n].append(pk)
    for n, pks in by_units.items():
        changed += Product.objects.filter(pk__in=pks).exclude(sales_units=n).update(sales_units=n)
    return changed


# --- hot words ------------------------------------------------------------------------------


def _shown() -> Q:
    return Q(is_banned=False) & (Q(pinned_position__isnull=False) | Q(score__gt=0))


def _board_order():
    return (F("pinned_position").asc(nulls_last=True), F("score").desc(), F("word").asc())


def hot_words(limit: int = HOT_SHOWN) -> list[str]:
    """The 热搜 words shown before typing: pinned ones in their order, then by score."""
    rows = HotWord.objects.filter(_shown()).order_by(*_board_order())
    return list(rows.values_list("word", flat=True)[:limit])


def hot_word_board() -> list[HotWord]:
    """Every word the console manages: counted, pinned or banned."""
    return list(HotWord.objects.order_by(*_board_order()))


def _scores(now) -> dict[str, int]:
    rows = (
        SearchLog.objects.filter(created_at__gte=now - timedelta(days=HOT_DAYS), result_count__gt=0)
        .values("query")
        .annotate(score=Count("member", distinct=True) + Count("pk", filter=Q(member=None)))
        .filter(score__gte=HOT_MIN_SCORE)
        .order_by("-score", "query")
    )
    out: dict[str, int] = {}
    for row in rows:
        if len(row["query"]) <= MAX_WORD_LENGTH:
            out[row["query"]] = row["score"]
        if len(out) == HOT_KEEP:
            break
    return out


def _keys(text: str) -> list[str]:
    """What a shopper may type to mean the text: itself, its pinyin and initials."""
    keys = dict.fromkeys([search.compact(text), *search.pinyin_keys(text)])
    return [k[:100] for k in keys if k]


def _rebuild_terms() -> int:
    terms: list[tuple[str, str, int]] = [
        (w.word, SuggestTerm.Kind.HOT, PINNED_WEIGHT if w.pinned_position else w.score)
        for w in HotWord.objects.filter(_shown())
    ]
    brands = (
        Brand.objects.filter(products__status=Product.Status.APPROVED)
        .annotate(n=Count("products"))
        .values_list("name", "n")
    )
    terms += [(name, SuggestTerm.Kind.BRAND, n) for name, n in brands]
    categories = Category.objects.filter(is_active=True).values_list("name", flat=True)
    terms += [(name, SuggestTerm.Kind.CATEGORY, 0) for name in categories]
    rows = [
        SuggestTerm(key=key, text=text, kind=kind, weight=weight)
        for text, kind, weight in terms
        for key in _keys(text)
    ]
    SuggestTerm.objects.all().delete()
    SuggestTerm.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@transaction.atomic
def refresh(*, now=None) -> int:
    """The periodic job: count the hot words, rewrite the suggestion keys, drop old log
    rows. Returns the number of hot words counted."""
    now = now or timezone.now()
    scores = _scores(now)
    HotWord.objects.exclude(word__in=scores).filter(pinned_position=None, is_banned=False).delete()
    HotWord.objects.exclude(word__in=scores).exclude(score=0).update(score=0)
    HotWord.objects.bulk_create(
        [HotWord(word=word, score=score) for word, score in scores.items()],
        update_conflicts=True,
        unique_fields=["word"],
        update_fields=["score", "updated_at"],
    )
    _rebuild_terms()
    SearchLog.objects.filter(created_at__lt=now - timedelta(days=LOG_DAYS)).delete()
    return len(scores)


def _word(value: str) -> str:
    word = search.compact(value or "")
    if not word:
        raise field_error("word", _("请输入热搜词（需要包含文字或数字）。"))
    if len(word) > MAX_WORD_LENGTH:
        raise field_error("word", _("热搜词不能超过 %(n)s 个字。") % {"n": MAX_WORD_LENGTH})
    return word


@transaction.atomic
def pin_word(*, actor: User, word: str, position) -> HotWord:
    """Show the word among the hot words at `position` (1 first), whatever its count; a
    banned word is unbanned by pinning it."""
    _require_platform(actor)
    word = _word(word)
    try:
        position = int(position)
    except (TypeError, ValueError):
        position = 0
    if not 1 <= position <= HOT_SHOWN:
        raise field_error("position", _("置顶位置须为 1 到 %(n)s 之间的整数。") % {"n": HOT_SHOWN})
    hot, _created = HotWord.objects.update_or_create(
        word=word, defaults={"pinned_position": position, "is_banned": False}
    )
    _rebuild_terms()
    return hot


@transaction.atomic
def ban_word(*, actor: User, word: str) -> HotWord:
    """Never show the word as a hot word or a hot-word suggestion, whatever its count."""
    _require_platform(actor)
    hot, _created = HotWord.objects.update_or_create(
        word=_word(word), defaults={"pinned_position": None, "is_banned": True}
    )
    _rebuild_terms()
    return hot


@transaction.atomic
def release_word(*, actor: User, word: str) -> None:
    """Undo a pin or a ban: the word is shown again as its count decides."""
    _require_platform(actor)
    hot = HotWord.objects.filter(word=_word(word)).first()
    if hot is None:
        raise NotFound(_("找不到该热搜词。"), fields={"word": _("找不到该热搜词。")})
    if hot.score:
        HotWord.objects.filter(pk=hot.pk).update(pinned_position=None, is_banned=False)
    else:
        hot.delete()
    _rebuild_terms()


# --- suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # hot, brand, category, product


_KIND_ORDER = Case(
    When(kind=SuggestTerm.Kind.HOT, then=Value(0)),
    When(kind=SuggestTerm.Kind.BRAND, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def suggest(query: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Up to `limit` completions of what is typed, by prefix, pinyin or initials: hot words,
    then brands, then categories (by their keys' index), then product names from the search
    index. A query with no letter or digit has none."""
    key = search.compact(query)[: selectors.MAX_QUERY_LENGTH]
    if not key:
        return []
    out: dict[str, Suggestion] = {}
    terms = (
        SuggestTerm.objects.filter(key__startswith=key)
        .order_by(_KIND_ORDER, "-weight", "text")
        .values_list("text", "kind")[: limit * 3]
    )
    for text, kind in terms:
        out.setdefault(text, Suggestion(text=text, kind=kind))
    if len(out) < limit:
        names = selectors.search_products(query).values_list("name", flat=True)[: limit * 2]
        for name in names:
            out.setdefault(name, Suggestion(text=name, kind="product"))
    return list(out.values())[:limit]
