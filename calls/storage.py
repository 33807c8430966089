"""S3-compatible storage for recordings whose reads fetch only the bytes asked for.

django-storages' ``S3File`` downloads the whole object on the first ``read()``, into memory
unless ``max_memory_size`` is set. A player seeking through an hour-long call sends many
``Range`` requests, and each would download the full recording again. Here a file opened
for reading streams from its current position with one ranged GET, continues that stream
while reads are sequential, and starts a new ranged GET only after a ``seek``. Writes are
django-storages' own.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class _Body(Protocol):
    """A GET's body (botocore's ``StreamingBody``): boto3 has no type information here."""

    def read(self, amt: int | None = None) -> bytes: ...

    def close(self) -> None: ...


class _S3Object(Protocol):
    """What is used of a boto3 ``s3.Object``: its size (a HEAD) and ranged GETs."""

    @property
    def content_length(self) -> int: ...

    def get(self, *, Range: str) -> dict[str, Any]: ...


class _RangedObjectReader(io.RawIOBase):
    """A seekable, read-only raw stream over one S3 object, read with ranged GETs."""

    def __init__(self, obj: _S3Object, size: int) -> None:
        self._obj = obj
        self._size = size
        self._position = 0
        self._body: _Body | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if position < 0:
            raise OSError("negative seek position")
        if position != self._position:
            self._drop_stream()
            self._position = position
        return position

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._position >= self._size or len(view) == 0:
            return 0
        if self._body is None:
            self._body = self._obj.get(Range=f"bytes={self._position}-")["Body"]
        data = self._body.read(len(view))
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop_stream(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_stream()
        super().close()


class RecordingS3Storage(S3Storage):
    """``S3Storage`` whose files opened for reading fetch byte ranges, not whole objects."""

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if mode not in ("r", "rb"):
            return super()._open(name, mode)
        obj = self.bucket.Object(self._normalize_name(clean_name(name)))
        # One HEAD: the size (and a FileNotFoundError for a missing object, like S3File).
        try:
            size = obj.content_length
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        reader = io.BufferedReader(_RangedObjectReader(obj, size), buffer_size=64 * 1024)
        return File(reader, name)
