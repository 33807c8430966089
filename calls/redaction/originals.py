"""Reading a kept original: only with ``calls.view_unredacted_transcript``, every read audited.

The one place that decrypts ``TranscriptMessage.content_original``. Each read writes an
access record of its own (``transcript_original_view``), not merged into a window like
the reads of redacted text: who saw what was redacted is exactly what an auditor asks.
"""

from typing import Any

from calls.audit import access_record
from calls.models import AccessRecord, TranscriptMessage

from . import crypto

PERMISSION = "calls.view_unredacted_transcript"


class NotPermitted(Exception):
    """The user lacks ``calls.view_unredacted_transcript``."""


class NoOriginal(Exception):
    """Nothing was redacted from this message, or its original was not kept."""


def read_original(*, request: Any, message: TranscriptMessage, channel: str) -> str:
    """The original text of ``message`` for the user of ``request``, recorded as read."""
    user = getattr(request, "user", None)
    if user is None or not user.has_perm(PERMISSION):
        raise NotPermitted
    if message.content_original is None:
        raise NoOriginal
    text = crypto.decrypt(message.content_original)
    access_record(
        request=request, call=message.call, kind=AccessRecord.Kind.ORIGINAL_VIEW, channel=channel
    )
    return text
