"""The staff pages: the call list, a call, its recording and its transcript as text.

Thin views: the filter set and ``calls.selectors`` do the reading, templates the drawing.
Every page needs a login and the ``calls.view_phonecall`` permission (403 without it).
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from django.contrib.auth.decorators import login_required, permission_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import declarations, timing
from ..audit import access_record, access_record_once, access_record_served
from ..models import PhoneCall, TranscriptMessage
from ..transcript_vtt import vtt_blocks
from . import back, selectors, snippets, transcript
from .chart import calls_chart
from .custom_values import shown_values
from .external_links import web_url
from .filters import DEFAULT_SORT, PhoneCallFilterSet
from .recording import recording_filename, recording_media_type, recording_response
from .text import transcript_filename, transcript_lines, vtt_line
from .timeline import speaker_timeline

VIEW_PERMISSION = "calls.view_phonecall"

_P = ParamSpec("_P")

# Column → (ascending key, descending key, the direction a first click sorts in).
SORTABLE = {
    "time": ("time", "-time", "-time"),
    "phone": ("phone", "-phone", "phone"),
    "number": ("number", "-number", "number"),
    "duration": ("duration", "-duration", "-duration"),
}

# The same orders for the phone layout's sort menu, where the column headers are not drawn.
SORT_LABELS = {
    "-time": "Newest first",
    "time": "Oldest first",
    "-duration": "Longest first",
    "duration": "Shortest first",
    "phone": "Phone number, 0–9",
    "-phone": "Phone number, 9–0",
    "number": "Call number, A–Z",
    "-number": "Call number, Z–A",
}


def may_read_internal_notes(user: object) -> bool:
    """Who reads internal notes: today everyone who may open a call page, where they are
    shown (marked). The one rule the call page and the list's snippets follow."""
    has_perm = getattr(user, "has_perm", None)
    return bool(has_perm and has_perm(VIEW_PERMISSION))


def staff_required(view: Callable[_P, HttpResponseBase]) -> Callable[_P, HttpResponseBase]:
    """Anonymous users go to the login page; signed-in users without the permission get 403.

    Every answer is ``Cache-Control: no-store``: the pages show customers' numbers and words,
    and must not stay in a shared browser's cache (or its back button) after a logout.
    """
    checked = permission_required(VIEW_PERMISSION, raise_exception=True)(view)
    return wraps(view)(never_cache(login_required(checked)))


def _sort_headers(current: str) -> dict[str, dict[str, str | None]]:
    headers: dict[str, dict[str, str | None]] = {}
    for column, (ascending, descending, first) in SORTABLE.items():
        if current == ascending:
            state, next_key = "ascending", descending
        elif current == descending:
            state, next_key = "descending", ascending
        else:
            state, next_key = None, first
        headers[column] = {"state": state, "sort": None if next_key == DEFAULT_SORT else next_key}
    return headers


@require_GET
@staff_required
def call_list(request: HttpRequest) -> HttpResponse:
    filterset = PhoneCallFilterSet(request.GET, queryset=PhoneCall.objects.all())
    filtered = filterset.qs
    searched = (filterset.form.cleaned_data.get("q") or "").strip() if filterset.is_valid() else ""
    # A search is not counted (each match costs a probe): its page and one row more, and
    # today's calls read off that page when it shows them, else counted up to a page.
    page, rows = selectors.phone_call_page(
        filtered, request.GET.get("page"), searched=bool(searched)
    )
    series = selectors.calls_per_day(
        filtered,
        today=selectors.newest_today(page, newest_first=filterset.sort_key == DEFAULT_SORT)
        if searched
        else None,
        today_at_most=selectors.PAGE_SIZE if searched else None,
    )
    today_at_least = bool(searched) and series[-1][1] > selectors.PAGE_SIZE
    if today_at_least:
        series[-1] = (series[-1][0], selectors.PAGE_SIZE)
    context = {
        "searched": searched,
        "snippets": snippets.search_snippets(
            [row.id for row in rows],
            searched,
            include_internal=may_read_internal_notes(request.user),
        ),
        "filter": filterset,
        "page": page,
        "calls": rows,
        "chart": calls_chart(series, last_at_least=today_at_least),
        "sort": _sort_headers(filterset.sort_key),
        "sort_choices": [
            (key, label, key == filterset.sort_key) for key, label in SORT_LABELS.items()
        ],
        "filtered": any(v for k, v in request.GET.items() if k not in {"page", "sort"}),
        "latest_call_id": selectors.latest_call_id(),
    }
    return render(request, "calls/call_list.html", context)


@require_GET
@staff_required
def call_list_updates(request: HttpRequest) -> HttpResponse:
    """How many calls matching the list's filters arrived after call ``after``: the live
    list's poll (``list.js``, at most every 30 s).

    The ETag is the newest call's id: while no call arrived, a poll that sends it back
    costs one index lookup and answers 304 without counting. (Only new ids count: a call
    that changed and now matches is not "new".)
    """
    raw = request.GET.get("after", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return HttpResponseBadRequest("after must be a call id")
    latest = selectors.latest_call_id()
    etag = f'"{latest}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        filterset = PhoneCallFilterSet(request.GET, queryset=PhoneCall.objects.all())
        count = selectors.new_call_count(filterset.qs, int(raw))
        response = JsonResponse(
            {
                "new": min(count, selectors.NEW_CALLS_CAP),
                "more": count > selectors.NEW_CALLS_CAP,
            }
        )
    response["ETag"] = etag
    return response


def _not_times(resource: str) -> tuple[declarations.Declaration, ...]:
    """The declared attributes of a resource but the times (the page shows those as times)."""
    times = timing.names()
    return tuple(d for d in declarations.of_resource(resource) if d.name not in times)


@require_GET
@staff_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.phone_call_get(call_id)
    # The declared message attributes shown as marks (not the times): their values come
    # with the rows (one more column), and every row ends with its start and end.
    message_customs = _not_times(declarations.MESSAGES)
    fields = transcript.FIELDS + (("custom",) if message_customs else ())
    rows = list(selectors.transcript_rows(call, fields, times=True))
    visibility = transcript.FIELDS.index("visibility_cd")
    media_type = recording_media_type(call)
    playable = bool(call.recording) and media_type is not None
    duration_ms = call.recording_duration_ms if call.recording else None
    context = {
        "call": call,
        "back": back.list_query(request.GET.get("back", "")),
        "call_start": timing.call_start(call.custom),
        "custom_values": shown_values(_not_times(declarations.CALLS), call.custom),
        "message_count": len(rows),
        "agents": transcript.agents(rows),
        "history": selectors.caller_history(call),
        "conversation": transcript.conversation_html(
            rows,
            message_customs,
            call_start=timing.call_start(call.custom),
            duration_ms=duration_ms,
            seekable=playable,
        ),
        "timeline": speaker_timeline(rows, duration_ms),
        "timed_count": sum(1 for row in rows if row[-2] is not None),
        "internal_count": sum(1 for row in rows if row[visibility] == TranscriptMessage.INTERNAL),
        "has_stored_recording": bool(call.recording),
        "recording_playable": playable,
        "recording_media_type": media_type,
        "recording_filename": recording_filename(call) if call.recording else "",
        "external_recording_url": None if call.recording else web_url(call.recording_url),
    }
    if rows:
        access_record(request=request, call=call, kind="transcript_view", channel="ui")
    return render(request, "calls/call_detail.html", context)


@require_http_methods(["GET", "HEAD"])
@staff_required
def call_recording(request: HttpRequest, call_id: int) -> HttpResponse | StreamingHttpResponse:
    """The stored recording: inline for the player, or ``?download=1`` as a file.

    Serving bytes is not playing them: a player's fetches (its metadata preload, seeks,
    the playback's own ranges) are recorded as ``recording_fetch``; a download as
    ``recording_download``; the play itself comes from ``recording_played``.
    """
    call = selectors.phone_call_get(call_id)
    if not call.recording:
        raise Http404("This call has no stored recording.")
    download = request.GET.get("download") == "1" or recording_media_type(call) is None
    try:
        response = recording_response(request, call, download=download)
    except FileNotFoundError:
        raise Http404("The recording is missing from storage.") from None
    kind = "recording_download" if download else "recording_fetch"
    access_record_served(request=request, response=response, call=call, kind=kind, channel="ui")
    return response


@require_POST
@staff_required
def recording_played(request: HttpRequest, call_id: int) -> HttpResponse:
    """The player reports that playback started (``played.js``): a ``recording_play``.

    One per user and call within ``CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS``, like every
    access record. A client that never reports still left its ``recording_fetch``.
    """
    call = selectors.phone_call_get(call_id)
    if not call.recording or recording_media_type(call) is None:
        raise Http404("This call has no playable recording.")
    access_record_once(request=request, call=call, kind="recording_play", channel="ui")
    return HttpResponse(status=204)


@require_GET
@staff_required
def transcript_download(request: HttpRequest, call_id: int) -> StreamingHttpResponse:
    """The transcript as text; ``?internal=exclude`` leaves the internal notes out (for a
    copy that goes to the customer)."""
    call = selectors.phone_call_get(call_id)
    internal = request.GET.get("internal") != "exclude"
    access_record(request=request, call=call, kind="transcript_download", channel="ui")
    messages = selectors.transcript_messages(call)
    if not internal:
        messages = messages.exclude(visibility_cd=TranscriptMessage.INTERNAL)
    lines = transcript_lines(call, messages.iterator(chunk_size=1000), internal=internal)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/plain; charset=utf-8"
    )
    filename = transcript_filename(call, internal=internal)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def transcript_vtt(request: HttpRequest, call_id: int) -> StreamingHttpResponse:
    """The transcript as WebVTT (``calls.transcript_vtt``): cue identifiers the
    MessageNumbers, the times when known; what ``import_vtt`` reads back."""
    call = selectors.phone_call_get(call_id)
    access_record(request=request, call=call, kind="transcript_download", channel="ui")
    messages = selectors.transcript_messages(call).iterator(chunk_size=1000)
    blocks = vtt_blocks((vtt_line(m) for m in messages), title=f"Call {call.call_number}")
    response = StreamingHttpResponse(
        (block.encode("utf-8") for block in blocks), content_type="text/vtt; charset=utf-8"
    )
    filename = transcript_filename(call).removesuffix(".txt") + ".vtt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
