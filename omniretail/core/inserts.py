"""The INSERT ... RETURNING id that `Model.save` or `bulk_create` would run, in plain SQL,
for the hot paths where the ORM's insert compiler cost more CPU than the statement (a
checkout's order and lines, a payment intent). The values go through each field's
`pre_save` and `get_db_prep_save`, as the ORM's do, against the connection itself (adapting
through the `connection` proxy cost more), and the objects come back saved with their ids."""

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


@cache
def insert_fields(model: type[Model]) -> list:
    """The model's columns but its id, in the order the statement lists them."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@cache
def insert_sql(
    model: type[Model], rows: int, *, source: str = "", skip_conflict: bool = False
) -> str:
    """The INSERT of `rows` objects answering their ids. With `source`, the name of a CTE of
    the caller's statement, one object is written once per row of it. With
    `skip_conflict`, a row that breaks a unique constraint is skipped (ON CONFLICT DO
    NOTHING) and answers no id."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = insert_fields(model)
    columns = ", ".join(qn(f.column) for f in fields)
    row = ", ".join(["%s"] * len(fields))
    values = f"SELECT {row} FROM {source}" if source else "VALUES " + ", ".join([f"({row})"] * rows)
    conflict = " ON CONFLICT DO NOTHING" if skip_conflict else ""
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) {values}{conflict} RETURNING id"


def insert_params(objs: Sequence[Model]) -> list:
    """`insert_sql`'s parameters for `objs` (all of one model)."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = insert_fields(type(objs[0]))
    return [f.get_db_prep_save(f.pre_save(obj, True), db) for obj in objs for f in fields]


def mark_saved(objs: Sequence[Model], ids: list[int]) -> None:
    """The objects an INSERT wrote, as saved models with the ids it answered."""
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def insert(objs: Sequence[Model], *, skip_conflict: bool = False) -> bool:
    """Write `objs` (one model) in one statement; False when `skip_conflict` skipped a row
    (then no object is marked saved)."""
    sql = insert_sql(type(objs[0]), len(objs), skip_conflict=skip_conflict)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, insert_params(objs))
        ids = [pk for (pk,) in cursor.fetchall()]
    if len(ids) != len(objs):
        return False
    mark_saved(objs, ids)
    return True
