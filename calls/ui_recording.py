"""Streaming a stored recording with HTTP ranges (RFC 9110 §14), so players can seek.

Bytes are read from Django's storage in chunks for the requested range only; nothing
holds the whole file in memory, which matters for hour-long calls on object storage.
"""

import hashlib
import mimetypes
import re
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse

from .models import PhoneCall

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_AUDIO_TYPE = re.compile(r"^audio/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


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
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def recording_media_type(call: PhoneCall) -> str | None:
    """The stored ``RecordingFormat`` when it is an ``audio/*`` type, else ``None``."""
    raw = (call.recording_format or "").split(";", 1)[0].strip().lower()
    return raw if _AUDIO_TYPE.match(raw) else None


def _filename(call: PhoneCall, media_type: str | None) -> str:
    stem = _UNSAFE_FILENAME.sub("_", call.call_number).strip("._") or f"call-{call.pk}"
    extension = (mimetypes.guess_extension(media_type) if media_type else None) or ".bin"
    return f"recording-{stem}{extension}"


def _read(file, start: int, length: int) -> Iterator[bytes]:
    with file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def recording_response(request, call: PhoneCall) -> HttpResponse:
    """200, 206 or 416 for the call's stored recording (the caller checked it exists)."""
    storage = call.recording.storage
    name = call.recording.name
    size = storage.size(name)
    etag = '"' + hashlib.sha256(f"{name}:{size}".encode()).hexdigest()[:32] + '"'
    media_type = recording_media_type(call)
    disposition = "inline" if media_type else "attachment"
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'{disposition}; filename="{_filename(call, media_type)}"',
    }
    content_type = media_type or "application/octet-stream"

    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        range_header = None  # the client's partial copy is of another file: send it all
    try:
        byte_range = parse_range(range_header, size)
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
            _read(storage.open(name, "rb"), start, length),
            status=status,
            content_type=content_type,
            headers=headers,
        )
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
