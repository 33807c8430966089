"""The staff stream of a stored recording: its media type, file name and validators.

The bytes go out through ``calls.ranges`` (Range requests, so players can seek): inline
for the player, or as an attachment (``download``) named ``recording-<CallNumber>.<ext>``
with the extension of its format.
"""

import hashlib
import mimetypes
import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ..models import PhoneCall
from ..ranges import ranged_response

_AUDIO_TYPE = re.compile(r"^audio/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# The extensions players and file managers expect, by the media types integrations send.
# Python's table has no entry for several of them (audio/wav and audio/webm give None),
# or an unusual one (.oga for audio/ogg); it is asked only about the others.
_EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/wave": ".wav",
    "audio/x-wav": ".wav",
    "audio/vnd.wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "audio/m4a": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/aac": ".aac",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/amr": ".amr",
}


def recording_media_type(call: PhoneCall) -> str | None:
    """The stored ``RecordingFormat`` when it is an ``audio/*`` type, else ``None``."""
    raw = (call.recording_format or "").split(";", 1)[0].strip().lower()
    return raw if _AUDIO_TYPE.match(raw) else None


def recording_extension(media_type: str | None) -> str:
    """``.wav`` for ``audio/wav``; ``.bin`` for what is no audio type or has no known one."""
    if not media_type:
        return ".bin"
    return _EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type) or ".bin"


def recording_filename(call: PhoneCall) -> str:
    stem = _UNSAFE_FILENAME.sub("_", call.call_number).strip("._") or f"call-{call.pk}"
    return f"recording-{stem}{recording_extension(recording_media_type(call))}"


def recording_response(
    request: HttpRequest, call: PhoneCall, *, download: bool = False
) -> HttpResponse | StreamingHttpResponse:
    """200, 206 or 416 for the call's stored recording (the caller checked it exists).

    Inline for a player; an attachment when ``download`` is asked for, or when the stored
    format is no audio type (a browser must not try to show it)."""
    storage = call.recording.storage
    name = call.recording.name
    if not name:
        # The caller's "not stored" case (it answers 404), never a size of storage's root.
        raise FileNotFoundError(f"Call {call.pk} has no stored recording.")
    size = storage.size(name)
    etag = '"' + hashlib.sha256(f"{name}:{size}".encode()).hexdigest()[:32] + '"'
    media_type = recording_media_type(call)
    disposition = "inline" if media_type and not download else "attachment"
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
            "Content-Disposition": f'{disposition}; filename="{recording_filename(call)}"',
        },
        # The client's partial copy is of another file: send it all.
        honour_range=if_range is None or if_range.strip() == etag,
    )
