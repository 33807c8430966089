"""The media type of a stored recording: what it says it is, else what its bytes say.

``RecordingFormat`` is the client's word for it (Oracle: "the recording's media type").
It is used when it is an audio or video media type; anything else (empty, ``wav``, or a
type a browser would render, such as ``text/html``, which must never be sent for bytes a
client uploaded) gives way to the signature at the start of the file. A file no signature
matches is ``application/octet-stream``.
"""

import re
from collections.abc import Callable

OCTETS = "application/octet-stream"
# Enough of the file for every signature below.
HEAD_BYTES = 12

# RFC 6838 names: type "/" subtype, each a restricted token. Parameters are dropped.
_PLAYABLE = re.compile(r"^(?:audio|video)/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$|^application/ogg$")


def declared_type(recording_format: str | None) -> str | None:
    """``RecordingFormat`` as a media type to answer with, None when it is not one."""
    raw = (recording_format or "").split(";", 1)[0].strip().lower()
    return raw if _PLAYABLE.match(raw) else None


def _mpeg_frame(head: bytes) -> str | None:
    """An MPEG audio frame header (MP3 without ID3) or an ADTS header (raw AAC)."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0b11
    if layer == 0:  # "reserved" in MPEG audio; ADTS always writes 00 there
        return "audio/aac" if head[1] & 0xF0 == 0xF0 else None
    return "audio/mpeg"


def _signature(head: bytes) -> str | None:
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head[4:8] == b"ftyp":  # ISO base media (M4A, MP4, 3GP)
        return "audio/mp4"
    prefixes = {
        b"ID3": "audio/mpeg",
        b"OggS": "audio/ogg",
        b"fLaC": "audio/flac",
        b"\x1a\x45\xdf\xa3": "audio/webm",  # Matroska / WebM
        b"#!AMR": "audio/amr",
        b".snd": "audio/basic",
    }
    for prefix, media_type in prefixes.items():
        if head.startswith(prefix):
            return media_type
    return _mpeg_frame(head)


def sniffed_type(head: bytes) -> str:
    """The media type the first bytes of a recording show (``HEAD_BYTES`` of them)."""
    return _signature(head) or OCTETS


def recording_type(recording_format: str | None, read_head: Callable[[], bytes]) -> str:
    """``RecordingFormat`` when usable, else the sniffed type (``read_head`` is only called
    then: on S3 it costs a ranged GET)."""
    return declared_type(recording_format) or sniffed_type(read_head())
