"""CSV exports are safe to open in a spreadsheet: no cell runs as a formula (OWASP).

The export is read back with "," (how it is written) and with ";" (how a spreadsheet of a
locale with decimal commas splits it, ignoring the quoting it no longer lines up with).
"""

import csv
import io

import pytest
from django.core.management import call_command

from calls.exports import CSV_HEADER, safe_for_spreadsheets
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

FORMULA_START = tuple("=+-@\t\r")

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    '"=1+1"',
    "a;=1+1",
    "a,=1+1",
    "a;+1",
    "a;-1",
    "a;@SUM(A1)",
    "a,+1",
    "a,-1",
    "a,@SUM(A1)",
    "a; =1+1",
    'a;"=1+1"',
    'a",=1+1',
    "a;\t=1",
    "a\n=1+1",
    "a\r\n@x",
    "=a;=b,-c",
]


def _export_csv() -> str:
    out = io.StringIO()
    call_command("export_calls", "--format", "csv", "--no-progress", stdout=out)
    return out.getvalue()


def _fields(text: str, delimiter: str) -> list[str]:
    # newline="" as the csv module asks: a lone CR ends a line, as in a spreadsheet.
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [field for row in rows for field in row]


def _formulas(text: str) -> list[tuple[str, str]]:
    """Every field that a spreadsheet would run, read with either separator."""
    return [
        (delimiter, field)
        for delimiter in (",", ";")
        for field in _fields(text, delimiter)
        if field.lstrip(' "').startswith(FORMULA_START)
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_field_starts_a_formula_with_either_separator(value):
    PhoneCallFactory(external_system_call_id=value, recording_format=value[:64])
    text = _export_csv()
    assert _formulas(text) == []


def test_a_whole_row_of_hostile_cells_is_safe_too():
    PhoneCallFactory(
        call_number="=1;-2",
        phone_number="+14155550100",
        external_system_call_id="x;=cmd|' /C calc'!A0",
        call_details_url="https://x.example/?a=1,@b",
        recording_url="-1",
        transcript_url="a\n+1",
        recording_format="@audio/wav",
    )
    assert _formulas(_export_csv()) == []


def test_every_cell_is_quoted():
    PhoneCallFactory(phone_number="+14155550100")
    header, row = _export_csv().splitlines()
    assert header == ",".join(f'"{name}"' for name in (*CSV_HEADER, "CallStartTime_c"))
    assert all(cell.startswith('"') and cell.endswith('"') for cell in row.split(","))


def test_read_with_the_right_separator_a_value_keeps_its_text_after_the_quote():
    call = PhoneCallFactory(phone_number="+14155550100", external_system_call_id="a;=1,-2")
    header, row = list(csv.reader(io.StringIO(_export_csv())))
    values = dict(zip(header, row, strict=True))
    # OWASP's leading quote, which a spreadsheet hides, even before a phone number.
    assert values["PhoneNumber"] == "'+14155550100"
    assert values["ExternalSystemCallId"] == "a;'=1,'-2"
    assert values["CallNumber"] == call.call_number  # values that are no formula: untouched
    assert values["CreationDate"].endswith("+00:00")


@pytest.mark.parametrize(
    "cell,safe",
    [
        ("", ""),
        ("plain text", "plain text"),
        ("2026-01-02T03:04:05.000+00:00", "2026-01-02T03:04:05.000+00:00"),
        ("=1", "'=1"),
        ("+14155550100", "'+14155550100"),
        ("-5", "'-5"),
        ("a;=1", "a;'=1"),
        ("a, -1", "a,' -1"),
        ("a\n@b", "a\n'@b"),
        ('"=1"', '\'"=1"'),
    ],
)
def test_safe_for_spreadsheets_prefixes_each_cell_a_formula_could_start(cell, safe):
    assert safe_for_spreadsheets([cell]) == [safe]
