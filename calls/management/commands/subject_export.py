"""``manage.py subject_export --phone NUMBER [--output FILE]``: a subject access request.

Writes one ZIP archive with every call of that number, matched by the normalised number
(``calls.privacy.numbers``): the items as the API renders them, the transcripts as text,
the recordings, and the access records of those calls (``calls.privacy.archive``); and the
unredacted originals the deployment keeps, decrypted, each read an access record naming the
operator (``--without-originals`` leaves them out). Whoever runs ``manage.py`` holds every
permission: the command reads them as ``calls.view_unredacted_transcript`` allows.
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.models import TranscriptMessage
from calls.privacy import archive, numbers
from calls.redaction import originals


class Command(BaseCommand):
    help = "Export everything held about the calls of a phone number as one ZIP archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, metavar="NUMBER")
        parser.add_argument("--output", "-o", metavar="FILE", help="default subject-<E164>.zip")
        parser.add_argument(
            "--without-originals",
            action="store_true",
            help="leave the kept unredacted originals out of the archive",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            calls = numbers.calls_of(options["phone"])
        except numbers.NotAPhoneNumber as error:
            raise CommandError(str(error)) from None
        e164 = numbers.normalise(options["phone"])
        path = options["output"] or f"subject-{e164}.zip"
        operator = f"manage.py subject_export ({getpass.getuser()})"

        def reader(message: TranscriptMessage) -> str:
            return originals.read_original_as_operator(message=message, operator=operator)

        with open(path, "wb") as out:
            counts = archive.write_archive(
                out,
                calls,
                asked={"phone_number": options["phone"], "normalised": str(e164)},
                originals=None if options["without_originals"] else reader,
                originals_left_out="the operator asked so (--without-originals).",
            )
        self.stdout.write(
            f"Wrote {path}: {counts['calls']} calls, {counts['messages']} messages, "
            f"{counts['recordings']} recordings, {counts['access_records']} access records, "
            f"{counts['originals_included']} of {counts['originals_kept']} kept originals."
        )
        if counts["originals_unreadable"]:
            self.stderr.write(
                f"{counts['originals_unreadable']} kept originals could not be opened with "
                "the configured keys (CALLBOOK_REDACTION_KEYS): their redacted text stands."
            )
