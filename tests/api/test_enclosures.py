"""Enclosures: the raw bytes of CallRecording and MessageContent (contract §1)."""

import pytest
from django.http import StreamingHttpResponse

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    OCTETS,
    call_url,
    client_for,
    content_url,
    recording_url,
    user_with,
    version_header,
)
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, wav_bytes

pytestmark = pytest.mark.django_db

AUDIO = bytes(range(256)) * 4  # 1024 bytes, every byte value


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def recorded():
    call = PhoneCallFactory()
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=AUDIO)
    call.refresh_from_db()
    return call


# CallRecording GET


def test_the_recording_is_streamed_as_octets_with_accept_ranges(admin_api, recorded):
    response = admin_api.get(recording_url(recorded.id))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == OCTETS
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(AUDIO))
    assert body_of(response) == AUDIO


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, 1023),
        ("bytes=1000-5000", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=-5000", 0, 1023),
        ("bytes=512-512", 512, 512),
    ],
)
def test_a_range_is_a_206_with_its_content_range(admin_api, recorded, header, start, end):
    response = admin_api.get(recording_url(recorded.id), HTTP_RANGE=header)
    assert response.status_code == 206
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert body_of(response) == AUDIO[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_an_unsatisfiable_range_is_a_416_naming_the_size(admin_api, recorded, header):
    response = admin_api.get(recording_url(recorded.id), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(AUDIO)}"
    assert response["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["items=0-1", "bytes=5-2", "bytes=0-1,4-5", "bytes=x-y"])
def test_a_range_the_server_may_ignore_gets_the_whole_recording(admin_api, recorded, header):
    response = admin_api.get(recording_url(recorded.id), HTTP_RANGE=header)
    assert response.status_code == 200
    assert body_of(response) == AUDIO


def test_a_call_without_a_recording_is_a_404(admin_api):
    call = PhoneCallFactory()
    assert admin_api.get(recording_url(call.id)).status_code == 404
    assert admin_api.get(recording_url(call.id + 1000)).status_code == 404


def test_the_recording_needs_the_view_permission(viewer, recorded):
    assert client_for(viewer).get(recording_url(recorded.id)).status_code == 200
    nobody = user_with(username="nobody")
    assert client_for(nobody).get(recording_url(recorded.id)).status_code == 403


# CallRecording PUT and DELETE


def test_put_stores_the_raw_body_and_removes_the_old_file_after_the_commit(
    admin_api, recorded, django_capture_on_commit_callbacks
):
    storage, old_name = recorded.recording.storage, recorded.recording.name
    version = recorded.version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_api.put(recording_url(recorded.id), b"new audio", content_type=OCTETS)
        assert storage.exists(old_name)  # still there until the transaction commits
    assert response.status_code == 204
    assert response.content == b""
    assert len(callbacks) == 1
    call = PhoneCall.objects.get(pk=recorded.pk)
    assert call.recording.name != old_name
    assert not storage.exists(old_name)
    with storage.open(call.recording.name, "rb") as stored:
        assert stored.read() == b"new audio"
    assert call.version == version + 1
    assert body_of(admin_api.get(recording_url(call.id))) == b"new audio"


def test_put_of_a_first_recording_adds_the_enclosure_link(admin_api):
    call = PhoneCallFactory()
    response = admin_api.put(recording_url(call.id), AUDIO, content_type=OCTETS)
    assert response.status_code == 204
    item = admin_api.get(call_url(call.id)).json()
    assert "enclosure" in [entry["rel"] for entry in item["links"]]
    assert body_of(admin_api.get(recording_url(call.id))) == AUDIO


def test_delete_clears_the_recording_and_its_file(
    admin_api, recorded, django_capture_on_commit_callbacks
):
    storage, name = recorded.recording.storage, recorded.recording.name
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.delete(recording_url(recorded.id))
    assert response.status_code == 204
    assert not storage.exists(name)
    assert PhoneCall.objects.get(pk=recorded.pk).recording.name == ""
    assert admin_api.get(recording_url(recorded.id)).status_code == 404
    item = admin_api.get(call_url(recorded.id)).json()
    assert "enclosure" not in [entry["rel"] for entry in item["links"]]


def test_a_viewer_cannot_put_or_delete_a_recording(viewer, recorded):
    client = client_for(viewer)
    assert client.put(recording_url(recorded.id), b"x", content_type=OCTETS).status_code == 403
    assert client.delete(recording_url(recorded.id)).status_code == 403
    assert body_of(client.get(recording_url(recorded.id))) == AUDIO


# MessageContent


def test_message_content_is_served_as_its_utf8_bytes(admin_api):
    message = TranscriptMessageFactory(message_content="Grüße, 世界")
    response = admin_api.get(content_url(message.call_id, message.id))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == OCTETS  # as Oracle documents the enclosure
    assert response["Accept-Ranges"] == "bytes"
    assert body_of(response) == "Grüße, 世界".encode()


def test_message_content_honours_ranges(admin_api):
    message = TranscriptMessageFactory(message_content="0123456789")
    url = content_url(message.call_id, message.id)
    response = admin_api.get(url, HTTP_RANGE="bytes=-3")
    assert (response.status_code, response["Content-Range"]) == (206, "bytes 7-9/10")
    assert body_of(response) == b"789"
    response = admin_api.get(url, HTTP_RANGE="bytes=10-")
    assert (response.status_code, response["Content-Range"]) == (416, "bytes */10")


def test_put_replaces_the_message_content_with_the_raw_text(admin_api):
    message = TranscriptMessageFactory(message_content="old")
    call_version = message.call.version
    response = admin_api.put(
        content_url(message.call_id, message.id), "neu: Grüße".encode(), content_type=OCTETS
    )
    assert response.status_code == 204
    stored = TranscriptMessage.objects.get(pk=message.pk)
    assert stored.message_content == "neu: Grüße"
    assert stored.version == message.version + 1
    assert PhoneCall.objects.get(pk=message.call_id).version == call_version + 1


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"caf\xe9", b"a\x00b"])
def test_put_of_message_content_that_is_not_utf8_text_is_a_400(admin_api, raw):
    message = TranscriptMessageFactory(message_content="kept")
    response = admin_api.put(
        content_url(message.call_id, message.id),
        raw,
        content_type=OCTETS,
        **version_header(4),
    )
    assert response.status_code == 400
    assert "MessageContent" in response.content.decode()
    assert TranscriptMessage.objects.get(pk=message.pk).message_content == "kept"


def test_delete_clears_the_message_content(admin_api):
    message = TranscriptMessageFactory(message_content="text")
    url = content_url(message.call_id, message.id)
    assert admin_api.delete(url).status_code == 204
    assert TranscriptMessage.objects.get(pk=message.pk).message_content is None
    assert admin_api.get(url).status_code == 404


def test_message_content_under_another_call_is_a_404(admin_api):
    message = TranscriptMessageFactory(message_content="secret")
    other = PhoneCallFactory()
    url = content_url(other.id, message.id)
    assert admin_api.get(url).status_code == 404
    assert admin_api.put(url, b"x", content_type=OCTETS).status_code == 404
    assert admin_api.delete(url).status_code == 404
    assert TranscriptMessage.objects.get(pk=message.pk).message_content == "secret"


def test_enclosure_errors_speak_the_error_format_of_the_version(admin_api):
    call = PhoneCallFactory()
    plain = admin_api.get(recording_url(call.id))
    assert plain["Content-Type"].startswith("text/plain")
    oracle = admin_api.get(recording_url(call.id), **version_header(4))
    assert oracle["Content-Type"].startswith("application/vnd.oracle.adf.error+json")
    assert oracle.json()["status"] == "404"


# Media types (issue 12.9)


def _recorded(content: bytes, recording_format: str | None = None) -> PhoneCall:
    call = PhoneCallFactory(recording_format=recording_format)
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=content)
    call.refresh_from_db()
    return call


def test_a_wav_without_a_recording_format_is_served_as_audio_wav(admin_api):
    call = _recorded(wav_bytes(0.1))
    response = admin_api.get(recording_url(call.id))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("recording_format", "expected"),
    [
        ("audio/mpeg", "audio/mpeg"),
        ("Audio/OGG; codecs=opus", "audio/ogg"),
        ("video/webm", "video/webm"),
        ("wav", "audio/wav"),  # not a media type: the bytes decide
        ("text/html", "audio/wav"),  # never a type a browser would render
        ("", "audio/wav"),
    ],
)
def test_the_recording_format_names_the_type_when_it_is_a_media_type(
    admin_api, recording_format, expected
):
    call = _recorded(wav_bytes(0.1), recording_format)
    assert admin_api.get(recording_url(call.id))["Content-Type"] == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x00\x1f\xfc\x00", "audio/aac"),
        (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00", "audio/ogg"),
        (b"fLaC\x00\x00\x00\x22\x00\x00\x00\x00", "audio/flac"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81", "audio/webm"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"#!AMR\n\x00\x00\x00\x00\x00\x00", "audio/amr"),
        (b"FORM\x00\x00\x00\x00AIFF", "audio/aiff"),
        (b"RF64\xff\xff\xff\xffWAVE", "audio/wav"),
        (b"RIFF\x00\x00\x00\x00AVI ", OCTETS),
        (b"<html><script>", OCTETS),
    ],
)
def test_a_recording_without_a_usable_format_is_sniffed_from_its_bytes(admin_api, head, expected):
    call = _recorded(head + b"\x00" * 64)
    assert admin_api.get(recording_url(call.id))["Content-Type"] == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/plain", "text/plain; charset=utf-8"),
        ("text/*", "text/plain; charset=utf-8"),
        (f"{OCTETS};q=0.5, text/plain", "text/plain; charset=utf-8"),
        (f"{OCTETS}, text/plain;q=0.5", OCTETS),
        ("*/*", OCTETS),
        ("audio/wav", OCTETS),  # nothing acceptable: the default, never a 406
    ],
)
def test_message_content_is_text_when_accept_prefers_it(admin_api, accept, expected):
    message = TranscriptMessageFactory(message_content="Grüße")
    response = admin_api.get(content_url(message.call_id, message.id), HTTP_ACCEPT=accept)
    assert response["Content-Type"] == expected
    assert body_of(response) == "Grüße".encode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "audio/wav"),
        ("audio/*", "audio/wav"),
        (OCTETS, OCTETS),
        (f"audio/wav;q=0.1, {OCTETS}", OCTETS),
        ("text/html", "audio/wav"),
    ],
)
def test_a_recording_is_octets_only_when_accept_prefers_them(admin_api, accept, expected):
    call = _recorded(wav_bytes(0.1))
    assert admin_api.get(recording_url(call.id), HTTP_ACCEPT=accept)["Content-Type"] == expected


def test_a_range_of_a_sniffed_recording_keeps_the_type(admin_api):
    call = _recorded(wav_bytes(0.1))
    response = admin_api.get(recording_url(call.id), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Type"] == "audio/wav"
    assert len(body_of(response)) == 100
