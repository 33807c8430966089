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


def read_original_as_operator(*, message: TranscriptMessage, operator: str) -> str:
    """The original text of ``message`` for a management command's operator (the one who
    runs ``manage.py`` holds every permission), recorded as read like any other read: no
    user, ``operator`` naming who, channel ``command``."""
    if message.content_original is None:
        raise NoOriginal
    text = crypto.decrypt(message.content_original)
    AccessRecord.objects.create(
        username=operator[: AccessRecord._meta.get_field("username").max_length],
        call=message.call,
        call_number=message.call.call_number,
        kind=AccessRecord.Kind.ORIGINAL_VIEW,
        channel=AccessRecord.Channel.COMMAND,
    )
    return text
