"""Byte ranges (RFC 9110 §14): parse a ``Range`` header and stream only those bytes.

The staff recording stream and the API's enclosures both answer through
``ranged_response``: 200, 206 or 416, read from a file object in chunks, so nothing
holds a whole recording in memory (it matters for hour-long calls on object storage).
"""

import re
from collections.abc import Callable, Iterator
from typing import IO

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*$", re.IGNORECASE | re.ASCII)
# More digits than this is past the end of any file; int() of thousands of digits raises.
_MAX_DIGITS = 18


def _position(digits: str) -> int:
    """A byte position of the header; an absurdly long one reads as "beyond any file"."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single inclusive byte range a ``Range`` header asks for, or ``None`` for all.

    Headers we may ignore (another unit, several ranges, bad syntax) give ``None``, so the
    whole file is sent with 200 as the RFC allows; a well-formed range that starts past
    the end raises ``RangeNotSatisfiable`` (416).
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - suffix, 0), size - 1
    start = _position(first)
    end = _position(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def read_range(file: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    with file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def ranged_response(
    request: HttpRequest,
    open_file: Callable[[], IO[bytes]],
    size: int,
    *,
    content_type: str,
    headers: dict[str, str],
    honour_range: bool = True,
) -> HttpResponse | StreamingHttpResponse:
    """``size`` bytes that ``open_file()`` reads: all (200), the range asked for (206), or 416.

    ``honour_range=False`` sends everything, for a client whose If-Range no longer holds.
    The answer streams (``StreamingHttpResponse``) unless it is a 416 or to HEAD.
    """
    headers = {"Accept-Ranges": "bytes", **headers}
    response: HttpResponse | StreamingHttpResponse
    try:
        byte_range = parse_range(request.headers.get("Range") if honour_range else None, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416, content_type=content_type, headers=headers)
        response["Content-Range"] = f"bytes */{size}"
        return response

    start, end = byte_range if byte_range else (0, size - 1)
    length = max(end - start + 1, 0)
    status = 206 if byte_range else 200
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type, headers=headers)
    else:
        response = StreamingHttpResponse(
            read_range(open_file(), start, length),
            status=status,
            content_type=content_type,
            headers=headers,
        )
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
