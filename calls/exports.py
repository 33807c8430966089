"""The export formats of ``manage.py export_calls`` (and the CSV writing of the staff list's).

CSV: one row per call, its inline attributes under their Oracle names, taken from the one
attribute table (the recording is bytes: not a column), the declared custom attributes
after the built-ins. JSON Lines: one item per line in
exactly the shape of ``GET …/phoneCalls?expand=TranscriptMessage&onlyData=true``
(framework version 1: the messages as an array), rendered by the API's own ``Renderer``,
so ``import_calls`` (and any Oracle client) reads it back.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from .models import PhoneCall
from .oracle import custom
from .oracle.attributes import CALL_ATTRIBUTES, DATETIME, Attribute, AttributeSet
from .oracle.rendering import Renderer
from .oracle.shaping import Shape

# The built-in columns; the custom attributes in effect follow them (``csv_attributes``).
CSV_ATTRIBUTES = tuple(a for a in CALL_ATTRIBUTES if a.inline)
CSV_HEADER = tuple(a.name for a in CSV_ATTRIBUTES)
ITEM_SHAPE = Shape(expand=True, only_data=True)
# Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
# one of = + - @ tab CR as a formula. A leading ' keeps it text. Blanks and quotes before
# the character are skipped too: some spreadsheets trim them on import.
_FORMULA_START = re.compile(r'^[ "]*[=+\-@\t\r]')
# A spreadsheet that splits at ";" (another locale's separator) or at "," while it reads the
# quoting otherwise starts a new cell after any separator or line break inside this one:
# each such cell gets its ' too, right after the separator.
_FORMULA_INSIDE = re.compile(r'(?<=[,;\r\n])(?=[ "]*[=+\-@\t\r])')


def csv_attributes(attributes: AttributeSet) -> tuple[Attribute, ...]:
    return tuple(a for a in attributes.calls if a.inline)


def _cell(attribute: Attribute, value: object) -> str:
    if value is None:
        return ""
    # A built-in DATETIME's value is a datetime; a custom one's is already its text.
    if attribute.type == DATETIME and isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value(call: PhoneCall, attribute: Attribute) -> object:
    if attribute.custom:
        return custom.stored_value(attribute, call.custom)
    return getattr(call, attribute.field)


def csv_row(call: PhoneCall, attributes: tuple[Attribute, ...] = CSV_ATTRIBUTES) -> list[str]:
    return [_cell(a, _value(call, a)) for a in attributes]


def safe_for_spreadsheets(row: list[str]) -> list[str]:
    """Neutralise formula injection: ``=HYPERLINK(…)`` in a phone number stays text.

    OWASP's rule, without exceptions: "+14155550100" becomes "'+14155550100" (a
    spreadsheet shows it as the text +14155550100; unprefixed it would read a number
    and drop the +), and "a;=1" becomes "a;'=1".
    """
    return [_safe_cell(cell) for cell in row]


def _safe_cell(cell: str) -> str:
    cell = _FORMULA_INSIDE.sub("'", cell)
    return "'" + cell if _FORMULA_START.match(cell) else cell


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_table(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """The header, then each row: every cell quoted and safe for spreadsheets.

    Quoting every cell keeps a separator inside a value from splitting it for a reader
    that honours the quotes; ``safe_for_spreadsheets`` is for the readers that do not.
    """
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(safe_for_spreadsheets(header))
    for row in rows:
        yield writer.writerow(safe_for_spreadsheets(row))


def csv_lines(calls: Iterable[PhoneCall], attributes: AttributeSet | None = None) -> Iterator[str]:
    """Calls under their Oracle attribute names, for programs (``export_calls``).

    ``attributes``: those in effect (``custom.current()`` when not given).
    """
    columns = csv_attributes(attributes or custom.current())
    return csv_table([a.name for a in columns], (csv_row(call, columns) for call in calls))


def jsonl_lines(
    calls: Iterable[PhoneCall], attributes: AttributeSet | None = None
) -> Iterator[str]:
    """Each call with its prefetched ``messages``, one JSON item per line, with the custom
    attributes in effect (``custom.current()`` when not given)."""
    renderer = Renderer("", 1, ITEM_SHAPE, attributes or custom.current())
    for call in calls:
        item = renderer.call(call, call.messages.all())
        yield json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
