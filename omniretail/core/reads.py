"""Plain-SQL reads for the hot paths, the counterpart of `core.inserts`: where compiling an
ORM query cost more CPU than running it (the nearby search; a checkout's store, SKUs, cart,
specials, promotions and member tier; a payment's order, intent lock and ledger accounts),
the statement is written out once and its rows become values or models as the ORM would
make them, each value through the backend's and the field's converters (SQLite's decimals,
dates, times, booleans; JSON everywhere). Anything off those paths keeps the ORM."""

import functools
from typing import TypeVar, cast

from django.db import connection
from django.db.models import ForeignKey, Model

M = TypeVar("M", bound=Model)


def converters(fields) -> tuple:
    """(position, column, functions) for each of `fields` (in select order) whose values the
    backend or the field converts, as the ORM's compiler would apply them."""
    found = []
    for i, field in enumerate(fields):
        col = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if functions:
            found.append((i, col, tuple(functions)))
    return tuple(found)


def converted(values, found) -> list:
    """A row's values through `converters`' functions."""
    values = list(values)
    for i, col, functions in found:
        value = values[i]
        for convert in functions:
            value = convert(value, col, connection)
        values[i] = value
    return values


def table(model: type[Model]) -> str:
    """The model's table, quoted as the ORM's statements name it (so do tests and logs)."""
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The select list of every column of `model`, qualified by `alias`, in the order
    `from_db` takes them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields)


@functools.cache
def _loading(model: type[Model], vendor: str) -> tuple[list[str], tuple]:
    """The names `from_db` takes and the columns' converters. Kept per database vendor: the
    functions are called with the connection in use."""
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], converters(fields)


def models(model: type[Model], rows) -> list:
    """Instances of `model` from rows of `columns(model, ...)`, as the ORM loads them."""
    names, found = _loading(model, connection.vendor)
    db = connection.alias
    return [model.from_db(db, names, converted(row, found)) for row in rows]


@functools.lru_cache(maxsize=256)
def _where_sql(model: type[Model], condition: str) -> str:
    return f"SELECT {columns(model, 't0')} FROM {table(model)} t0 WHERE {condition}"


def where(model: type[Model], condition: str, params) -> list:
    """The instances of `model` whose rows meet `condition`, SQL over its table as `t0`
    (written in the code, never from input: each is kept compiled); it may end in an ORDER
    BY or a locking clause."""
    return models(model, fetch(_where_sql(model, condition), params))


def joined(row, *parts: type[Model]) -> list:
    """An instance of each of `parts` from consecutive slices of a row of their `columns`
    (None for a LEFT JOIN that found no row); the caller links them."""
    found: list[Model | None] = []
    start = 0
    for model in parts:
        width = len(model._meta.concrete_fields)
        values = row[start : start + width]
        start += width
        # the id, every model's first column, is NULL for a LEFT JOIN's missing row
        found.append(models(model, [values])[0] if values[0] is not None else None)
    return found


def _foreign_key(model: type[Model], name: str) -> ForeignKey:
    field = model._meta.get_field(name)
    if not isinstance(field, ForeignKey):
        raise TypeError(f"{model.__name__}.{name} is not a foreign key")
    return field


@functools.cache
def select_joined(model: type[Model], *relations: str) -> str:
    """SELECT every column of `model` and of the rows its foreign keys `relations` (each to a
    model of its own) point to, FROM `model` and its JOINs: inner where the key is required,
    LEFT where it may be empty. Each table goes by its own name (`table`), which the caller's
    WHERE uses; `linked` makes the row an instance."""
    quote, base = connection.ops.quote_name, table(model)
    selects, joins = [columns(model, base)], []
    for name in relations:
        field = _foreign_key(model, name)
        parent = table(field.related_model)
        selects.append(columns(field.related_model, parent))
        kind = "LEFT JOIN" if field.null else "JOIN"
        on = f"{parent}.{quote(str(field.target_field.column))} = {base}.{quote(str(field.column))}"
        joins.append(f" {kind} {parent} ON {on}")
    return f"SELECT {', '.join(selects)} FROM {base}{''.join(joins)}"


def linked(row, model: type[M], *relations: str) -> M:
    """The `model` instance of a row of `select_joined(model, *relations)`, each related
    instance (None for an empty key) cached on it, as the ORM's select_related leaves it."""
    fields = [_foreign_key(model, name) for name in relations]
    instance, *parents = joined(row, model, *(field.related_model for field in fields))
    for field, parent in zip(fields, parents, strict=True):
        field.set_cached_value(instance, parent)
    return cast(M, instance)


def for_update(alias: str) -> str:
    """The row lock clause a statement ends with, as the ORM's `select_for_update(of=...)`
    writes it: none on SQLite, whose writes take the whole database."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {alias}" if features.has_select_for_update_of else " FOR UPDATE"


def fetch(sql: str, params) -> list[tuple]:
    """The rows of one statement."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
