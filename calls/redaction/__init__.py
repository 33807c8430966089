"""Redaction of transcripts on the way in: what the services call before a message is stored.

``detectors`` live in ``payment`` (cards, security codes, expiry dates) and ``personal``
(e-mail, phone, national ids, IBANs), read from ``tokens``; ``policy`` decides from the
settings what the stored text loses and whether an encrypted original is kept (``crypto``).
The services call ``redact_messages`` (values of the API and the import) or
``redact_instances`` (the admin's forms) once per write path; every message value with a
``message_content`` comes back with the redacted text and its ``content_original`` (the
encrypted original, or None).

Messages are redacted in conversation order: a security code said in the message after the
one that asked for it ("What is the code on the back?" / "one two three") is still a
security code. ``previous`` gives the stored text of the message before the first one
written, for writes that add to a conversation; it is asked only when the first message
could be such an answer.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

from .payment import Pending
from .policy import MARKERS, Config, Redaction, current, redact

__all__ = [
    "MARKERS",
    "Config",
    "Redaction",
    "current",
    "redact",
    "redact_instances",
    "redact_messages",
]

Previous = Callable[[], str | None]

# A message could answer a question of the previous one only if it holds a number.
_NUMBERISH = re.compile(
    r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|double|triple)\b",
    re.IGNORECASE,
)


def _pending_after(previous: Previous | None, text: str, config: Config) -> Pending | None:
    if previous is None or not _NUMBERISH.search(text):
        return None
    before = previous()
    if not before:
        return None
    return redact(before, config=config).pending


def redact_texts(
    texts: Sequence[str | None], *, own_number: str | None, previous: Previous | None = None
) -> list[Redaction | None]:
    """Redact ``texts`` of one conversation, in order (None for an empty text)."""
    config = current()
    pending: Pending | None = None
    out: list[Redaction | None] = []
    for index, text in enumerate(texts):
        if not text:
            out.append(None)
            pending = None
            continue
        if index == 0:
            pending = _pending_after(previous, text, config)
        result = redact(text, config=config, own_number=own_number, pending=pending)
        pending = result.pending
        out.append(result)
    return out


def redact_messages(
    messages: Sequence[dict[str, Any]],
    *,
    own_number: str | None,
    previous: Previous | None = None,
) -> list[dict[str, Any]]:
    """``messages`` (model field values) with ``message_content`` redacted and
    ``content_original`` set; values without a ``message_content`` are left as they are."""
    indexes = [i for i, values in enumerate(messages) if "message_content" in values]
    if not indexes:
        return list(messages)
    results = redact_texts(
        [messages[i]["message_content"] for i in indexes], own_number=own_number, previous=previous
    )
    out = list(messages)
    for i, result in zip(indexes, results, strict=True):
        if result is None:
            out[i] = {**messages[i], "content_original": None}
        else:
            out[i] = {
                **messages[i],
                "message_content": result.text,
                "content_original": result.original,
            }
    return out


def redact_instances(
    rows: Sequence[Any], *, own_number: str | None, previous: Previous | None = None
) -> None:
    """The same for unsaved or changed ``TranscriptMessage`` instances, in place."""
    results = redact_texts(
        [row.message_content for row in rows], own_number=own_number, previous=previous
    )
    for row, result in zip(rows, results, strict=True):
        row.content_original = None if result is None else result.original
        if result is not None:
            row.message_content = result.text
