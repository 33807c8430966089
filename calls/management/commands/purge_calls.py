"""Retention for cron: clear old recordings, delete old transcripts, delete calls marked deleted.

Each kind of data has its own period in days (options, defaulting to the
``CALLBOOK_RETAIN_*_DAYS`` settings); 0 keeps that kind forever. Recordings and transcripts
count their age from the call's creation, calls marked ``DeletedFlag`` from their last
update (when they were marked). Work goes in batches, one transaction each, and recording
files are deleted only after their batch commits. Every run, dry or not, leaves a
``PurgeRecord``.

A purge is a deletion for privacy's sake, so it also deletes the change history of what it
removes: a transcript's old versions would otherwise keep its words.

Calls on legal hold are left alone by every kind of purge (here and again in the services,
under the row locks); the run says how many it skipped.
"""

import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q, QuerySet
from django.utils import timezone
from tqdm import tqdm

from calls import services
from calls.models import PhoneCall, PurgeRecord, TranscriptMessage


class Command(BaseCommand):
    help = (
        "Purge old recordings, transcripts, and calls marked DeletedFlag, each after its "
        "own retention period in days (0 keeps forever)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recordings-days",
            type=int,
            default=None,
            metavar="DAYS",
            help="Clear recordings of calls older than DAYS (default "
            "CALLBOOK_RETAIN_RECORDINGS_DAYS; 0 keeps them).",
        )
        parser.add_argument(
            "--transcripts-days",
            type=int,
            default=None,
            metavar="DAYS",
            help="Delete transcript messages of calls older than DAYS (default "
            "CALLBOOK_RETAIN_TRANSCRIPTS_DAYS; 0 keeps them).",
        )
        parser.add_argument(
            "--deleted-calls-days",
            type=int,
            default=None,
            metavar="DAYS",
            help="Delete calls marked DeletedFlag and unchanged for DAYS (default "
            "CALLBOOK_RETAIN_DELETED_CALLS_DAYS; 0 keeps them).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be purged, change nothing (the run is still recorded).",
        )
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument(
            "--progress",
            action="store_true",
            dest="progress",
            default=None,
            help="Show progress bars even when stderr is not a terminal.",
        )
        progress.add_argument(
            "--no-progress",
            action="store_false",
            dest="progress",
            help="Never show progress bars.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        periods = {
            "recordings": self._period(
                options, "recordings_days", "CALLBOOK_RETAIN_RECORDINGS_DAYS"
            ),
            "transcripts": self._period(
                options, "transcripts_days", "CALLBOOK_RETAIN_TRANSCRIPTS_DAYS"
            ),
            "deleted_calls": self._period(
                options, "deleted_calls_days", "CALLBOOK_RETAIN_DELETED_CALLS_DAYS"
            ),
        }
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        self.batch_size = options["batch_size"]
        self.dry_run = options["dry_run"]
        progress = options["progress"]
        self.show_progress = sys.stderr.isatty() if progress is None else progress
        self.now = timezone.now()
        self.on_hold = Q(pk__in=[])  # the conditions held calls escape

        record = PurgeRecord.objects.create(
            started_at=self.now,
            dry_run=self.dry_run,
            recordings_days=periods["recordings"],
            transcripts_days=periods["transcripts"],
            deleted_calls_days=periods["deleted_calls"],
        )
        # Deleted calls first: they go anyway, and the other purges touch LastUpdateDate,
        # from which a deleted call's period counts.
        if periods["deleted_calls"]:
            record.calls_deleted = self._deleted_calls(self._cutoff(periods["deleted_calls"]))
        if periods["transcripts"]:
            calls, messages = self._transcripts(self._cutoff(periods["transcripts"]))
            record.transcripts_cleared, record.messages_deleted = calls, messages
        if periods["recordings"]:
            record.recordings_cleared = self._recordings(self._cutoff(periods["recordings"]))
        record.calls_on_hold_skipped = (
            PhoneCall.objects.exclude(legal_hold_since=None).filter(self.on_hold).count()
        )
        record.finished_at = timezone.now()
        record.save()

        verb = "Would purge" if self.dry_run else "Purged"
        self.stdout.write(
            f"{verb}: {record.recordings_cleared} recordings, "
            f"{record.transcripts_cleared} transcripts ({record.messages_deleted} messages), "
            f"{record.calls_deleted} deleted calls; skipped {record.calls_on_hold_skipped} "
            "calls on legal hold."
        )

    @staticmethod
    def _period(options: dict[str, Any], option: str, setting: str) -> int | None:
        days = options[option]
        if days is None:
            days = getattr(settings, setting, 0)
        if days < 0:
            raise CommandError(f"--{option.replace('_', '-')} must not be negative")
        return days or None

    def _cutoff(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def _bar(self, total: int, what: str) -> tqdm:
        return tqdm(
            total=total,
            desc=what,
            unit=" calls",
            disable=not self.show_progress,
            file=sys.stderr,
            leave=False,
        )

    def _batches(self, queryset: QuerySet[PhoneCall], total: int, what: str) -> Iterator[list[int]]:
        """Ids in batches; each batch is purged before the next is read, so it drops out."""
        with self._bar(total, what) as bar:
            while True:
                ids = list(queryset.values_list("id", flat=True).order_by("id")[: self.batch_size])
                if not ids:
                    return
                yield ids
                bar.update(len(ids))

    def _purgeable(self, condition: Q) -> QuerySet[PhoneCall]:
        """The calls matching ``condition`` but those on legal hold (counted apart)."""
        self.on_hold |= condition
        return PhoneCall.objects.filter(condition, legal_hold_since=None)

    def _recordings(self, cutoff: datetime) -> int:
        calls = self._purgeable(Q(creation_date__lt=cutoff) & ~Q(recording=""))
        total = calls.count()
        if self.dry_run:
            return total
        done = 0
        for ids in self._batches(calls, total, "recordings"):
            done += services.purge_recordings(calls.filter(id__in=ids), now=self.now)
        return done

    def _transcripts(self, cutoff: datetime) -> tuple[int, int]:
        calls = self._purgeable(
            Q(creation_date__lt=cutoff, id__in=TranscriptMessage.objects.values("call_id"))
        )
        total = calls.count()
        if self.dry_run:
            messages = TranscriptMessage.objects.filter(
                call__creation_date__lt=cutoff, call__legal_hold_since=None
            ).count()
            return total, messages
        done = deleted = 0
        for ids in self._batches(calls, total, "transcripts"):
            purged, messages = services.purge_transcripts(calls.filter(id__in=ids), now=self.now)
            done, deleted = done + purged, deleted + messages
        return done, deleted

    def _deleted_calls(self, cutoff: datetime) -> int:
        calls = self._purgeable(Q(deleted_flag=True, last_update_date__lt=cutoff))
        total = calls.count()
        if self.dry_run:
            return total
        done = 0
        for ids in self._batches(calls, total, "deleted calls"):
            done += services.purge_calls(calls.filter(id__in=ids))
        return done
