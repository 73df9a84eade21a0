"""Newest-first lists kept to their last N rows: a shopper's 足迹 (shopping.ProductView), a
member's search history (catalog.SearchHistory). One row per (owner, item), unique on the
pair, stamped when last seen."""

from django.db import connection


def remember(model, *, owner: str, owner_id: int, item: str, value, stamp: str, at, keep: int):
    """Move (owner, item) to `at`, a new row if it is not there yet, and drop the owner's
    rows past the newest `keep`: two statements, with no transaction around them or
    inside them (the ORM's upsert and delete each open one, a BEGIN and a COMMIT more on
    every product page and search). Each stands alone: a row written between the two at
    worst stays until the owner's next one. Raw SQL for the upsert, as the ORM's writes
    both in a transaction of their own; the stale rows' subquery is the ORM's."""
    fields = model._meta
    qn = connection.ops.quote_name
    table = qn(fields.db_table)
    owner_col, item_col, stamp_col = (
        qn(fields.get_field(name).column) for name in (owner, item, stamp)
    )
    newest_first = model.objects.filter(**{owner: owner_id}).order_by(f"-{stamp}", "-pk")
    stale_sql, stale_params = newest_first.values("pk")[keep:].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({owner_col}, {item_col}, {stamp_col}) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({owner_col}, {item_col}) DO UPDATE SET {stamp_col} = "
            f"excluded.{stamp_col}",
            [owner_id, value, connection.ops.adapt_datetimefield_value(at)],
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE {qn(fields.pk.column)} IN ({stale_sql})", stale_params
        )
