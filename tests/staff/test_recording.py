"""The recording stream: ranges (200, 206, 416), content types, headers, memory use."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from calls import ranges
from calls.ranges import RangeNotSatisfiable, parse_range
from tests.factories import PhoneCallFactory, wav_bytes

DATA = bytes(range(256)) * 40  # 10,240 bytes


def _call_with_recording(data=DATA, recording_format="audio/wav", **kwargs):
    call = PhoneCallFactory(recording_format=recording_format, **kwargs)
    call.recording.save("r", ContentFile(data))
    return call


def _url(call):
    return reverse("calls:recording", kwargs={"call_id": call.id})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_without_range_the_whole_recording_is_sent(viewer_client):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.get(_url(call))
    assert response.status_code == 200
    assert _body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert "Content-Range" not in response


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=-999999", 0, 10239),
        ("bytes=10200-999999", 10200, 10239),
        ("BYTES = 5 - 9", 5, 9),
    ],
)
def test_a_range_gets_206_with_exactly_those_bytes(viewer_client, header, start, end):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.get(_url(call), HTTP_RANGE=header)
    assert response.status_code == 206
    assert _body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_a_range_past_the_end_gets_416(viewer_client, header):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.get(_url(call), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header", ["items=0-5", "bytes=5-1", "bytes=0-1,5-6", "bytes=abc", "bytes=-"]
)
def test_a_range_we_may_ignore_gets_the_whole_file(viewer_client, header):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.get(_url(call), HTTP_RANGE=header)
    assert response.status_code == 200
    assert _body(response) == DATA


def test_if_range_with_a_stale_etag_sends_the_whole_file(viewer_client):  # noqa: F811
    call = _call_with_recording()
    etag = viewer_client.get(_url(call))["ETag"]
    fresh = viewer_client.get(_url(call), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    stale = viewer_client.get(_url(call), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert fresh.status_code == 206
    assert stale.status_code == 200


def test_head_answers_the_headers_without_a_body(viewer_client):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.head(_url(call), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert response.content == b""


@pytest.mark.parametrize(
    "recording_format",
    [None, "", "text/html", "image/svg+xml", "application/pdf", "audio/x\r\nSet-Cookie: a=b"],
)
def test_a_format_that_is_not_audio_is_a_download(viewer_client, recording_format):  # noqa: F811
    call = _call_with_recording(recording_format=recording_format, call_number="CN-7")
    response = viewer_client.get(_url(call))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="recording-CN-7.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("recording_format", "content_type"),
    [("audio/mpeg", "audio/mpeg"), ("AUDIO/OGG; codecs=opus", "audio/ogg")],
)
def test_audio_formats_are_served_as_themselves(viewer_client, recording_format, content_type):  # noqa: F811
    call = _call_with_recording(recording_format=recording_format)
    assert viewer_client.get(_url(call))["Content-Type"] == content_type


@pytest.mark.parametrize(
    ("recording_format", "extension"),
    [
        # audio/wav and audio/webm are unknown to Python's table (it said .bin).
        ("audio/wav", ".wav"),
        ("audio/x-wav", ".wav"),
        ("audio/mpeg", ".mp3"),
        ("audio/ogg; codecs=opus", ".ogg"),
        ("audio/webm", ".webm"),
        ("audio/mp4", ".m4a"),
        ("audio/flac", ".flac"),
        ("audio/basic", ".au"),  # not in our table: Python's answer
        ("audio/x-made-up", ".bin"),
    ],
)
def test_the_recording_is_named_with_the_extension_of_its_format(
    viewer_client, recording_format, extension
):  # noqa: F811
    call = _call_with_recording(recording_format=recording_format, call_number="CN-7")
    response = viewer_client.get(_url(call), {"download": "1"})
    assert response["Content-Disposition"] == f'attachment; filename="recording-CN-7{extension}"'
    # The player's stream carries the same name, inline.
    inline = viewer_client.get(_url(call))["Content-Disposition"]
    assert inline == f'inline; filename="recording-CN-7{extension}"'


def test_a_download_is_an_attachment_of_the_same_bytes(viewer_client):  # noqa: F811
    call = _call_with_recording()
    response = viewer_client.get(_url(call), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert _body(response) == DATA


def test_a_call_without_a_stored_recording_is_404(viewer_client):  # noqa: F811
    call = PhoneCallFactory(recording_url="https://pbx.example/r.wav")
    assert viewer_client.get(_url(call)).status_code == 404


def test_a_recording_missing_from_storage_is_404(viewer_client):  # noqa: F811
    call = PhoneCallFactory(recording="recordings/2025/01/gone", recording_format="audio/wav")
    assert viewer_client.get(_url(call)).status_code == 404


def test_the_stream_reads_in_chunks_never_the_whole_file(viewer_client, monkeypatch):  # noqa: F811
    big = b"\x01" * (1024 * 1024)
    call = _call_with_recording(data=big)
    sizes = []
    real_read = ranges.read_range

    class Spy:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def seek(self, offset):
            self.file.seek(offset)

        def read(self, n=-1):
            sizes.append(n)
            return self.file.read(n)

    def spy(file, start, length):
        return real_read(Spy(file), start, length)

    monkeypatch.setattr(ranges, "read_range", spy)
    response = viewer_client.get(_url(call), HTTP_RANGE="bytes=1000-")
    assert len(_body(response)) == len(big) - 1000
    assert sizes and max(sizes) <= ranges.CHUNK_SIZE and -1 not in sizes


def test_a_real_wav_streams_intact(viewer_client):  # noqa: F811
    data = wav_bytes(seconds=1)
    call = _call_with_recording(data=data, recording_format="audio/x-wav")
    response = viewer_client.get(_url(call), HTTP_RANGE="bytes=0-43")
    assert _body(response)[:4] == b"RIFF"
    assert response["Content-Range"] == f"bytes 0-43/{len(data)}"


def test_parse_range_edge_cases():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-", 10) == (0, 9)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-5", 0)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)
