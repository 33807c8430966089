"""Change history for writes of many rows: one ``INSERT … SELECT`` per table and write.

django-simple-history records a change by building a history instance and saving it, one
per row: a call created with 500 messages would pay 501 model instances and their
inserts. The services' bulk writes copy the rows just written into the history tables in
the database instead, with the values the library records itself: every tracked field,
the date, the type (``+`` created, ``~`` changed, ``-`` deleted) and the user it would name
(the instance's ``_history_user``, or the request's through its middleware). Single-row
saves keep the library's own signal.
"""

from functools import cache
from typing import Any

from django.db import connections
from django.db.models import CharField, DateTimeField, IntegerField, QuerySet, Value

CREATED, CHANGED, DELETED = "+", "~", "-"


@cache
def history_model(model):
    """The historical model of ``model`` (``model.history`` builds a manager class per use)."""
    return model.history.model


def record(rows: QuerySet, history_type: str, date, *, user_of: Any) -> None:
    """Copy ``rows`` as they are stored now into their model's history table.

    ``user_of``: the instance whose history user the library would take (for messages,
    their call: the admin notes the user on it).
    """
    history = history_model(rows.model)
    user = history.get_default_history_user(user_of)
    tracked = history.tracked_fields
    constants = {
        "history_date": Value(date, output_field=DateTimeField()),
        "history_type": Value(history_type, output_field=CharField()),
        "history_user_id": Value(user.pk if user else None, output_field=IntegerField()),
    }
    select = rows.order_by("pk").annotate(**constants).values_list(
        *(field.attname for field in tracked), *constants
    )
    sql, params = select.query.sql_with_params()
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in [*(f.column for f in tracked), *constants])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(history._meta.db_table)} ({columns}) {sql}", params)
