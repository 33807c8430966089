"""How long a recording plays, read from its own metadata when it is stored.

tinytag reads WAV, MP3, OGG (Vorbis, Opus), M4A/AAC, FLAC, AIFF and WMA headers: each
container states its length (a sample count and rate, a Xing/VBRI frame count, the last
granule position, ``mvhd``), and tinytag reports it. WebM (and Matroska) is not among its
formats, so ``calls.audio.webm`` reads the segment's ``Duration`` element itself.

The answer is milliseconds, or ``None`` when the file does not say (an unknown format, a
damaged header, a WebM written live by a browser's MediaRecorder, which leaves the
duration out): staff see "unknown", never a guess.
"""

import io
import logging
import math
from typing import IO, Any, BinaryIO, cast

from django.core.files.base import File
from tinytag import TinyTag

from . import webm

logger = logging.getLogger(__name__)

# PhoneCall.recording_duration_ms is a PositiveIntegerField (24.8 days); a header claiming
# more is damaged, not a very long call.
MAX_DURATION_MS = 2**31 - 1


def _milliseconds(seconds: float | None) -> int | None:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    value = round(seconds * 1000)
    return value if value <= MAX_DURATION_MS else None


def _read(stream: IO[Any]) -> int | None:
    if webm.is_ebml(stream):
        return _milliseconds(webm.duration_seconds(stream))
    stream.seek(0)
    try:
        tag = TinyTag.get(file_obj=cast(BinaryIO, stream), tags=False, duration=True)
    except Exception:  # any parser's failure on hostile or truncated bytes means "unknown"
        logger.debug("no duration in the recording's metadata", exc_info=True)
        return None
    return _milliseconds(tag.duration)


def recording_duration_ms(content: bytes | File | BinaryIO | None) -> int | None:
    """The duration of ``content`` in milliseconds, or None when its metadata does not say.

    A file is read from its start and left at its start, so it can be saved next.
    """
    if content is None:
        return None
    if isinstance(content, bytes | bytearray):
        return _read(io.BytesIO(content))
    stream: IO[Any] | None = content.file if isinstance(content, File) else content
    if stream is None or not stream.seekable():
        return None
    try:
        return _read(stream)
    finally:
        stream.seek(0)
