"""Chinese product search: jieba turns text into words, the database's own full-text index
(FTS5 on SQLite, a tsvector GIN index on PostgreSQL) finds and ranks them.

Only `services.reindex_product` writes the index and only `selectors.search_products` reads it;
this module holds the vendor-specific SQL they share. User input always travels as a query
parameter, never inside the SQL text."""

import logging
import re
import threading

from django.db import connection
from django.db.models import QuerySet

FTS_TABLE = "catalog_product_fts"
MAX_QUERY_TOKENS = 12
FALLBACK_SIMILARITY = 0.3

_WORD = re.compile(r"\w")
_lock = threading.Lock()
_jieba = None


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


def tokens(text: str) -> list[str]:
    """Search-mode words (long words also yield their shorter dictionary words), lowercased;
    whitespace and punctuation dropped."""
    if not text:
        return []
    words = (w.strip().lower() for w in _segmenter().cut_for_search(text))
    return [w for w in words if w and _WORD.search(w)]


def query_tokens(query: str) -> list[str]:
    """The words of a shopper's query, each once, in order."""
    seen: dict[str, None] = {}
    for word in tokens(query):
        seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def document(*, name: str, subtitle: str, brand: str, category: str, description: str) -> str:
    """The text the index holds. The name is written twice so that a product named after the
    query outranks one that merely mentions it in its description."""
    parts = [name, name, subtitle, brand, category, description]
    return " ".join(tokens(" ".join(p for p in parts if p)))


def write_index(product_id: int, search_text: str) -> None:
    """Mirror search_text into the FTS5 table (SQLite only; PostgreSQL indexes the column)."""
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


def _fts5_query(words: list[str]) -> str:
    # Each word is a quoted phrase (quotes doubled), prefix-matched; juxtaposition is AND.
    return " ".join('"{}"*'.format(w.replace('"', '""')) for w in words)


def _tsquery(words: list[str]) -> str:
    # Each word is a quoted lexeme with quotes and backslashes escaped, prefix-matched, ANDed.
    quoted = ("'{}':*".format(w.replace("\\", "\\\\").replace("'", "''")) for w in words)
    return " & ".join(quoted)


def full_text(qs: QuerySet, words: list[str]) -> QuerySet:
    """Products matching every word, annotated with `search_rank` (lower is better)."""
    table = qs.model._meta.db_table
    if connection.vendor == "sqlite":
        return qs.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"],
            params=[_fts5_query(words)],
            select={"search_rank": f"bm25({FTS_TABLE})"},
        )
    if connection.vendor == "postgresql":
        vector = f"to_tsvector('simple', {table}.search_text)"
        tsquery = _tsquery(words)
        return qs.extra(
            where=[f"{vector} @@ to_tsquery('simple', %s)"],
            params=[tsquery],
            select={"search_rank": f"-ts_rank({vector}, to_tsquery('simple', %s))"},
            select_params=[tsquery],
        )
    return qs.none()


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fallback(qs: QuerySet, query: str) -> QuerySet:
    """For one-character queries and queries the index does not know: trigram similarity or
    a substring of the name on PostgreSQL, a substring of the name on SQLite."""
    table = qs.model._meta.db_table
    if connection.vendor == "postgresql":
        return qs.extra(
            where=[f"({table}.name ILIKE %s OR similarity({table}.name, %s) >= %s)"],
            params=[_like_pattern(query), query, FALLBACK_SIMILARITY],
            select={"search_rank": f"-similarity({table}.name, %s)"},
            select_params=[query],
        )
    return qs.filter(name__icontains=query).extra(select={"search_rank": "0"})
