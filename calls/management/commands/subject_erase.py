"""``manage.py subject_erase --phone NUMBER [--dry-run]``: an erasure request.

Removes every call of that number (normalised matching, ``calls.privacy.numbers``) with
its messages, kept originals, recordings and change-history rows, skips and lists the
calls on legal hold, and writes an entry in the erasure ledger (when, who, how many of
each, the number's salted hash), which outlives the erasure. ``--dry-run`` counts only.
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls import services
from calls.privacy import ledger, numbers


class Command(BaseCommand):
    help = "Erase every call of a phone number (but those on legal hold) and log it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, metavar="NUMBER")
        parser.add_argument("--dry-run", action="store_true", help="Count, erase nothing.")
        parser.add_argument("--by", default=None, help="Who erases (default: the OS user).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            calls = numbers.calls_of(options["phone"])
        except numbers.NotAPhoneNumber as error:
            raise CommandError(str(error)) from None
        e164 = str(numbers.normalise(options["phone"]))
        dry_run = options["dry_run"]
        erasure = services.subject_erase(
            actor=services.Actor((options["by"] or getpass.getuser())[:64]),
            calls=calls,
            number_hash="" if dry_run else ledger.number_hash(e164),
            dry_run=dry_run,
        )
        record = erasure.record
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(
            f"{verb} {record.calls_erased} calls, {record.messages_erased} messages, "
            f"{record.recordings_erased} recordings, {record.history_rows_erased} history rows "
            f"and {record.originals_erased} kept originals."
        )
        if erasure.held:
            self.stdout.write(
                f"Skipped {len(erasure.held)} calls on legal hold: {', '.join(erasure.held)}."
            )
        if not dry_run:
            self.stdout.write(f"Ledger entry {record.pk} written.")
