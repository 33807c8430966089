"""Redacting what is stored already: the messages of a call in order, and history rows.

Pure computation for ``services.transcripts_redact``: it reads and writes, this decides.
A message is read in its conversation (the code answered in the message after the question
is a code); a history row, an older version of a message, is read with the context its
message has now.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import crypto, current, redact
from .payment import Pending


@dataclass
class Tally:
    """What a redaction of stored data changed."""

    calls: int = 0
    messages: int = 0
    history_rows: int = 0
    originals: int = 0
    findings: Counter[str] = field(default_factory=Counter)


def redact_conversation(
    messages: Sequence[Any], *, own_number: str | None, tally: Tally, rotate: bool = False
) -> tuple[list[Any], dict[int, Pending | None]]:
    """Redact ``messages`` (one call's, in order) in place: the changed ones, and the
    context each message was read with (for its history rows)."""
    config = current()
    changed, context = [], {}
    pending: Pending | None = None
    for message in messages:
        context[message.pk] = pending
        text = message.message_content
        result = (
            redact(text, config=config, own_number=own_number, pending=pending) if text else None
        )
        pending = result.pending if result is not None else None
        if result is not None and result.counts:
            message.message_content = result.text
            if result.original is not None and message.content_original is None:
                message.content_original = result.original
                tally.originals += 1
            tally.findings.update(result.counts)
            tally.messages += 1
            changed.append(message)
        elif rotate and message.content_original:
            message.content_original = crypto.rotate(message.content_original)
            changed.append(message)
    return changed, context


def redact_history(
    rows: Sequence[Any], context: dict[int, Pending | None], *, own_number: str | None, tally: Tally
) -> list[Any]:
    """Redact history rows in place; the changed ones."""
    config = current()
    changed = []
    for row in rows:
        if not row.message_content:
            continue
        result = redact(
            row.message_content, config=config, own_number=own_number, pending=context.get(row.id)
        )
        if result.counts:
            row.message_content = result.text
            tally.findings.update(result.counts)
            changed.append(row)
    tally.history_rows += len(changed)
    return changed
