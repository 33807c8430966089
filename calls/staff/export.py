"""The staff list as a streaming CSV, its columns and rows from ``calls.exports``.

``/calls/export.csv`` takes the staff list's own filters (``PhoneCallFilterSet``: search,
dates, flags, deleted, sort), so "export" gives exactly the calls the list shows, every
page of them. Rows stream from one query in chunks: memory and the number of queries stay
the same for ten calls or a million. ``manage.py export_calls --format csv`` writes the
same columns.
"""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..exports import csv_lines
from ..models import PhoneCall
from ..oracle import custom
from .filters import PhoneCallFilterSet
from .views import staff_required

CHUNK_SIZE = 2_000


@require_GET
@staff_required
def call_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    filterset = PhoneCallFilterSet(request.GET, queryset=PhoneCall.objects.all())
    calls = filterset.qs.iterator(chunk_size=CHUNK_SIZE)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(calls, custom.current())),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
