"""``manage.py import_calls FILE``: upsert calls from JSON Lines of Oracle-shaped items.

Each line is one item as ``GET …/phoneCalls?expand=TranscriptMessage`` returns it (what
``export_calls`` writes): Oracle attribute names, the messages under ``TranscriptMessage``
(an array, or a v3+ collection object with ``items``). Each line goes through the API's own
``CallSerializer(upsert=True)`` and ``services.phone_call_upsert``, so the import follows the
same rules as ``POST`` with ``Upsert-Mode: true``: the call is matched by ``CallNumber``
(created when none matches), its messages by ``MessageNumber``.

What the API computes is not imported: ids (``CallId``/``MessageId`` belong to the source
database), who-columns and dates (the import stamps them with ``--user`` and now), links.

Lines are written in batches, one transaction per batch, each line in its own savepoint: a
rejected line leaves nothing behind and the rest of its batch goes in. Rejected lines are
reported with their line number and reason (and written to ``--rejects`` as JSON Lines).
"""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.exceptions import ErrorDetail, ValidationError
from tqdm import tqdm

from calls import services
from calls.oracle import custom
from calls.oracle.attributes import CALL_ATTRIBUTES, CHILD_NAME, MESSAGE_ATTRIBUTES, AttributeSet
from calls.oracle.errors import as_oracle_error
from calls.oracle.serializers import CallSerializer

# Attributes a client may not send (ids, who-columns, the message's InteractionId), plus the
# ids that would name rows of the source database.
SKIPPED_CALL_KEYS = {a.name for a in CALL_ATTRIBUTES if a.read_only} | {"CallId"}
SKIPPED_MESSAGE_KEYS = {a.name for a in MESSAGE_ATTRIBUTES if a.read_only} | {
    "MessageId",
    "CallId",
}


class Rejected(Exception):
    pass


def importable(item: object) -> dict[str, Any]:
    """The item without the attributes the API computes; the messages as a list."""
    if not isinstance(item, dict):
        raise Rejected("the line is not a JSON object")
    data = {k: v for k, v in item.items() if k not in SKIPPED_CALL_KEYS}
    messages = data.get(CHILD_NAME)
    if isinstance(messages, dict) and "items" in messages:
        messages = messages["items"]
    if isinstance(messages, list):
        data[CHILD_NAME] = [
            {k: v for k, v in m.items() if k not in SKIPPED_MESSAGE_KEYS}
            if isinstance(m, dict)
            else m
            for m in messages
        ]
    return data


def describe(detail: object, prefix: str = "") -> list[str]:
    """A DRF error detail as ``Attribute: message`` strings."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            if isinstance(key, int):  # a nested list's errors by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out += describe(value, "" if key == "non_field_errors" else name)
        return out
    if isinstance(detail, list):
        if all(isinstance(d, str | ErrorDetail) for d in detail):
            return [f"{prefix}: {d}" if prefix else str(d) for d in detail]
        out = []
        for index, value in enumerate(detail):
            if value:
                out += describe(value, f"{prefix}[{index}]")
        return out
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def import_line(
    item: object, actor: services.Actor, attributes: AttributeSet | None = None
) -> bool:
    """Validate and upsert one item; returns whether a call was created.

    ``attributes``: those in effect (``custom.current()`` when not given), so the declared
    custom attributes import as the API takes them.
    """
    attributes = attributes or custom.current()
    serializer = CallSerializer(
        data=importable(item),
        upsert=True,
        attributes=attributes.calls,
        message_attributes=attributes.messages,
    )
    if not serializer.is_valid():
        raise Rejected("; ".join(describe(serializer.errors)))
    values = dict(serializer.validated_data)
    values.pop("id", None)
    messages = [dict(m) for m in values.pop("messages", None) or []]
    recording = values.pop("recording", None)
    if not values.get("call_number"):
        raise Rejected("CallNumber: required to import (calls are matched by it)")
    try:
        written = services.phone_call_upsert(
            actor=actor, call_id=None, values=values, messages=messages, recording=recording
        )
    except services.ServiceError as error:
        # In the contract's words, as the API would answer the same item.
        problems = as_oracle_error(error).problems
        raise Rejected("; ".join(p.detail for p in problems)) from None
    return written.created


class Command(BaseCommand):
    help = "Upsert calls from JSON Lines of Oracle-shaped items (the export_calls format)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="a JSON Lines file, or - for stdin")
        parser.add_argument("--batch-size", type=int, default=200, help="lines per transaction")
        parser.add_argument("--user", default="import", help="the who-columns' username")
        parser.add_argument("--rejects", help="also write rejected lines here (JSON Lines)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args: Any,
        path: str,
        batch_size: int,
        user: str,
        rejects: str | None,
        no_progress: bool,
        **options: Any,
    ) -> None:
        actor = services.Actor(username=user[:64], login=None)
        source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        counts = {"created": 0, "updated": 0, "rejected": 0}
        rejected: list[tuple[int, str]] = []
        try:
            lines = tqdm(source, unit="line", disable=no_progress or path == "-", file=sys.stderr)
            batch: list[tuple[int, str]] = []
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    batch.append((number, line))
                if len(batch) >= batch_size:
                    self._write(batch, actor, counts, rejected)
                    batch = []
            if batch:
                self._write(batch, actor, counts, rejected)
        finally:
            if source is not sys.stdin:
                source.close()
        for number, reason in rejected:
            self.stderr.write(f"line {number}: {reason}")
        if rejects:
            with open(rejects, "w", encoding="utf-8") as out:
                for number, reason in rejected:
                    out.write(json.dumps({"line": number, "reason": reason}) + "\n")
        self.stdout.write(
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['rejected']} rejected."
        )
        if counts["rejected"] and not (counts["created"] or counts["updated"]):
            raise CommandError("every line was rejected")

    def _write(
        self,
        batch: list[tuple[int, str]],
        actor: services.Actor,
        counts: dict[str, int],
        rejected: list[tuple[int, str]],
    ) -> None:
        attributes = custom.current()
        with transaction.atomic():
            for number, line in batch:
                try:
                    item = json.loads(line)
                except ValueError as error:
                    reason = f"invalid JSON: {error}"
                else:
                    try:
                        with transaction.atomic():
                            created = import_line(item, actor, attributes)
                    except Rejected as error:
                        reason = str(error)
                    except ValidationError as error:
                        reason = "; ".join(describe(error.detail))
                    else:
                        counts["created" if created else "updated"] += 1
                        continue
                counts["rejected"] += 1
                rejected.append((number, reason))
