"""Reading raw request bodies within ``CALLBOOK_MAX_REQUEST_BYTES`` (README "Limits").

A body announces its size with ``Content-Length`` or arrives ``Transfer-Encoding: chunked``
without one. Django reads only ``Content-Length`` bytes, so a chunked body would read as
empty; it is read to its end only when the WSGI server says its input ends where the body
does (``wsgi.input_terminated``: gunicorn and werkzeug set it after decoding the chunks),
and refused with 411 otherwise. Either way the size is counted while reading: a body over
the limit is a 413 and one shorter than announced a 400, never a short recording.
"""

import tempfile

from django.conf import settings
from django.core.files import File

from .errors import OracleError, Problem, bad_request, request_too_large

SPOOL_IN_MEMORY = 1024 * 1024
BODY_CHUNK = 64 * 1024


def max_request_bytes() -> int:
    # CALLBOOK_MAX_REQUEST_BYTES, the same limit Django applies to bodies it reads itself.
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(request) -> int | None:
    """The ``Content-Length`` of a Django request, None when absent or unreadable."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def is_chunked(request) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "")
    return "chunked" in encoding.lower()


def check_declared_length(request) -> None:
    """A 413 before reading anything when ``Content-Length`` is already over the limit."""
    length = declared_length(request)
    if length is not None and length > max_request_bytes():
        raise request_too_large()


def _source(request):
    """The stream to read and how many bytes it must hold (None: read to its end)."""
    length = declared_length(request)
    if length is None and is_chunked(request):
        if not request.META.get("wsgi.input_terminated"):
            raise OracleError(
                411,
                [Problem("Send the body with a Content-Length header.", "length_required")],
            )
        return request.META["wsgi.input"], None
    return request, length or 0


def spooled_body(request) -> File:
    """The raw body of a Django request, copied in chunks to a spooled file, all of it."""
    check_declared_length(request)
    stream, expected = _source(request)
    limit = max_request_bytes()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - the caller closes it
    size = 0
    try:
        while chunk := stream.read(BODY_CHUNK):
            size += len(chunk)
            if size > limit:
                raise request_too_large()
            spool.write(chunk)
        if expected is not None and size < expected:
            raise bad_request(
                f"The body ended after {size} of its {expected} bytes.", code="incomplete_body"
            )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return File(spool, name="recording")
