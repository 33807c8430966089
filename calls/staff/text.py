"""The transcript as plain text, for the download: the same times as the pages show."""

import re
from collections.abc import Iterable, Iterator

from django.conf import settings

from .. import timing
from ..models import PhoneCall, TranscriptMessage
from ..transcript_vtt import Line
from .times import format_display


def speaker(message: TranscriptMessage) -> str:
    return message.posted_by_display_name or "Unknown speaker"


def transcript_lines(
    call: PhoneCall, messages: Iterable[TranscriptMessage], *, internal: bool = True
) -> Iterator[str]:
    """``internal``: whether the internal notes are among ``messages``; without them the
    text says so, so a reader knows it is not the whole conversation."""
    yield f"Call {call.call_number}\n"
    yield f"Phone number: {call.phone_number or '-'}\n"
    if call.external_system_call_id:
        yield f"External call id: {call.external_system_call_id}\n"
    yield f"Time: {format_display(call.call_time)}\n"
    yield f"Times are in {settings.CALLBOOK_DISPLAY_TIME_ZONE}.\n"
    if not internal:
        yield "Internal notes are left out.\n"
    yield "\n"
    call_start = timing.call_start(call.custom)
    count = 0
    for message in messages:
        count += 1
        tags = ", ".join(
            t
            for t in (
                message.role_cd,
                "internal" if message.visibility_cd == TranscriptMessage.INTERNAL else None,
            )
            if t
        )
        start = timing.offsets(message.custom).start
        said = timing.message_time(call_start, start, message.creation_date)
        head = f"[{format_display(said)}] {speaker(message)}"
        if tags:
            head += f" ({tags})"
        body = (message.message_content or "").replace("\r\n", "\n").replace("\r", "\n")
        yield head + ":\n" + "".join(f"    {line}\n" for line in body.split("\n")) + "\n"
    if not count:
        yield "No transcript messages.\n"


def vtt_line(message: TranscriptMessage) -> Line:
    """A message as a WebVTT cue's parts; an internal note says so after its speaker."""
    who = speaker(message)
    if message.visibility_cd == TranscriptMessage.INTERNAL:
        who += " (internal)"
    start, end = timing.offsets(message.custom)
    return Line(message.message_number, who, message.message_content or "", start, end)


def transcript_filename(call: PhoneCall, *, internal: bool = True) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", call.call_number).strip("._") or f"call-{call.pk}"
    return f"transcript-{stem}.txt" if internal else f"transcript-{stem}-without-internal-notes.txt"
