"""New rows of the write path inserted with one multi-row ``INSERT … RETURNING``.

``save()`` and ``bulk_create()`` compile the statement anew on every call and send every
value through its field's preparation chain; for a call and its 20 messages that was the
largest share of a create's CPU. The rows inserted here are model instances the services
built from validated values, so each column needs only what its type asks of the
database backend (a date-time on SQLite, a file's name), decided once per column, and the
statement's parts are built once per model.

On PostgreSQL a batch of rows travels as one array per column (``INSERT … SELECT * FROM
unnest(…)``, as Django's own ``bulk_create`` does there): the statement's text is the same
whatever the number of rows, so the driver parses it once per process rather than once per
request (a VALUES list of 20 messages has 340 placeholders, over psycopg's cache limit), and
the server plans 17 parameters instead of 340.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateTimeField, Field, FileField, ForeignObjectRel, JSONField, Model

_M = TypeVar("_M", bound=Model)
_Preparer = Callable[[Any], Any]


def column(field: Field[Any, Any] | ForeignObjectRel) -> str:
    """The column of a concrete field (the stubs allow ``None``: fields without a column).

    A reverse relation or a many-to-many field here is a mistake in the statement.
    """
    if isinstance(field, Field) and field.column is not None:
        return field.column
    raise TypeError(f"{field!r} has no column of its own")


@cache
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def _preparer(field: Field[Any, Any]) -> _Preparer | None:
    """How a value of ``field`` goes to the database: as it is, unless its type says not."""
    if isinstance(field, DateTimeField):
        return lambda value: connection.ops.adapt_datetimefield_value(value)
    if isinstance(field, FileField | JSONField):  # a file's name; JSON as the backend takes it
        return lambda value: field.get_db_prep_save(value, connection)
    return None


@cache
def _preparers(model: type[Model]) -> tuple[_Preparer | None, ...]:
    return tuple(_preparer(field) for field in _fields(model))


@cache
def _parts(model: type[Model]) -> tuple[str, str, str]:
    """The statement's head, one row of placeholders, and its tail."""
    q = connection.ops.quote_name
    fields = _fields(model)
    head = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(column(f)) for f in fields)}) VALUES "
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return head, row, f" RETURNING {q(column(model._meta.pk))}"


@cache
def _unnest(model: type[Model]) -> str:
    """The rows as arrays, one per column: ``SELECT * FROM unnest(%s::bigint[], …)``.

    The types lose their length (``varchar[]``, not ``varchar(30)[]``), as Django's
    ``bulk_create`` does: a cast to a bounded type would truncate where the column refuses.
    """
    types = [str(field.db_type(connection)) for field in _fields(model)]
    casts = ", ".join(f"(%s)::{db_type.split('(')[0]}[]" for db_type in types)
    return f"SELECT * FROM unnest({casts})"


def _unnests() -> bool:
    return connection.vendor == "postgresql"


def rows_source(model: type[Model], batch: list[Any]) -> tuple[str, list[Any]]:
    """The ``INSERT`` of ``batch`` without its ``RETURNING``, and its parameters.

    A ``VALUES`` list (one row, or a backend without arrays), or ``unnest`` of arrays.
    """
    fields, preparers = _fields(model), _preparers(model)
    attnames = [field.attname for field in fields]
    head, row, _ = _parts(model)
    columns = [
        [values[name] for values in (instance.__dict__ for instance in batch)]
        if prepare is None
        else [prepare(instance.__dict__[name]) for instance in batch]
        for name, prepare in zip(attnames, preparers, strict=True)
    ]
    if len(batch) > 1 and _unnests():
        return head.removesuffix("VALUES ") + _unnest(model), columns
    params = [value for values in zip(*columns, strict=True) for value in values]
    # Only the parts are kept: a statement per row count could hold megabytes of SQL.
    return head + ", ".join([row] * len(batch)), params


def saved(instances: list[_M], pks: list[Any]) -> list[_M]:
    """Give ``instances`` the primary keys the database returned for them, in order."""
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
    return instances


def insert(model: type[_M], instances: list[_M]) -> list[_M]:
    """Insert unsaved ``instances`` of ``model``, in order, and give each its primary key.

    Batches follow the backend's limit on parameters (SQLite's), like ``bulk_create``.
    No signals are sent: the callers write the history rows themselves.
    """
    fields = _fields(model)
    size = len(instances)
    if not _unnests():
        size = connection.ops.bulk_batch_size(fields, instances) or size
    _, _, tail = _parts(model)
    with connection.cursor() as cursor:
        for start in range(0, len(instances), size):
            batch = instances[start : start + size]
            sql, params = rows_source(model, batch)
            cursor.execute(sql + tail, params)
            saved(batch, [pk for (pk,) in cursor.fetchall()])
    return instances
