"""Fill the columns that Callbook derives from a call for calls stored before they existed.

- ``--durations``: how long each stored recording plays, read from the file's metadata
  (``calls.audio``); a file whose metadata does not say keeps "unknown".
- ``--phone-numbers``: the E.164 form of each ``PhoneNumber`` (``calls.phones``, read in
  ``CALLBOOK_PHONE_REGION``).
- ``--call-times``: when each call happened (``calls.timing``: the start its custom values
  carry under ``CALLBOOK_CALL_START_ATTRIBUTE``, else its creation date); every call is
  visited, as any may have a start (after that setting changed, say).

Without an option it fills all three. Only calls that lack the value are visited, in id
order and in batches, each written by a service before the next is read; the command can
be stopped and run again, and calls written meanwhile get their values from their write.
``--all`` recomputes every call (after ``CALLBOOK_PHONE_REGION`` changed, or a newer
tinytag reads more files). Progress goes to stderr.
"""

import sys
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from tqdm import tqdm

from calls import services
from calls.models import PhoneCall


def _id_batches(queryset: QuerySet[PhoneCall], size: int) -> Iterator[list[int]]:
    """The ids of ``queryset`` in ascending batches, each read after the last was handled."""
    last = 0
    while True:
        ids = list(queryset.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


class Command(BaseCommand):
    help = (
        "Fill recording durations, E.164 phone numbers and call times of calls that lack "
        "them (--durations, --phone-numbers, --call-times; all by default; --all recomputes "
        "every call)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--durations", action="store_true", help="Recording durations.")
        parser.add_argument("--phone-numbers", action="store_true", help="E.164 phone numbers.")
        parser.add_argument(
            "--call-times", action="store_true", help="When each call happened (its start)."
        )
        parser.add_argument(
            "--all", action="store_true", help="Recompute calls that have a value too."
        )
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args: Any,
        durations: bool,
        phone_numbers: bool,
        call_times: bool,
        all: bool,
        batch_size: int,
        no_progress: bool,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        self.batch_size = batch_size
        self.show_progress = not no_progress
        if not durations and not phone_numbers and not call_times:
            durations = phone_numbers = call_times = True
        if phone_numbers:
            self._phone_numbers(recompute=all)
        if call_times:
            self._call_times()
        if durations:
            self._durations(recompute=all)

    def _bar(self, total: int, what: str) -> tqdm:
        return tqdm(
            total=total, desc=what, unit=" calls", disable=not self.show_progress, file=sys.stderr
        )

    def _phone_numbers(self, *, recompute: bool) -> None:
        calls = PhoneCall.objects.filter(phone_number__isnull=False)
        if not recompute:
            calls = calls.filter(phone_number_e164__isnull=True)
        changed = 0
        with self._bar(calls.count(), "phone numbers") as bar:
            for ids in _id_batches(calls, self.batch_size):
                changed += services.phone_calls_fill_e164(ids)
                bar.update(len(ids))
        self.stdout.write(f"Phone numbers: {changed} call(s) got a new E.164 form.")

    def _call_times(self) -> None:
        calls = PhoneCall.objects.all()
        changed = 0
        with self._bar(calls.count(), "call times") as bar:
            for ids in _id_batches(calls, self.batch_size):
                changed += services.phone_calls_fill_call_time(ids)
                bar.update(len(ids))
        self.stdout.write(f"Call times: {changed} call(s) got a new time.")

    def _durations(self, *, recompute: bool) -> None:
        calls = PhoneCall.objects.exclude(recording="")
        if not recompute:
            calls = calls.filter(recording_duration_ms__isnull=True)
        known = unknown = 0
        with self._bar(calls.count(), "durations") as bar:
            for ids in _id_batches(calls, self.batch_size):
                rows = PhoneCall.objects.filter(id__in=ids).values_list("id", "recording")
                for call_id, recording in rows:
                    duration = services.phone_call_fill_duration(
                        call_id=call_id, recording=recording
                    )
                    if duration is None:
                        unknown += 1
                    else:
                        known += 1
                    bar.update(1)
        self.stdout.write(
            f"Durations: {known} recording(s) measured, {unknown} without a stated duration."
        )
