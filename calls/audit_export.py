"""The access records of a period, streamed as CSV or JSON Lines (admin and
``manage.py export_access_records``).

Rows are read in the order of ``access_accessed_idx`` (``accessed_at``, ``id``) with
``.iterator()``, as plain tuples: memory stays constant whatever the period. CSV cells are
quoted and made safe for spreadsheets like every other export (``calls.exports``); JSON
Lines carry the same fields with the time in ISO 8601 UTC.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from .exports import safe_for_spreadsheets
from .models import AccessRecord

FIELDS = (
    "accessed_at",
    "username",
    "kind",
    "channel",
    "call_id",
    "call_number",
    "remote_address",
    "user_agent",
)
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def between(since: datetime | None, until: datetime | None) -> QuerySet[AccessRecord]:
    """The records from ``since`` (inclusive) to ``until`` (exclusive), oldest first."""
    records = AccessRecord.objects.order_by("accessed_at", "id")
    if since is not None:
        records = records.filter(accessed_at__gte=since)
    if until is not None:
        records = records.filter(accessed_at__lt=until)
    return records


def _rows(records: QuerySet[AccessRecord], chunk_size: int) -> Iterator[tuple[Any, ...]]:
    return records.values_list(*FIELDS).iterator(chunk_size=chunk_size)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(FIELDS)
    for row in rows:
        yield writer.writerow(safe_for_spreadsheets([_text(v) for v in row]))


def jsonl_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    for row in rows:
        item = {
            name: (_text(value) if isinstance(value, datetime) else value)
            for name, value in zip(FIELDS, row, strict=True)
        }
        yield json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"


def lines(records: QuerySet[AccessRecord], fmt: str, *, chunk_size: int = 2000) -> Iterator[str]:
    """``records`` as lines of ``fmt`` (``csv`` or ``jsonl``)."""
    rows = _rows(records, chunk_size)
    return csv_lines(rows) if fmt == "csv" else jsonl_lines(rows)
