"""``manage.py subject_export --phone NUMBER [--output FILE]``: a subject access request.

Writes one ZIP archive with every call of that number, matched by the normalised number
(``calls.privacy.numbers``): the items as the API renders them, the transcripts as text,
the recordings, and the access records of those calls (``calls.privacy.archive``).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.privacy import archive, numbers


class Command(BaseCommand):
    help = "Export everything held about the calls of a phone number as one ZIP archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, metavar="NUMBER")
        parser.add_argument("--output", "-o", metavar="FILE", help="default subject-<E164>.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            calls = numbers.calls_of(options["phone"])
        except numbers.NotAPhoneNumber as error:
            raise CommandError(str(error)) from None
        e164 = numbers.normalise(options["phone"])
        path = options["output"] or f"subject-{e164}.zip"
        with open(path, "wb") as out:
            counts = archive.write_archive(
                out, calls, asked={"phone_number": options["phone"], "normalised": str(e164)}
            )
        self.stdout.write(
            f"Wrote {path}: {counts['calls']} calls, {counts['messages']} messages, "
            f"{counts['recordings']} recordings, {counts['access_records']} access records."
        )
