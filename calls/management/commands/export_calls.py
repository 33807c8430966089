"""``manage.py export_calls [--format jsonl|csv] [--output FILE]``: every call, streamed.

JSON Lines: one item per line in exactly the shape of
``GET …/phoneCalls?expand=TranscriptMessage&onlyData=true`` (framework version 1: the
messages as an array), rendered by the API's own ``Renderer``, so ``import_calls`` (and
any Oracle client) reads it back. CSV: the call's columns (``calls.exports``), every cell
quoted and made safe for spreadsheets, like the staff export: it is not read back.

Memory stays constant: calls are read in chunks with ``.iterator(chunk_size=…)`` and each
chunk's messages come with one prefetch query.
"""

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Prefetch, QuerySet
from tqdm import tqdm

from calls.exports import csv_lines, jsonl_lines
from calls.models import PhoneCall, TranscriptMessage


def export_queryset(*, messages: bool) -> QuerySet[PhoneCall]:
    calls = PhoneCall.objects.order_by("id")
    if messages:
        calls = calls.prefetch_related(
            Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id"))
        )
    return calls


class Command(BaseCommand):
    help = "Export every call as JSON Lines (API items with their messages) or CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", "-o", default="-", help="a file, or - for stdout")
        parser.add_argument("--chunk-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args: Any,
        format: str,
        output: str,
        chunk_size: int,
        no_progress: bool,
        **options: Any,
    ) -> None:
        calls = export_queryset(messages=format == "jsonl")
        total = PhoneCall.objects.count()
        rows = calls.iterator(chunk_size=chunk_size)
        show = not no_progress and output != "-"
        rows = tqdm(rows, total=total, unit="call", disable=not show, file=sys.stderr)
        lines = jsonl_lines(rows) if format == "jsonl" else csv_lines(rows)
        if output == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(output, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
