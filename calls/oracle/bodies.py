"""Reading raw request bodies within ``CALLBOOK_MAX_REQUEST_BYTES`` (README "Limits").

A body announces its size with ``Content-Length`` or arrives ``Transfer-Encoding: chunked``
without one. Django reads only ``Content-Length`` bytes, so a chunked body would read as
empty; it is read to its end only when the WSGI server says its input ends where the body
does (``wsgi.input_terminated``: gunicorn and werkzeug set it after decoding the chunks),
and refused with 411 otherwise. Either way the size is counted while reading: a body over
the limit is a 413 and one shorter than announced a 400, never a short recording.

A body sent ``Content-Encoding: gzip`` or ``deflate`` (Oracle's REST APIs take both) is
decompressed as it is read, and the limit counts the decompressed bytes: a few kilobytes
that inflate to gigabytes are a 413 after ``CALLBOOK_MAX_REQUEST_BYTES`` of output, never a
worker's memory.
"""

import tempfile
import zlib
from typing import Protocol

from django.conf import settings
from django.core.files import File
from django.http import HttpRequest

from .errors import OracleError, Problem, bad_request, request_too_large

SPOOL_IN_MEMORY = 1024 * 1024
BODY_CHUNK = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# Content-Encoding → the zlib window bits that read it. ``x-gzip`` is gzip's old name.
_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_IDENTITY = {"", "identity"}


def content_encoding(request: HttpRequest) -> str | None:
    """The body's ``Content-Encoding`` (gzip, x-gzip or deflate), None for identity.

    Any other coding (``br``, a list of codings) is a 415, as RFC 9110 §8.4.1 asks.
    """
    raw = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if raw in _IDENTITY:
        return None
    if raw in _ENCODINGS:
        return raw
    raise OracleError(
        415,
        [
            Problem(
                "Content-Encoding must be gzip or deflate (or absent).",
                "unsupported_content_encoding",
            )
        ],
    )


class DecodedBody:
    """A compressed body, decompressed as it is read and bounded after decompression.

    ``read`` never holds more than ``size`` (or one chunk's worth of) output at a time, and
    raises 413 once the output passes ``limit``. A stream that is not what its coding says,
    or ends before its compressed data does, is a 400.
    """

    def __init__(self, source: Readable, encoding: str, limit: int):
        self.source = source
        self.wbits = _ENCODINGS[encoding]
        self.deflate = encoding == "deflate"
        self.limit = limit
        self.produced = 0
        self.decompressor = zlib.decompressobj(self.wbits)
        self.pending = b""  # compressed input not yet fed to the decompressor
        self.started = False
        self.finished = False

    def _fail(self) -> OracleError:
        return bad_request("The body is not valid for its Content-Encoding.", code="invalid_body")

    def _decompress(self, data: bytes, size: int) -> bytes:
        try:
            output = self.decompressor.decompress(data, size)
        except zlib.error:
            if self.deflate and not self.started:
                # "deflate" as some clients send it: raw DEFLATE without the zlib wrapper.
                self.decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                self.started = True
                return self._decompress(data, size)
            raise self._fail() from None
        self.started = True
        self.pending = self.decompressor.unconsumed_tail
        if self.decompressor.eof:
            rest = self.decompressor.unused_data
            if rest and not self.deflate:
                # gzip allows several members one after the other: read the next.
                self.decompressor = zlib.decompressobj(self.wbits)
                self.pending = rest
            else:
                self.finished = True
        return output

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(BODY_CHUNK):
                chunks.append(chunk)
            return b"".join(chunks)
        while not self.finished:
            if not self.pending:
                self.pending = self.source.read(BODY_CHUNK)
                if not self.pending:
                    if not self.started:
                        return b""  # an empty body, whatever its coding says
                    raise bad_request(
                        "The compressed body ended before its data did.", code="incomplete_body"
                    )
            output = self._decompress(self.pending, size)
            if output:
                self.produced += len(output)
                if self.produced > self.limit:
                    raise request_too_large()
                return output
        return b""


def decoded(request: HttpRequest, stream: Readable) -> Readable:
    """``stream`` (the body of ``request``) as its bytes after any ``Content-Encoding``."""
    encoding = content_encoding(request)
    if encoding is None:
        return stream
    return DecodedBody(stream, encoding, max_request_bytes())


def max_request_bytes() -> int:
    # CALLBOOK_MAX_REQUEST_BYTES, the same limit Django applies to bodies it reads itself.
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(request: HttpRequest) -> int | None:
    """The ``Content-Length`` of a Django request, None when absent or unreadable."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def is_chunked(request: HttpRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "")
    return "chunked" in encoding.lower()


def check_declared_length(request: HttpRequest) -> None:
    """A 413 before reading anything when ``Content-Length`` is already over the limit."""
    length = declared_length(request)
    if length is not None and length > max_request_bytes():
        raise request_too_large()


def _source(request: HttpRequest) -> tuple[Readable, int | None]:
    """The stream to read and how many bytes it must hold (None: read to its end)."""
    length = declared_length(request)
    if length is None and is_chunked(request):
        if not request.META.get("wsgi.input_terminated"):
            raise OracleError(
                411,
                [Problem("Send the body with a Content-Length header.", "length_required")],
            )
        return decoded(request, request.META["wsgi.input"]), None
    if content_encoding(request) is not None:
        # The decompressor knows where the data ends: a short body is its error, and the
        # announced length is the compressed one, not what is read.
        return decoded(request, request), None
    return request, length or 0


def spooled_body(request: HttpRequest) -> File:
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


def body_bytes(request: HttpRequest) -> bytes:
    """The whole raw body in memory (a text enclosure), read as ``spooled_body`` reads it."""
    with spooled_body(request) as body:
        return body.read()
