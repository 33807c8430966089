"""``manage.py export_access_records --since DATE [--until DATE] [--format csv|jsonl]``.

The access records (who played, downloaded or read what, and when) of a period, oldest
first, streamed to stdout or ``--output``: for an auditor, or for a SIEM. Dates are UTC
(``2024-05-01`` or ``2024-05-01T12:00``); ``--until`` is exclusive and defaults to now.
"""

from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime

from calls import audit_export


def moment(text: str) -> datetime:
    """A date (midnight UTC) or a date and time (UTC unless it names an offset)."""
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"{text!r} is not a date (YYYY-MM-DD) or a date and time.")
        value = datetime.combine(day, time.min)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Export the access records of a period as CSV or JSON Lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, type=moment, metavar="DATE")
        parser.add_argument("--until", type=moment, metavar="DATE", help="exclusive")
        parser.add_argument("--format", choices=sorted(audit_export.FORMATS), default="csv")
        parser.add_argument("--output", "-o", default="-", help="a file, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = options["since"], options["until"]
        if until is not None and until <= since:
            raise CommandError("--until must be after --since.")
        lines = audit_export.lines(audit_export.between(since, until), options["format"])
        if options["output"] == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
