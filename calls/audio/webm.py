"""The duration a WebM (Matroska) file states: ``Segment/Info/Duration`` × ``TimecodeScale``.

Matroska is EBML: each element is an id and a size, both variable-length integers, then
its bytes. Only the path to ``Info`` is walked; any other element is skipped by its size,
and the walk stops at the first ``Cluster`` (the media itself; ``Info`` comes before it
in every muxer's output) or after ``SCAN_LIMIT`` bytes. A file without ``Duration`` (a
live MediaRecorder capture) has no stated duration: ``None``, never an estimate.
"""

import struct
from typing import IO, Any

EBML = 0x1A45DFA3
SEGMENT = 0x18538067
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
CLUSTER = 0x1F43B675

DEFAULT_TIMECODE_SCALE = 1_000_000  # nanoseconds per tick: ticks are milliseconds
SCAN_LIMIT = 4 * 1024 * 1024


class _End(Exception):
    """The bytes ended inside an element header."""


def is_ebml(stream: IO[Any]) -> bool:
    stream.seek(0)
    return stream.read(4) == EBML.to_bytes(4, "big")


def _vint(stream: IO[Any], *, keep_marker: bool) -> tuple[int, int, bool]:
    """A variable-length integer: (value, its length, whether every value bit is set)."""
    first = stream.read(1)
    if not first:
        raise _End
    lead = first[0]
    length = 1
    while length <= 8 and not lead & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("not an EBML variable-length integer")
    rest = stream.read(length - 1)
    if len(rest) != length - 1:
        raise _End
    value = lead if keep_marker else lead & (0xFF >> length)
    for byte in rest:
        value = (value << 8) | byte
    all_ones = value == (1 << (7 * length)) - 1 if not keep_marker else False
    return value, length, all_ones


def _header(stream: IO[Any]) -> tuple[int, int | None]:
    """An element's id and data size (None: "unknown size", as live muxers write it)."""
    element_id, _, _ = _vint(stream, keep_marker=True)
    size, _, unknown = _vint(stream, keep_marker=False)
    return element_id, None if unknown else size


def _uint(data: bytes) -> int:
    return int.from_bytes(data, "big") if data else 0


def _float(data: bytes) -> float | None:
    if len(data) == 4:
        return struct.unpack(">f", data)[0]
    if len(data) == 8:
        return struct.unpack(">d", data)[0]
    return None


def _info_duration(stream: IO[Any], size: int) -> float | None:
    end = stream.tell() + size
    scale = DEFAULT_TIMECODE_SCALE
    ticks: float | None = None
    while stream.tell() < end:
        element_id, length = _header(stream)
        if length is None:
            return None
        if element_id not in (TIMECODE_SCALE, DURATION) or length > 8:
            stream.seek(length, 1)  # titles, the muxing app, a segment UID: skipped
            continue
        data = stream.read(length)
        if element_id == TIMECODE_SCALE:
            scale = _uint(data)
        elif element_id == DURATION:
            ticks = _float(data)
    if ticks is None or scale <= 0:
        return None
    return ticks * scale / 1e9


def duration_seconds(stream: IO[Any]) -> float | None:
    """The stated duration of the WebM in ``stream``, in seconds, or None."""
    stream.seek(0)
    try:
        element_id, size = _header(stream)
        if element_id != EBML or size is None:
            return None
        stream.seek(size, 1)
        element_id, _ = _header(stream)
        if element_id != SEGMENT:
            return None
        while stream.tell() < SCAN_LIMIT:
            element_id, size = _header(stream)
            if element_id == INFO and size is not None:
                return _info_duration(stream, size)
            if element_id == CLUSTER or size is None:
                return None
            stream.seek(size, 1)
    except (_End, ValueError):
        return None
    return None
