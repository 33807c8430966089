"""Redact the transcripts stored before redaction was on (or before a detector was added).

Calls in batches of ``--batch-size``, in id order, each batch one transaction that also
saves the run's checkpoint (a ``RedactionRun``), so an interrupted run resumes where it
stopped: run the command again (``--restart`` starts over). Messages are read in
conversation order; their history rows are rewritten too, and, last, the history rows of
messages whose call was deleted. Under ``redacted+original`` the originals of messages
redacted now are kept, encrypted. Redacting redacted text finds nothing, so a run repeated
changes nothing. Prints the counts per kind.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from calls import redaction, services
from calls.models import PhoneCall, RedactionRun
from calls.redaction.existing import Tally


class Command(BaseCommand):
    help = "Redact stored transcripts and their history by the current redaction settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200, metavar="CALLS")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change, change nothing."
        )
        parser.add_argument(
            "--restart", action="store_true", help="Start over instead of resuming."
        )
        parser.add_argument(
            "--rotate-keys",
            action="store_true",
            help="Also re-encrypt kept originals with the first of CALLBOOK_REDACTION_KEYS.",
        )
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument("--progress", action="store_true", dest="progress", default=None)
        progress.add_argument("--no-progress", action="store_false", dest="progress")

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["batch_size"]
        if size < 1:
            raise CommandError("--batch-size must be at least 1")
        dry_run = options["dry_run"]
        show = sys.stderr.isatty() if options["progress"] is None else options["progress"]
        config = redaction.current()
        run = self._run(config, dry_run=dry_run, restart=options["restart"])
        now = timezone.now()
        calls = PhoneCall.objects.filter(id__gt=run.last_call_id).order_by("id")
        with tqdm(
            total=calls.count(), unit=" calls", disable=not show, file=sys.stderr, leave=False
        ) as bar:
            while True:
                ids = list(
                    PhoneCall.objects.filter(id__gt=run.last_call_id)
                    .order_by("id")
                    .values_list("id", flat=True)[:size]
                )
                if not ids:
                    break
                with transaction.atomic():
                    tally = services.transcripts_redact(
                        ids, now=now, rotate_keys=options["rotate_keys"], dry_run=dry_run
                    )
                    run.last_call_id = ids[-1]
                    self._count(run, tally, calls=len(ids))
                bar.update(len(ids))
        while True:
            with transaction.atomic():
                last, tally = services.transcript_history_redact(
                    after=run.last_history_id, limit=size * 10, dry_run=dry_run
                )
                if last is None:
                    break
                run.last_history_id = last
                self._count(run, tally, calls=0)
        run.finished_at = timezone.now()
        run.save()
        self._report(run, dry_run)

    def _run(self, config: redaction.Config, *, dry_run: bool, restart: bool) -> RedactionRun:
        kinds = ",".join(sorted(config.kinds))
        unfinished = (
            None
            if dry_run or restart
            else RedactionRun.objects.filter(finished_at=None, dry_run=False).first()
        )
        if unfinished is not None:
            self.stdout.write(
                f"Resuming the run of {unfinished.started_at:%Y-%m-%d %H:%M} after call id "
                f"{unfinished.last_call_id}."
            )
            return unfinished
        if restart:
            RedactionRun.objects.filter(finished_at=None).update(finished_at=timezone.now())
        return RedactionRun.objects.create(dry_run=dry_run, policy=config.policy, kinds=kinds)

    @staticmethod
    def _count(run: RedactionRun, tally: Tally, *, calls: int) -> None:
        run.calls_done += calls
        run.messages_redacted += tally.messages
        run.history_rows_redacted += tally.history_rows
        run.originals_kept += tally.originals
        findings = dict(run.findings)
        for kind, count in tally.findings.items():
            findings[kind] = findings.get(kind, 0) + count
        run.findings = findings
        if not run.dry_run:
            run.save()  # the checkpoint, in the batch's transaction

    def _report(self, run: RedactionRun, dry_run: bool) -> None:
        verb = "Would redact" if dry_run else "Redacted"
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(run.findings.items()))
        self.stdout.write(
            f"{verb} {run.messages_redacted} messages and {run.history_rows_redacted} history "
            f"rows in {run.calls_done} calls read ({kinds or 'nothing found'}); "
            f"{run.originals_kept} originals kept."
        )
