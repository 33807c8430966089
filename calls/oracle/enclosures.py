"""Enclosures: the raw bytes of ``CallRecording`` and ``MessageContent`` (contract §1).

GET streams the bytes with ``Range`` support, PUT takes the raw body, DELETE clears the
value; an empty value is 404. A recording answers with its media type (its
``RecordingFormat``, else sniffed from its first bytes: ``calls.recording_types``) unless
``Accept`` prefers ``application/octet-stream``. A message's content answers
``application/octet-stream``, as Oracle documents the enclosure, unless ``Accept`` prefers
``text/plain`` (then ``text/plain; charset=utf-8``): the bytes are the same either way.
"""

import io
from collections.abc import Callable
from typing import IO

from django.core.files.storage import Storage
from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.request import Request

from calls import services
from calls.audit import access_record_served
from calls.models import TranscriptMessage
from calls.ranges import ranged_response
from calls.recording_types import HEAD_BYTES, recording_type
from calls.redaction import originals

from . import media
from .authentication import actor
from .bodies import body_bytes, spooled_body
from .errors import OracleError, bad_request, not_found
from .operations import Outcome, get_call_object, get_message_object
from .views import OracleViewSet

TEXT = "text/plain; charset=utf-8"


def ranged_bytes(
    request: Request, open_file: Callable[[], IO[bytes]], size: int, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """The enclosure's bytes as ``content_type``, honouring ``Range``."""
    return ranged_response(
        request,
        open_file,
        size,
        content_type=content_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _head(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read(HEAD_BYTES)


class EnclosureViewSet(OracleViewSet):
    """What both enclosures share. Their handlers take different URL arguments (a message's
    path also names the message), so neither view set derives from the other."""

    def respond_empty(self) -> HttpResponse:
        return self.respond(Outcome(204))


class CallRecordingViewSet(EnclosureViewSet):
    """``/phoneCalls/{CallId}/enclosure/CallRecording``."""

    def retrieve(self, request: Request, call_id: str) -> HttpResponse | StreamingHttpResponse:
        call = get_call_object(call_id)
        name = call.recording.name
        if not name:  # what ``not call.recording`` tests: a FieldFile is its name's truth
            raise not_found(f"Phone call {call.id} has no CallRecording.")
        storage = call.recording.storage
        own = recording_type(call.recording_format, lambda: _head(storage, name))
        content_type = media.preferred(request, list(dict.fromkeys([own, media.OCTETS])))
        response = ranged_bytes(
            request, lambda: storage.open(name, "rb"), storage.size(name), content_type
        )
        access_record_served(
            request=request, response=response, call=call, kind="recording_download", channel="api"
        )
        return response

    def replace(self, request: Request, call_id: str) -> HttpResponse:
        call = get_call_object(call_id)
        body = spooled_body(request._request)
        with body:
            services.phone_call_set_recording(actor=actor(request), call=call, content=body)
        return self.respond_empty()

    def destroy(self, request: Request, call_id: str) -> HttpResponse:
        call = get_call_object(call_id)
        if call.recording:
            services.phone_call_set_recording(actor=actor(request), call=call, content=None)
        return self.respond_empty()


class MessageContentViewSet(EnclosureViewSet):
    """``…/child/TranscriptMessage/{MessageId}/enclosure/MessageContent``."""

    model = TranscriptMessage

    def _message(self, call_id: str, message_id: str) -> TranscriptMessage:
        return get_message_object(get_call_object(call_id), message_id)

    def retrieve(
        self, request: Request, call_id: str, message_id: str
    ) -> HttpResponse | StreamingHttpResponse:
        message = self._message(call_id, message_id)
        if request.query_params.get("original") == "true":
            return self._original(request, message)
        if message.message_content is None:
            raise not_found(f"Message {message.id} has no MessageContent.")
        raw = message.message_content.encode("utf-8")
        content_type = media.preferred(request, [media.OCTETS, TEXT])
        response = ranged_bytes(request, lambda: io.BytesIO(raw), len(raw), content_type)
        access_record_served(
            request=request,
            response=response,
            call=message.call,
            kind="transcript_view",
            channel="api",
        )
        return response

    def _original(
        self, request: Request, message: TranscriptMessage
    ) -> HttpResponse | StreamingHttpResponse:
        """``?original=true``: the unredacted original, for a user with the permission."""
        try:
            text = originals.read_original(request=request, message=message, channel="api")
        except originals.NotPermitted:
            raise OracleError(
                403, "Reading an unredacted original needs calls.view_unredacted_transcript."
            ) from None
        except originals.NoOriginal:
            raise not_found(f"Message {message.id} has no unredacted original.") from None
        raw = text.encode("utf-8")
        content_type = media.preferred(request, [media.OCTETS, TEXT])
        return ranged_bytes(request, lambda: io.BytesIO(raw), len(raw), content_type)

    def replace(self, request: Request, call_id: str, message_id: str) -> HttpResponse:
        message = self._message(call_id, message_id)
        try:
            text = body_bytes(request._request).decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("MessageContent must be UTF-8 text.", "MessageContent") from None
        if "\x00" in text:
            raise bad_request("MessageContent must not contain NUL characters.", "MessageContent")
        self._set(request, message, text)
        return self.respond_empty()

    def destroy(self, request: Request, call_id: str, message_id: str) -> HttpResponse:
        self._set(request, self._message(call_id, message_id), None)
        return self.respond_empty()

    def _set(self, request: Request, message: TranscriptMessage, text: str | None) -> None:
        services.message_update(
            actor=actor(request), message=message, values={"message_content": text}
        )
