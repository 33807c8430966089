"""Remove recording files that no call refers to: what failed writes and crashes leave.

Recording bytes are stored before the transaction that names them (``calls.services``), and
removed again when it fails; a process killed in between, or a storage error while
removing, leaves a file no row names. This finds such files under ``recordings/`` and
removes those older than ``--min-age-minutes`` (60): a younger file may belong to an
upload whose transaction has not committed yet. ``--dry-run`` only prints them.
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.core.files.storage import Storage
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from calls.models import PhoneCall

ROOT = "recordings"
CHUNK = 500  # names looked up in one query


def _walk(storage: Storage, directory: str) -> Iterator[str]:
    """Every file name under ``directory``, depth first (listdir works on S3 too)."""
    directories, files = storage.listdir(directory)
    for name in sorted(files):
        yield f"{directory}/{name}"
    for name in sorted(directories):
        yield from _walk(storage, f"{directory}/{name}")


def _chunks(names: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for name in names:
        chunk.append(name)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Command(BaseCommand):
    help = (
        "Remove files in recording storage that no call refers to and that are older than "
        "an hour (--min-age-minutes); --dry-run lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be removed; remove nothing."
        )
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Leave files younger than this alone (uploads in flight); default 60.",
        )

    def handle(self, *args: Any, dry_run: bool, min_age_minutes: int, **options: Any) -> None:
        storage = PhoneCall._meta.get_field("recording").storage
        cutoff = timezone.now() - timedelta(minutes=max(min_age_minutes, 0))
        if not storage.exists(ROOT):
            self.stdout.write("No recordings stored.")
            return
        found = removed = 0
        verb = "would remove" if dry_run else "removed"
        for names in _chunks(_walk(storage, ROOT), CHUNK):
            referenced = set(
                PhoneCall.objects.filter(recording__in=names).values_list("recording", flat=True)
            )
            for name in names:
                if name in referenced or storage.get_modified_time(name) > cutoff:
                    continue
                found += 1
                if not dry_run:
                    storage.delete(name)
                    removed += 1
                self.stdout.write(f"{verb} {name}")
        summary = f"{found} orphaned recording(s) older than {min_age_minutes} minutes"
        self.stdout.write(
            summary + (", none removed (dry run)." if dry_run else f", {removed} removed.")
        )
