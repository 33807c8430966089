"""The staff stream of a stored recording: its media type, file name and validators.

The bytes go out through ``calls.ranges`` (Range requests, so players can seek).
"""

import hashlib
import mimetypes
import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ..models import PhoneCall
from ..ranges import ranged_response

_AUDIO_TYPE = re.compile(r"^audio/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def recording_media_type(call: PhoneCall) -> str | None:
    """The stored ``RecordingFormat`` when it is an ``audio/*`` type, else ``None``."""
    raw = (call.recording_format or "").split(";", 1)[0].strip().lower()
    return raw if _AUDIO_TYPE.match(raw) else None


def _filename(call: PhoneCall, media_type: str | None) -> str:
    stem = _UNSAFE_FILENAME.sub("_", call.call_number).strip("._") or f"call-{call.pk}"
    extension = (mimetypes.guess_extension(media_type) if media_type else None) or ".bin"
    return f"recording-{stem}{extension}"


def recording_response(
    request: HttpRequest, call: PhoneCall
) -> HttpResponse | StreamingHttpResponse:
    """200, 206 or 416 for the call's stored recording (the caller checked it exists)."""
    storage = call.recording.storage
    name = call.recording.name
    if not name:
        # The caller's "not stored" case (it answers 404), never a size of storage's root.
        raise FileNotFoundError(f"Call {call.pk} has no stored recording.")
    size = storage.size(name)
    etag = '"' + hashlib.sha256(f"{name}:{size}".encode()).hexdigest()[:32] + '"'
    media_type = recording_media_type(call)
    disposition = "inline" if media_type else "attachment"
    if_range = request.headers.get("If-Range")
    return ranged_response(
        request,
        lambda: storage.open(name, "rb"),
        size,
        content_type=media_type or "application/octet-stream",
        headers={
            "ETag": etag,
            # Like every staff answer (the ETag still serves If-Range when a download resumes).
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'{disposition}; filename="{_filename(call, media_type)}"',
        },
        # The client's partial copy is of another file: send it all.
        honour_range=if_range is None or if_range.strip() == etag,
    )
