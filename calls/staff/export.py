"""The staff list as a streaming CSV for people: readable titles, local times, a link each.

``/calls/export.csv`` takes the staff list's own filters (``PhoneCallFilterSet``: search,
dates, flags, deleted, sort), so the list's "Export CSV" link gives exactly the calls the
list shows, every page of them. The columns are the list's, for a spreadsheet: times in
``CALLBOOK_DISPLAY_TIME_ZONE`` (named in the column's title), the duration in seconds (a
number, where ``1:05`` would be read as a time of day), Yes/No, the visible messages'
count, the declared custom attributes under their titles, and the call page's address.
(``manage.py export_calls --format csv`` is the other CSV: Oracle's names, for programs.)

Rows stream from one query in chunks: memory and the number of queries stay the same for
ten calls or a million. Every cell goes through ``calls.exports.csv_table`` (quoted, safe
from formula injection).
"""

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import declarations
from ..declarations import Declaration
from ..exports import csv_table
from ..models import PhoneCall
from .custom_values import shown_values
from .filters import PhoneCallFilterSet
from .selectors import message_count
from .times import format_display
from .views import staff_required

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _MessageCount(TypedDict):
    message_count: int


CHUNK_SIZE = 2_000
# reverse() once: the row's link is this with the call's id in place of the placeholder.
_ID_PLACEHOLDER = 2_147_483_647


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def csv_header(customs: tuple[Declaration, ...]) -> list[str]:
    return [
        f"Time ({settings.CALLBOOK_DISPLAY_TIME_ZONE})",
        "Phone number",
        "Call number",
        "Duration (seconds)",
        "Messages",
        "Recording stored",
        "Voicemail",
        "Deleted",
        "External call id",
        "Interaction id",
        *(one.title for one in customs),
        "Link",
    ]


def csv_rows(
    calls: "Iterable[WithAnnotations[PhoneCall, _MessageCount]]",
    customs: tuple[Declaration, ...],
    link: Callable[[int], str],
) -> Iterator[list[str]]:
    """``link``: the call page's absolute address of a call id."""
    for call in calls:
        duration = call.recording_duration_ms
        yield [
            format_display(call.creation_date),
            call.phone_number or "",
            call.call_number,
            "" if duration is None else str(round(duration / 1000)),
            str(call.message_count),
            _yes_no(bool(call.recording)),
            _yes_no(call.left_message_flag),
            _yes_no(call.deleted_flag),
            call.external_system_call_id or "",
            str(call.interaction_id),
            *(one.text or "" for one in shown_values(customs, call.custom)),
            link(call.id),
        ]


@require_GET
@staff_required
def call_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    filterset = PhoneCallFilterSet(request.GET, queryset=PhoneCall.objects.all())
    customs = declarations.of_resource(declarations.CALLS)
    calls = filterset.qs.annotate(message_count=message_count()).iterator(chunk_size=CHUNK_SIZE)
    placeholder = reverse("calls:detail", kwargs={"call_id": _ID_PLACEHOLDER})
    before, _, after = request.build_absolute_uri(placeholder).rpartition(str(_ID_PLACEHOLDER))

    def link(call_id: int) -> str:
        return f"{before}{call_id}{after}"

    lines = csv_table(csv_header(customs), csv_rows(calls, customs, link))
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
