"""One row by its primary key, read with a statement built once per model.

``QuerySet.filter(pk=…).first()`` compiles its SQL anew on every call: on GET of one call,
the hot read of the API, that compiling cost more CPU than the database's answer. Here
the ``SELECT`` of every concrete column and the converters the compiler would apply (the
backend's and each field's ``from_db_value``: JSON, file names, SQLite's date-times) are
worked out once per model and connection vendor, and the row becomes an instance through
``Model.from_db``, as the ORM makes it. Relies on ``Col`` expressions
(``Field.get_col``) carrying the converters the compiler asks for. Guarded by
tests/core/test_sql_rows.py (the instance equals the ORM's, field by field) and by the
query counts of the API paths.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model

from .inserts import column

_M = TypeVar("_M", bound=Model)
_Converter = Callable[[Any, Any, Any], Any]


@cache
def _plan(
    model: type[Model], vendor: str
) -> tuple[str, list[str], list[tuple[int, list[_Converter], Any]]]:
    q = connection.ops.quote_name
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    columns = ", ".join(f"{q(table)}.{q(column(f))}" for f in fields)
    pk = model._meta.pk
    assert pk is not None
    sql = f"SELECT {columns} FROM {q(table)} WHERE {q(table)}.{q(column(pk))} = %s"
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            converters.append((index, found, col))
    return sql, [f.attname for f in fields], converters


def by_pk(model: type[_M], pk: int) -> _M | None:
    """The row of ``model`` whose primary key is ``pk`` as an instance, or None."""
    sql, names, converters = _plan(model, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, found, col in converters:
        value = values[index]
        for convert in found:
            value = convert(value, col, connection)
        values[index] = value
    return model.from_db(DEFAULT_DB_ALIAS, names, values)
