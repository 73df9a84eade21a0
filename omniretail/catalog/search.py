"""Chinese product search: jieba turns text into words, the database's own full-text index
(FTS5 on SQLite, a tsvector GIN index on PostgreSQL) finds and ranks them.

Besides the jieba words, a product's index text holds what shoppers type instead of its
words: the pinyin and initials of its name, brand and categories (`mianmo`, `mm`), English
keywords from `lexicon.GLOSSARY` ("mask"), and every character and character pair of its
name with spaces and punctuation removed. A query is answered by one index lookup that
ORs three readings of it: its jieba words (each widened by `lexicon.SYNONYMS`), the whole
query as one word (`面 膜` → 面膜, `mian mo` → mianmo), and its character pairs. The pairs
make every name that contains the query a match whatever jieba makes of either, so the
results hold everything `name LIKE '%q%'` finds, one-character queries included, through
the index.

Only `services.reindex_product` writes the index and only `selectors.search_products` reads
it; this module holds the vendor-specific SQL they share. User input always travels as a
query parameter, never inside the SQL text."""

import logging
import re
import threading
import unicodedata

from django.db import connection
from django.db.models import QuerySet

from omniretail.catalog import lexicon

FTS_TABLE = "catalog_product_fts"
MAX_QUERY_TOKENS = 12
MAX_QUERY_PAIRS = 16  # any subset of a query's pairs still matches every name containing it
MAX_PINYIN_LENGTH = 60

_NON_WORD = re.compile(r"[\W_]+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_CJK_GAP = re.compile(f"(?<=[{_CJK}])[\\W_]+(?=[{_CJK}])")
_PLURAL = re.compile(r"[a-z]{3,}s")
_lock = threading.Lock()
_jieba = None

# Term: alternatives, each a tuple of tokens that must all match (a synonym of two words).
# Clause: terms that must all match. Expression: clauses of which one must match.
Term = tuple[tuple[str, ...], ...]
Clause = list[Term]


def _segmenter():
    """jieba loads its dictionary in about a second: do it once, on first use, quietly."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def compact(text: str) -> str:
    """Lowercased, full-width folded, with every space and punctuation mark removed: the form
    in which `面 膜`, `面膜！` and `面膜` are the same query."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def tokens(text: str) -> list[str]:
    """Search-mode words (long words also yield their shorter dictionary words), in compact
    form; whitespace and punctuation dropped."""
    if not text:
        return []
    words = (compact(w) for w in _segmenter().cut_for_search(text))
    return [w for w in words if w]


def _words(text: str) -> list[str]:
    """Precise-mode words (no overlaps), in compact form."""
    return [w for w in (compact(w) for w in _segmenter().lcut(text or "")) if w]


def pinyin_keys(text: str) -> list[str]:
    """Full pinyin and initials of the text's Chinese words, from each word to the end of the
    text, so that a shopper may start typing at any word: 补水保湿面膜 gives bushuibaoshimianmo,
    baoshimianmo, mianmo and bsbsmm, bsmm, mm."""
    from pypinyin import Style, lazy_pinyin

    words = [w for w in _words(text) if _HAS_CJK.search(w)]
    full = ["".join(lazy_pinyin(w, errors="ignore")) for w in words]
    initials = ["".join(lazy_pinyin(w, style=Style.FIRST_LETTER, errors="ignore")) for w in words]
    out: dict[str, None] = {}
    for i in range(len(words)):
        for seq in (full, initials):
            if token := compact("".join(seq[i:]))[:MAX_PINYIN_LENGTH]:
                out.setdefault(token, None)
    return list(out)


def _english(text: str) -> list[str]:
    """English keywords for the Chinese words of the glossary that the text contains."""
    out: dict[str, None] = {}
    for key, english in lexicon.GLOSSARY.items():
        if key in text:
            for word in english.split():
                out.setdefault(compact(word), None)
    return list(out)


def _pairs(text: str) -> list[str]:
    """Every character and every pair of neighbouring characters of the compact text."""
    out: dict[str, None] = {}
    for i, char in enumerate(text):
        out.setdefault(char, None)
        if i + 1 < len(text):
            out.setdefault(text[i : i + 2], None)
    return list(out)


def document(*, name: str, subtitle: str, brand: str, category: str, description: str) -> str:
    """The text the index holds. The name is written twice so that a product named after the
    query outranks one that merely mentions it in its description."""
    parts = [name, name, subtitle, brand, category, description]
    words = tokens(" ".join(p for p in parts if p))
    extra = [
        *pinyin_keys(name),
        *pinyin_keys(brand),
        *pinyin_keys(category),
        *_english(" ".join([name, subtitle, category])),
        *_pairs(compact(name)),
    ]
    return " ".join(words + extra)


def write_index(product_id: int, search_text: str) -> None:
    """Mirror search_text into the FTS5 table (SQLite only; on PostgreSQL the generated
    search_vector column follows search_text)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [product_id])
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (%s, %s)",
            [product_id, search_text],
        )


def drop_from_index(product_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [product_id])


_SYNONYMS: dict[str, tuple[str, ...]] = {
    word: group for group in lexicon.SYNONYMS for word in group
}


def _term(word: str) -> Term:
    """A query word and what else may stand for it: its synonyms, its English singular."""
    alternatives: dict[tuple[str, ...], None] = {(word,): None}
    for synonym in _SYNONYMS.get(word, ()):
        if words := tuple(_words(synonym)):
            alternatives.setdefault(words, None)
    if _PLURAL.fullmatch(word):
        alternatives.setdefault((word[:-1],), None)
    return tuple(alternatives)


def _query_pairs(text: str) -> list[str]:
    if len(text) == 1:
        return [text]
    pairs = list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))
    if len(pairs) > MAX_QUERY_PAIRS:  # spread over the whole query
        step = len(pairs) / MAX_QUERY_PAIRS
        pairs = [pairs[int(i * step)] for i in range(MAX_QUERY_PAIRS)]
    return pairs


def parse(query: str) -> list[Clause]:
    """The readings of a shopper's query, any of which may match (see the module's docstring);
    empty when the query has no letter or digit."""
    whole = compact(query)
    if not whole:
        return []
    words = list(dict.fromkeys(tokens(_CJK_GAP.sub("", query))))[:MAX_QUERY_TOKENS]
    clauses: list[Clause] = []
    if words:
        clauses.append([_term(w) for w in words])
    if words != [whole]:
        clauses.append([_term(whole)])
    pairs: Clause = [((pair,),) for pair in _query_pairs(whole)]
    if pairs not in clauses:
        clauses.append(pairs)
    return clauses


def _render(clauses: list[Clause], token, conj: str, disj: str) -> str:
    def group(parts: list[str], op: str) -> str:
        return parts[0] if len(parts) == 1 else "(" + f" {op} ".join(parts) + ")"

    return group(
        [
            group(
                [group([group([token(t) for t in alt], conj) for alt in term], disj) for term in c],
                conj,
            )
            for c in clauses
        ],
        disj,
    )


def _fts5_query(clauses: list[Clause]) -> str:
    # Each token is a quoted phrase (quotes doubled), prefix-matched.
    return _render(clauses, lambda t: '"{}"*'.format(t.replace('"', '""')), "AND", "OR")


def _tsquery(clauses: list[Clause]) -> str:
    # Each token is a quoted lexeme with quotes and backslashes escaped, prefix-matched.
    def lexeme(t: str) -> str:
        return "'{}':*".format(t.replace("\\", "\\\\").replace("'", "''"))

    return _render(clauses, lexeme, "&", "|")


def is_broad(query: str) -> bool:
    """A one-character query (`霜`, `茶`, `c`) matches a large part of the catalogue (茶: a
    quarter of 100,000 products): it is listed in listing order, not ranked (see `full_text`)."""
    return len(compact(query)) == 1


def full_text(qs: QuerySet, clauses: list[Clause], *, broad: bool = False) -> QuerySet:
    """Products matching the parsed query, annotated with `search_rank` (lower is better).

    `broad` (a one-character query): every match ranks the same (`search_rank` 0), so the
    listing's order is an index's order and the database walks that index
    (`catalog_product_listing`, newest within featured) testing each row against the
    query until it has a page, instead of reading and sorting every match. On SQLite the
    FTS5 matches are then a set the walk looks rows up in, rather than the join's driver."""
    table = qs.model._meta.db_table
    if connection.vendor == "sqlite":
        fts = _fts5_query(clauses)
        if broad:
            return qs.extra(
                # `+id`: not driven by the matches' rowids (then every match would be read
                # and sorted), only tested against them as the walk goes
                where=[
                    f"+{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
                ],
                params=[fts],
                select={"search_rank": "0"},
            )
        return qs.extra(
            tables=[FTS_TABLE],
            # `+rowid`: the index must not be probed once per product row (SQLite's planner
            # prefers that, and runs the whole MATCH again for each row); it is read once
            # and joined to products by primary key.
            where=[f"{table}.id = +{FTS_TABLE}.rowid", f"{FTS_TABLE} MATCH %s"],
            params=[fts],
            select={"search_rank": f"bm25({FTS_TABLE})"},
        )
    if connection.vendor == "postgresql":
        vector = f"{table}.search_vector"  # generated from search_text (migration 0005)
        tsquery = _tsquery(clauses)
        if broad:
            rank, rank_params = "0", []
        else:
            rank, rank_params = f"-ts_rank({vector}, to_tsquery('simple', %s))", [tsquery]
        return qs.extra(
            where=[f"{vector} @@ to_tsquery('simple', %s)"],
            params=[tsquery],
            select={"search_rank": rank},
            select_params=rank_params,
        )
    return qs.none()


def look_alikes(qs: QuerySet, query: str) -> QuerySet | None:
    """On PostgreSQL, names that look like the query (a typo, a wrong character) by trigram
    similarity, through the name's trigram index (pg_trgm's `%` operator and its
    threshold): what a search shows when nothing matches. None elsewhere. Not read here:
    the caller knows from its own count whether it needs them."""
    if connection.vendor != "postgresql":
        return None
    table = qs.model._meta.db_table
    return qs.extra(
        where=[f"{table}.name %% %s"],
        params=[query],
        select={"search_rank": f"-similarity({table}.name, %s)"},
        select_params=[query],
    )
