"""The SQL of custom attributes: a declared value read out of the ``custom`` JSON column.

``q`` and ``orderBy`` compare a custom attribute through ``CustomValue``, the value under its
name converted to the attribute's SQL type, and NULL when it is missing or stored with
another JSON type (a declaration re-made with a different type never fails a query, and
``NOT``/``!=`` keep SQL's null semantics as on a real column). The expression is
immutable, so on PostgreSQL an expression index over exactly the same SQL serves ``=``,
ranges and ``orderBy`` at a million calls (``create_index``, run by
``manage.py custom_attributes index``); SQLite reads the JSON with ``json_extract``.

Why this and not a GIN index over the whole column: GIN (``jsonb_path_ops``) answers only
containment (``custom @> '{"Disposition_c": "SALE"}'``), so only ``=``, and a containment
is false, not NULL, for a call without the attribute, which makes ``NOT (X = 'a')`` match
such calls, unlike every built-in attribute. The README ("Custom attributes") has the
measurements.
"""

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Expression,
    F,
    Field,
    FloatField,
    Model,
    TextField,
)

# Each declared type: its SQL type on PostgreSQL and the JSON types it reads.
# Integers are read as numeric (a fraction stored under a name re-declared as integer must
# not fail the cast); numbers as double precision, the type q's values are bound as.
_POSTGRESQL = {
    "string": ("text", "string"),
    "datetime": ("text", "string"),  # the canonical UTC text sorts as the time does
    "integer": ("numeric", "number"),
    "number": ("double precision", "number"),
    "boolean": ("boolean", "boolean"),
}
_SQLITE = {
    "string": "'text'",
    "datetime": "'text'",
    "integer": "'integer', 'real'",
    "number": "'integer', 'real'",
    "boolean": "'true', 'false'",
}


def _postgresql_sql(column: str, name: str) -> str:
    """The PostgreSQL expression for a column's SQL and a (validated) attribute name."""
    return (
        f"CASE WHEN jsonb_typeof({column} -> '{name}') = '{{json}}' "
        f"THEN ({column} ->> '{name}')::{{sql}} END"
    )


class CanonicalTimestampField(TextField):
    """The output of a date-time custom value: ``q`` binds a time as its canonical text.

    Stored date-times are UTC text with milliseconds (``2024-05-16T10:20:25.453+00:00``),
    so text order is time order and a time compares as the same text.
    """

    def get_prep_value(self, value: Any) -> Any:
        if hasattr(value, "astimezone"):
            from calls.oracle.custom import canonical_timestamp

            return canonical_timestamp(value)
        return super().get_prep_value(value)


_OUTPUT: dict[str, type["Field[Any, Any]"]] = {
    "string": TextField,
    "datetime": CanonicalTimestampField,
    "integer": BigIntegerField,
    "number": FloatField,
    "boolean": BooleanField,
}


class CustomValue(Expression):
    """The value of custom attribute ``name`` (of ``kind``) in a row's ``custom`` column."""

    def __init__(self, name: str, kind: str, column: str = "custom") -> None:
        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"{name!r} is not a custom attribute name")
        super().__init__(output_field=_OUTPUT[kind]())
        self.name = name
        self.kind = kind
        self.source: Any = F(column)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.name!r}, {self.kind!r})"

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.source,) = exprs

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        # SQLite (the other supported backend): json_type/json_extract with a JSON path.
        column, params = compiler.compile(self.source)
        path = f'$."{self.name}"'
        sql = (
            f"CASE WHEN json_type({column}, %s) IN ({_SQLITE[self.kind]}) "
            f"THEN json_extract({column}, %s) END"
        )
        return sql, [*params, path, *params, path]

    def as_postgresql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        column, params = compiler.compile(self.source)
        sql_type, json_type = _POSTGRESQL[self.kind]
        # The name is a validated identifier (letters, digits, _), written as a literal so
        # that the statement is the one the expression index was built over.
        template = _postgresql_sql(column, self.name).format(json=json_type, sql=sql_type)
        return template, list(params)


class CustomInteger(CustomValue):
    """An integer custom value for display (the call page's message offsets): a JSON number
    under ``name`` as a bigint (a fraction rounded), else NULL.

    Not for ``q``: the expression indexes are built over ``CustomValue``'s numeric. Read
    as a bigint, a 2,000-row page costs no Python ``Decimal`` per value.
    """

    def __init__(self, name: str, column: str = "custom") -> None:
        super().__init__(name, "integer", column)

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        sql, params = super().as_sql(compiler, connection)
        return f"CAST(ROUND({sql}) AS INTEGER)", params

    def as_postgresql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        sql, params = super().as_postgresql(compiler, connection)
        return f"({sql})::bigint", params


def index_name(model: type[Model], name: str, kind: str) -> str:
    """The expression index of one custom attribute: short, stable, within 63 characters.

    The type is part of the name: a declaration re-made with another type needs another
    expression, so its old index is one ``manage.py custom_attributes index`` drops.
    """
    digest = hashlib.sha1(f"{model._meta.db_table}.{name}.{kind}".encode()).hexdigest()[:10]
    return f"custom_{model._meta.db_table.removeprefix('calls_')[:8]}_{name.lower()[:30]}_{digest}"


def _index_sql(
    model: type[Model], name: str, kind: str, q: Callable[[str], str], concurrently: str
) -> str:
    table = q(model._meta.db_table)
    sql_type, json_type = _POSTGRESQL[kind]
    expression = _postgresql_sql(q("custom"), name).format(json=json_type, sql=sql_type)
    return (
        f"CREATE INDEX {concurrently}IF NOT EXISTS {q(index_name(model, name, kind))} "
        f"ON {table} (({expression}))"
    )


def existing_indexes(model: type[Model], connection: BaseDatabaseWrapper | None = None) -> set[str]:
    """The names of the custom attributes' expression indexes on ``model``'s table."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [model._meta.db_table, "custom\\_%"],
        )
        return {row[0] for row in cursor.fetchall()}


def create_index(
    model: type[Model], name: str, kind: str, connection: BaseDatabaseWrapper | None = None
) -> bool:
    """Build the expression index of a custom attribute on PostgreSQL; whether it built one.

    ``CONCURRENTLY``: writes go on while it builds (which at a million rows takes seconds);
    that needs autocommit, as ``manage.py custom_attributes index`` runs. Inside a
    transaction (a test's) it is built plainly. An index a failed build left invalid is
    dropped and built again; an index that exists is left alone.
    """
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    q = connection.ops.quote_name
    index = index_name(model, name, kind)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [index],
        )
        row = cursor.fetchone()
        if row and row[0]:
            return False
        if row:
            cursor.execute(f"DROP INDEX IF EXISTS {q(index)}")
        cursor.execute(_index_sql(model, name, kind, q, _concurrently(connection)))
        # The planner keeps statistics of an indexed expression, gathered by ANALYZE: without
        # them it guesses the selectivity of every comparison on it.
        cursor.execute(f"ANALYZE {q(model._meta.db_table)}")
    return True


def _concurrently(connection: BaseDatabaseWrapper) -> str:
    return "" if connection.in_atomic_block else "CONCURRENTLY "


def drop_index(
    model: type[Model], index: str, connection: BaseDatabaseWrapper | None = None
) -> None:
    """Drop a custom attribute's expression index (its declaration is gone or changed)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(index)
        cursor.execute(f"DROP INDEX {_concurrently(connection)}IF EXISTS {quoted}")
