"""Exports of calls: the CSV columns and rows, and the staff list as a streaming CSV.

``/calls/export.csv`` takes the staff list's own filters (``PhoneCallFilterSet``: search,
dates, flags, deleted, sort), so "export" gives exactly the calls the list shows, every
page of them. Rows stream from one query in chunks: memory and the number of queries stay
the same for ten calls or a million. ``manage.py export_calls --format csv`` writes the
same columns.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .filters import PhoneCallFilterSet
from .models import PhoneCall
from .oracle.attributes import CALL_ATTRIBUTES, DATETIME
from .views import staff_required

CHUNK_SIZE = 2_000
# The call's inline attributes, by their Oracle names (the recording is bytes: not a column).
CSV_ATTRIBUTES = tuple(a for a in CALL_ATTRIBUTES if a.inline)
CSV_HEADER = tuple(a.name for a in CSV_ATTRIBUTES)
# Spreadsheets run a cell starting with these as a formula; a leading quote keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(attribute, value) -> str:
    if value is None:
        return ""
    if attribute.type == DATETIME:
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_row(call: PhoneCall) -> list[str]:
    return [_cell(a, getattr(call, a.field)) for a in CSV_ATTRIBUTES]


def safe_for_spreadsheets(row: list[str]) -> list[str]:
    """Neutralise formula injection: ``=HYPERLINK(…)`` in a phone number stays text."""
    return [
        "'" + cell if cell.startswith(_FORMULA_START) and not _is_number(cell) else cell
        for cell in row
    ]


def _is_number(cell: str) -> bool:
    # "+14155550100" and "-5" are values, not formulas.
    return cell[1:].isdigit() if cell[:1] in "+-" else False


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(calls: Iterable[PhoneCall], *, for_spreadsheets: bool = False) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for call in calls:
        row = csv_row(call)
        yield writer.writerow(safe_for_spreadsheets(row) if for_spreadsheets else row)


@require_GET
@staff_required
def call_list_csv(request):
    filterset = PhoneCallFilterSet(request.GET, queryset=PhoneCall.objects.all())
    calls = filterset.qs.iterator(chunk_size=CHUNK_SIZE)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(calls, for_spreadsheets=True)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
