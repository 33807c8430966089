"""The audit of access: who played or downloaded a recording, or read a transcript.

The staff pages and the API call ``access_record`` from their recording and transcript
views, once per access. It costs one INSERT and no other query: the user and the call are
already on the request and in the view.
"""

from django.db import connections, router

from .models import AccessRecord, PhoneCall
from .security import client_address

Kind = AccessRecord.Kind
Channel = AccessRecord.Channel

_USER_AGENT_MAX = AccessRecord._meta.get_field("user_agent").max_length


def _record(request, call: PhoneCall, kind: str, channel: str) -> AccessRecord:
    if kind not in Kind.values:
        raise ValueError(f"unknown access kind {kind!r}")
    if channel not in Channel.values:
        raise ValueError(f"unknown access channel {channel!r}")
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return AccessRecord(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        call=call,
        call_number=call.call_number,
        kind=kind,
        channel=channel,
        remote_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_MAX],
    )


def access_record(*, request, call: PhoneCall, kind: str, channel: str) -> AccessRecord:
    """Record one access of ``call``'s recording or transcript by the user of ``request``.

    ``kind`` is an ``AccessRecord.Kind`` (``recording_play``, ``recording_download``,
    ``transcript_view``, ``transcript_download``), ``channel`` an ``AccessRecord.Channel``
    (``ui`` or ``api``). Works with Django's and DRF's requests alike.
    """
    record = _record(request, call, kind, channel)
    record.save(force_insert=True)
    return record


def access_record_many(*, request, calls, kind: str, channel: str) -> None:
    """The same for every call of a page, in one statement whatever the page's size.

    ``bulk_create`` would split 500 rows into several INSERTs on SQLite (its limit on
    bound parameters); ``INSERT … SELECT`` binds the shared values once and the ids once.
    """
    calls = list(calls)
    if not calls:
        return
    shared = _record(request, calls[0], kind, channel)
    connection = connections[router.db_for_write(AccessRecord)]
    quote = connection.ops.quote_name
    fields = [
        f
        for f in AccessRecord._meta.concrete_fields
        if not f.primary_key and f.name not in ("call", "call_number")
    ]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    ids = ", ".join(["%s"] * len(calls))
    sql = (
        f"INSERT INTO {quote(AccessRecord._meta.db_table)} "
        f"({columns}, {quote('call_id')}, {quote('call_number')}) "
        f"SELECT {placeholders}, {quote('id')}, {quote('call_number')} "
        f"FROM {quote(PhoneCall._meta.db_table)} WHERE {quote('id')} IN ({ids})"
    )
    params = [f.get_db_prep_save(getattr(shared, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(call.pk for call in calls)])
