"""Transcripts as WebVTT: the times of a transcript in the format players and
speech-to-text systems speak.

Each cue is one message: its identifier the ``MessageNumber``, its timing the message's
start and end offsets (``calls.timing``, milliseconds, which WebVTT's ``hh:mm:ss.ttt``
holds exactly), its text ``Speaker: words``. Reading (``read_cues``, with ``webvtt-py``)
gives the identifiers and times only: an import (``import_times``: ``manage.py import_vtt``
and the admin's upload) sets the times of existing messages
(``services.transcript_times_set``) and never their words.

Writing: a message without a start has no cue (WebVTT has no cue without a time); it is a
``NOTE`` block in its place, so the file still holds the whole conversation and an import
invents no time for it. A message with a start but no end gets a cue that ends where it
starts. Cue text is escaped as WebVTT asks (``&``, ``<``, ``>``); a blank line inside a
message would end its cue, so line breaks within one are kept and runs of them folded.
"""

import io
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from . import services
from .models import PhoneCall

_BLANK_LINES = re.compile(r"\n\s*\n+")
# A cue identifier is one line without "-->" (else a reader takes it for the timing).
_BAD_IDENTIFIER = re.compile(r"-->|[\r\n]")


class Line(NamedTuple):
    """What a cue is made of: one message of the transcript."""

    message_number: str
    speaker: str
    text: str
    start_ms: int | None
    end_ms: int | None


class Cue(NamedTuple):
    """A cue as read: its identifier (None without one) and its times in milliseconds."""

    identifier: str | None
    start_ms: int
    end_ms: int


class InvalidVtt(ValueError):
    """The file is not WebVTT (webvtt-py's reason in words)."""


def timestamp(ms: int) -> str:
    """``hh:mm:ss.ttt``: WebVTT's timestamp, exact to the millisecond."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _escaped(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _BLANK_LINES.sub("\n", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_blocks(lines: Iterable[Line], *, title: str) -> Iterator[str]:
    """The file, one block at a time (each ends with its blank line): for streaming."""
    yield f"WEBVTT\n\nNOTE {_escaped(title)}\n\n"
    for line in lines:
        text = _escaped(f"{line.speaker}: {line.text}")
        if line.start_ms is None:
            yield f"NOTE {_escaped(line.message_number)} (no time)\n{text}\n\n"
            continue
        end = line.end_ms if line.end_ms is not None else line.start_ms
        identifier = (
            "" if _BAD_IDENTIFIER.search(line.message_number) else f"{line.message_number}\n"
        )
        yield f"{identifier}{timestamp(line.start_ms)} --> {timestamp(end)}\n{text}\n\n"


def _ms(stamp: webvtt.models.Timestamp) -> int:
    return ((stamp.hours * 60 + stamp.minutes) * 60 + stamp.seconds) * 1000 + stamp.milliseconds


def read_cues(content: bytes | str) -> list[Cue]:
    """The cues of a WebVTT file, in order; ``InvalidVtt`` when it is not one."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidVtt("the file is not UTF-8 text, as WebVTT is") from None
    try:
        captions = webvtt.from_buffer(io.StringIO(content), strict=True).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise InvalidVtt(f"the file is not WebVTT: {error}") from None
    cues = [
        Cue(caption.identifier or None, _ms(caption.start_time), _ms(caption.end_time))
        for caption in captions
    ]
    seen: set[str] = set()
    for cue in cues:
        if cue.identifier is not None:
            if cue.identifier in seen:
                raise InvalidVtt(f"the cue identifier {cue.identifier!r} is used twice")
            seen.add(cue.identifier)
    return cues


def import_times(*, actor: services.Actor, call: PhoneCall, content: bytes) -> services.TimesSet:
    """Read ``content`` as WebVTT and set the times it gives (InvalidVtt, InvalidTiming)."""
    cues = read_cues(content)
    return services.transcript_times_set(
        actor=actor, call=call, times=[(c.identifier, c.start_ms, c.end_ms) for c in cues]
    )


def report(result: services.TimesSet) -> str:
    """One line (two with unmatched cues) saying what an import did."""
    text = f"{result.timed} message(s) got new times."
    if result.unmatched:
        shown = ", ".join(result.unmatched[:20])
        more = f" and {len(result.unmatched) - 20} more" if len(result.unmatched) > 20 else ""
        text += f"\n{len(result.unmatched)} cue(s) match no message of the call: {shown}{more}."
    return text
