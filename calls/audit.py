"""The audit of access: who played or downloaded a recording, or read a transcript.

The staff pages and the API call ``access_record`` from their recording and transcript
views, once per access. It costs one INSERT and no other query: the user and the call are
already on the request and in the view.

Responses a client may ask for many times per access (a player's range requests, the
admin's change page) go through ``access_record_served``: every one that serves bytes is
audited, whatever its ``Range``, but one user's reads of one call make one record per
``CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS``. That is still one statement per request.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from rest_framework.request import Request

from .models import AccessRecord, PhoneCall
from .security import client_address
from .sql import access_records

Kind = AccessRecord.Kind
Channel = AccessRecord.Channel

_USER_AGENT_MAX = AccessRecord._meta.get_field("user_agent").max_length


def _record(
    request: HttpRequest | Request, call: PhoneCall, kind: str, channel: str
) -> AccessRecord:
    if kind not in Kind.values:
        raise ValueError(f"unknown access kind {kind!r}")
    if channel not in Channel.values:
        raise ValueError(f"unknown access channel {channel!r}")
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return AccessRecord(
        user=user,
        username=user.get_username() if user is not None else "",
        call=call,
        call_number=call.call_number,
        kind=kind,
        channel=channel,
        remote_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_MAX],
    )


def access_record(
    *, request: HttpRequest | Request, call: PhoneCall, kind: str, channel: str
) -> AccessRecord:
    """Record one access of ``call``'s recording or transcript by the user of ``request``.

    ``kind`` is an ``AccessRecord.Kind`` (``recording_play``, ``recording_download``,
    ``transcript_view``, ``transcript_download``), ``channel`` an ``AccessRecord.Channel``
    (``ui`` or ``api``). Works with Django's and DRF's requests alike.
    """
    record = _record(request, call, kind, channel)
    record.save(force_insert=True)
    return record


def access_record_once(
    *, request: HttpRequest | Request, call: PhoneCall, kind: str, channel: str
) -> bool:
    """``access_record``, unless the user has a record of ``kind`` for ``call`` already,
    no older than ``CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS``; whether it wrote one.

    One ``INSERT … SELECT … WHERE NOT EXISTS`` (calls.sql.access_records), so deduping
    costs no query of its own. Anonymous reads (none today: every caller needs a login)
    are never merged.
    """
    record = _record(request, call, kind, channel)
    window = settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS
    if not window or record.user_id is None:
        record.save(force_insert=True)
        return True
    return access_records.insert_unless_recent(
        record, since=record.accessed_at - timedelta(seconds=window)
    )


def access_record_served(
    *,
    request: HttpRequest | Request,
    response: HttpResponseBase,
    call: PhoneCall,
    kind: str,
    channel: str,
) -> None:
    """Audit ``response`` if it serves the content: any 200 or 206 but to HEAD.

    Whatever the ``Range`` (a suffix, ``bytes=00-``, an ``If-Range`` that sends it all): a
    rule on the header would be a way around the audit. The window keeps a player's many
    range requests of one playback to one record.
    """
    if request.method != "HEAD" and response.status_code in (200, 206):
        access_record_once(request=request, call=call, kind=kind, channel=channel)


def access_record_many(
    *, request: HttpRequest | Request, calls: Iterable[PhoneCall], kind: str, channel: str
) -> None:
    """The same for every call of a page, in one statement whatever the page's size.

    One ``INSERT … SELECT`` (calls.sql.access_records), whatever the page's size.
    """
    chosen = list(calls)
    if not chosen:
        return
    shared = _record(request, chosen[0], kind, channel)
    access_records.insert_for_calls(shared, [call.pk for call in chosen])
