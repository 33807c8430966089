"""Change history for writes of many rows: one ``INSERT … SELECT`` per table and write.

django-simple-history records a change by building a history instance and saving it, one
per row: a call created with 500 messages would pay 501 model instances and their
inserts. The services' bulk writes copy the rows just written into the history tables in
the database instead, with the values the library records itself: every tracked field,
the date, the type (``+`` created, ``~`` changed, ``-`` deleted) and the user it would name
(the instance's ``_history_user``, or the request's through its middleware). Single-row
saves keep the library's own signal.

New rows and their history rows go in one statement on PostgreSQL (``inserted``): the
``INSERT`` of the rows is a data-modifying ``WITH`` whose ``RETURNING *`` the history's
``INSERT … SELECT`` copies, so a create pays one round trip per table, not two.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.db import connection
from django.db.models import Field, Manager, Model
from django.db.models.options import Options

from calls.models import PhoneCall, TranscriptMessage

from . import inserts
from .inserts import column

CREATED, CHANGED, DELETED = "+", "~", "-"

# The models django-simple-history tracks (``history = HistoricalRecords()``).
Tracked = type[PhoneCall] | type[TranscriptMessage]


class HistoricalModel(Protocol):
    """What is used here of the class django-simple-history builds (the library is untyped)."""

    _meta: Options[Any]
    objects: Manager[Any]  # the default manager Django gives the built class
    tracked_fields: list[Field[Any, Any]]

    def get_default_history_user(self, instance: Model) -> Model | None: ...


@cache
def history_model(model: Tracked) -> HistoricalModel:
    """The historical model of ``model`` (``model.history`` builds a manager class per use)."""
    return model.history.model


def _copy_head(model: Tracked, source: str) -> str:
    """``INSERT INTO`` the history table ``SELECT`` the tracked columns ``FROM source``."""
    history = history_model(model)
    q = connection.ops.quote_name
    tracked = ", ".join(q(column(field)) for field in history.tracked_fields)
    return (
        f"INSERT INTO {q(history._meta.db_table)} "
        f"({tracked}, {q('history_date')}, {q('history_type')}, {q('history_user_id')}) "
        f"SELECT {tracked}, %s, %s, %s FROM {source}"
    )


@cache
def _copy_sql(model: Tracked, key: str) -> str:
    """``INSERT … SELECT`` of ``model``'s rows whose ``key`` is in a list (``{marks}``; on
    PostgreSQL one array parameter, ``= ANY(%s)``, so the text is the same for any count).

    Built once per model and key from the models' tables: the ORM would spend more CPU
    compiling the query than the database spends running it.
    """
    q = connection.ops.quote_name
    where = "= ANY(%s)" if connection.vendor == "postgresql" else "IN ({marks})"
    return (
        f"{_copy_head(model, q(model._meta.db_table))} "
        f"WHERE {q(column(model._meta.get_field(key)))} {where} "
        f"ORDER BY {q(column(model._meta.pk))}"
    )


@cache
def _inserted_sql(model: Tracked) -> tuple[str, str]:
    """The ``WITH new AS (`` head and the ``) INSERT INTO history …`` tail of ``inserted``."""
    pk = connection.ops.quote_name(column(model._meta.pk))
    return (
        "WITH new AS (",
        f" RETURNING *) {_copy_head(model, 'new')} ORDER BY {pk} RETURNING {pk}",
    )


def _constants(model: Tracked, history_type: str, date: datetime, user_of: Model) -> list[Any]:
    user = history_model(model).get_default_history_user(user_of)
    return [
        connection.ops.adapt_datetimefield_value(date),
        history_type,
        user.pk if user else None,
    ]


def inserted(model: Tracked, instances: list[Any], date: datetime, *, user_of: Model) -> None:
    """Insert unsaved ``instances`` of ``model`` (``calls.sql.inserts``) and their history
    rows of type created, as ``inserts.insert`` and then ``record`` would.

    On PostgreSQL one statement: the history copies the rows the ``INSERT`` returns. Their
    ids come back through the history's ``RETURNING``, sorted: the rows take them from the
    sequence one by one in the order given, and a sequence only grows (another write's
    numbers may fall between them, never reorder them).
    """
    if not instances:
        return
    if connection.vendor != "postgresql":
        inserts.insert(model, instances)
        record(model, "id", [i.pk for i in instances], CREATED, date, user_of=user_of)
        return
    rows, params = inserts.rows_source(model, instances)
    head, tail = _inserted_sql(model)
    with connection.cursor() as cursor:
        cursor.execute(head + rows + tail, [*params, *_constants(model, CREATED, date, user_of)])
        pks = sorted(pk for (pk,) in cursor.fetchall())
    inserts.saved(instances, pks)


def record(
    model: Tracked,
    key: str,
    values: Sequence[Any],
    history_type: str,
    date: datetime,
    *,
    user_of: Model,
) -> None:
    """Copy the rows of ``model`` whose field ``key`` is in ``values``, as they are stored
    now, into its history table.

    ``user_of``: the instance whose history user the library would take (for messages,
    their call: the admin notes the user on it).
    """
    if not values:
        return
    constants = _constants(model, history_type, date, user_of)
    template = _copy_sql(model, key)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(template, [*constants, list(values)])
        return
    # SQLite bounds the parameters of a statement; a long transcript takes several.
    limit = connection.features.max_query_params
    size = len(values) if limit is None else limit - len(constants)
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            sql = template.format(marks=", ".join(["%s"] * len(batch)))
            cursor.execute(sql, [*constants, *batch])
