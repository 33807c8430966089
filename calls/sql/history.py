"""Change history for writes of many rows: one ``INSERT … SELECT`` per table and write.

django-simple-history records a change by building a history instance and saving it, one
per row: a call created with 500 messages would pay 501 model instances and their
inserts. The services' bulk writes copy the rows just written into the history tables in
the database instead, with the values the library records itself: every tracked field,
the date, the type (``+`` created, ``~`` changed, ``-`` deleted) and the user it would name
(the instance's ``_history_user``, or the request's through its middleware). Single-row
saves keep the library's own signal.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection

CREATED, CHANGED, DELETED = "+", "~", "-"


@cache
def history_model(model):
    """The historical model of ``model`` (``model.history`` builds a manager class per use)."""
    return model.history.model


@cache
def _copy_sql(model, key: str) -> str:
    """``INSERT … SELECT`` of ``model``'s rows whose ``key`` is in a list (``{marks}``).

    Built once per model and key from the models' tables: the ORM would spend more CPU
    compiling the query than the database spends running it.
    """
    history = history_model(model)
    q = connection.ops.quote_name
    tracked = ", ".join(q(field.column) for field in history.tracked_fields)
    return (
        f"INSERT INTO {q(history._meta.db_table)} "
        f"({tracked}, {q('history_date')}, {q('history_type')}, {q('history_user_id')}) "
        f"SELECT {tracked}, %s, %s, %s FROM {q(model._meta.db_table)} "
        f"WHERE {q(model._meta.get_field(key).column)} IN ({{marks}}) "
        f"ORDER BY {q(model._meta.pk.column)}"
    )


def record(model, key: str, values: Sequence, history_type: str, date, *, user_of: Any) -> None:
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
