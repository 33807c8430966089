"""The access audit's two statements: a record unless a recent one exists, and one record per
call of a page.

``bulk_create`` would split 500 rows into several INSERTs on SQLite (its limit on bound
parameters), and a check-then-insert would be two queries that another request of the same
player can split. Relies on the model's ``_meta`` (columns, ``get_db_prep_save``) and
``connection.features.bare_select_suffix`` (Oracle's ``FROM DUAL``). Guarded by
tests/core/test_audit.py (the rows equal what ``save()`` writes) and the query counts of
tests/api/test_audit.py and tests/staff/test_audit.py.
"""

from datetime import datetime

from django.db import connections, router

from calls.models import AccessRecord, PhoneCall

from .inserts import column


def insert_unless_recent(record: AccessRecord, *, since: datetime) -> bool:
    """Insert ``record`` unless its user has one of its kind for its call since ``since``;
    whether it was inserted.

    The check and the write are one ``INSERT … SELECT … WHERE NOT EXISTS``; two racing
    requests may still both insert on some databases (a record too many, never one too few).
    """
    connection = connections[router.db_for_write(AccessRecord)]
    quote = connection.ops.quote_name
    meta = AccessRecord._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(column(f)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    same = " AND ".join(
        f"{quote(column(meta.get_field(name)))} {op} %s"
        for name, op in (("user", "="), ("call", "="), ("kind", "="), ("accessed_at", ">="))
    )
    table = quote(meta.db_table)
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT {placeholders}{connection.features.bare_select_suffix} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {same})"
    )
    accessed_at = meta.get_field("accessed_at")
    params = [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]
    params += [
        record.user_id,
        record.call_id,
        record.kind,
        accessed_at.get_db_prep_value(since, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def insert_for_calls(shared: AccessRecord, call_ids: list[int]) -> None:
    """One record per call in ``call_ids``, with the values of ``shared`` (its call aside):
    the shared values bound once, the ids once, each call's number read in the statement."""
    connection = connections[router.db_for_write(AccessRecord)]
    quote = connection.ops.quote_name
    fields = [
        f
        for f in AccessRecord._meta.concrete_fields
        if not f.primary_key and f.name not in ("call", "call_number")
    ]
    columns = ", ".join(quote(column(f)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    ids = ", ".join(["%s"] * len(call_ids))
    sql = (
        f"INSERT INTO {quote(AccessRecord._meta.db_table)} "
        f"({columns}, {quote('call_id')}, {quote('call_number')}) "
        f"SELECT {placeholders}, {quote('id')}, {quote('call_number')} "
        f"FROM {quote(PhoneCall._meta.db_table)} WHERE {quote('id')} IN ({ids})"
    )
    params = [f.get_db_prep_save(getattr(shared, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *call_ids])
