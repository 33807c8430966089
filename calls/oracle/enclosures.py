"""Enclosures: the raw bytes of ``CallRecording`` and ``MessageContent`` (contract §1).

GET streams the bytes with ``Range`` support, PUT takes the raw body, DELETE clears the
value; an empty value is 404. A recording answers with its media type (its
``RecordingFormat``, else sniffed from its first bytes: ``calls.recording_types``) unless
``Accept`` prefers ``application/octet-stream``. A message's content answers
``application/octet-stream``, as Oracle documents the enclosure, unless ``Accept`` prefers
``text/plain`` (then ``text/plain; charset=utf-8``): the bytes are the same either way.
"""

import io

from django.http import HttpResponse

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


def ranged_bytes(request, open_file, size: int, content_type: str) -> HttpResponse:
    """The enclosure's bytes as ``content_type``, honouring ``Range``."""
    return ranged_response(
        request,
        open_file,
        size,
        content_type=content_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _head(storage, name: str) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read(HEAD_BYTES)


class CallRecordingViewSet(OracleViewSet):
    """``/phoneCalls/{CallId}/enclosure/CallRecording``."""

    def retrieve(self, request, call_id):
        call = get_call_object(call_id)
        if not call.recording:
            raise not_found(f"Phone call {call.id} has no CallRecording.")
        storage, name = call.recording.storage, call.recording.name
        own = recording_type(call.recording_format, lambda: _head(storage, name))
        content_type = media.preferred(request, list(dict.fromkeys([own, media.OCTETS])))
        response = ranged_bytes(
            request, lambda: storage.open(name, "rb"), storage.size(name), content_type
        )
        access_record_served(
            request=request, response=response, call=call, kind="recording_download", channel="api"
        )
        return response

    def replace(self, request, call_id):
        call = get_call_object(call_id)
        body = spooled_body(request._request)
        with body:
            services.phone_call_set_recording(actor=actor(request), call=call, content=body)
        return self.respond_empty()

    def destroy(self, request, call_id):
        call = get_call_object(call_id)
        if call.recording:
            services.phone_call_set_recording(actor=actor(request), call=call, content=None)
        return self.respond_empty()

    def respond_empty(self):
        return self.respond(Outcome(204))


class MessageContentViewSet(CallRecordingViewSet):
    """``…/child/TranscriptMessage/{MessageId}/enclosure/MessageContent``."""

    model = TranscriptMessage

    def _message(self, call_id, message_id):
        return get_message_object(get_call_object(call_id), message_id)

    def retrieve(self, request, call_id, message_id):
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

    def _original(self, request, message):
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

    def replace(self, request, call_id, message_id):
        message = self._message(call_id, message_id)
        try:
            text = body_bytes(request._request).decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("MessageContent must be UTF-8 text.", "MessageContent") from None
        if "\x00" in text:
            raise bad_request("MessageContent must not contain NUL characters.", "MessageContent")
        self._set(request, message, text)
        return self.respond_empty()

    def destroy(self, request, call_id, message_id):
        self._set(request, self._message(call_id, message_id), None)
        return self.respond_empty()

    def _set(self, request, message, text):
        services.message_update(
            actor=actor(request), message=message, values={"message_content": text}
        )
