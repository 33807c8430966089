"""The export formats, shared by the staff page's CSV and ``manage.py export_calls``.

CSV: one row per call, its inline attributes under their Oracle names, taken from the one
attribute table (the recording is bytes: not a column). JSON Lines: one item per line in
exactly the shape of ``GET …/phoneCalls?expand=TranscriptMessage&onlyData=true``
(framework version 1: the messages as an array), rendered by the API's own ``Renderer``,
so ``import_calls`` (and any Oracle client) reads it back.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC

from .models import PhoneCall
from .oracle.attributes import CALL_ATTRIBUTES, DATETIME
from .oracle.rendering import Renderer
from .oracle.shaping import Shape

CSV_ATTRIBUTES = tuple(a for a in CALL_ATTRIBUTES if a.inline)
CSV_HEADER = tuple(a.name for a in CSV_ATTRIBUTES)
ITEM_SHAPE = Shape(expand=True, only_data=True)
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


def jsonl_lines(calls: Iterable[PhoneCall]) -> Iterator[str]:
    """Each call with its prefetched ``messages``, one JSON item per line."""
    renderer = Renderer("", 1, ITEM_SHAPE)
    for call in calls:
        item = renderer.call(call, call.messages.all())
        yield json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
