"""Change history for writes of many rows: one ``INSERT … SELECT`` per table and write.

django-simple-history records a change by building a history instance and saving it, one
per row: a call created with 500 messages would pay 501 model instances and their
inserts. The services' bulk writes copy the rows just written into the history tables in
the database instead, with the values the library records itself: every tracked field,
the date, the type (``+`` created, ``~`` changed, ``-`` deleted) and the user it would name
(the instance's ``_history_user``, or the request's through its middleware). Single-row
saves keep the library's own signal.
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


@cache
def _copy_sql(model: Tracked, key: str) -> str:
    """``INSERT … SELECT`` of ``model``'s rows whose ``key`` is in a list (``{marks}``).

    Built once per model and key from the models' tables: the ORM would spend more CPU
    compiling the query than the database spends running it.
    """
    history = history_model(model)
    q = connection.ops.quote_name
    tracked = ", ".join(q(column(field)) for field in history.tracked_fields)
    return (
        f"INSERT INTO {q(history._meta.db_table)} "
        f"({tracked}, {q('history_date')}, {q('history_type')}, {q('history_user_id')}) "
        f"SELECT {tracked}, %s, %s, %s FROM {q(model._meta.db_table)} "
        f"WHERE {q(column(model._meta.get_field(key)))} IN ({{marks}}) "
        f"ORDER BY {q(column(model._meta.pk))}"
    )


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
    user = history_model(model).get_default_history_user(user_of)
    constants = [
        connection.ops.adapt_datetimefield_value(date),
        history_type,
        user.pk if user else None,
    ]
    # SQLite bounds the parameters of a statement; a long transcript takes several.
    limit = connection.features.max_query_params
    size = len(values) if limit is None else limit - len(constants)
    template = _copy_sql(model, key)
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            sql = template.format(marks=", ".join(["%s"] * len(batch)))
            cursor.execute(sql, [*constants, *batch])
