"""Recording durations read from the files' own metadata (calls.audio), in each format."""

import io

import pytest
from django.core.files.base import ContentFile, File

from calls.audio import webm
from calls.audio.duration import recording_duration_ms
from tests.audio_samples import SAMPLES, flac_bytes, opus_bytes, webm_bytes


@pytest.mark.parametrize("media_type", sorted(SAMPLES))
def test_each_format_states_its_duration_in_milliseconds(media_type):
    make, expected = SAMPLES[media_type]
    assert recording_duration_ms(make()) == expected


def test_a_file_is_read_from_its_start_and_left_at_its_start():
    stream = io.BytesIO(flac_bytes(12.5))
    stream.seek(7)
    assert recording_duration_ms(File(stream)) == 12500
    assert stream.tell() == 0
    assert recording_duration_ms(ContentFile(opus_bytes(1.0))) == 1000


def test_a_webm_without_a_duration_element_is_unknown_not_estimated():
    # What a browser's MediaRecorder writes: Info without Duration, unknown-size clusters.
    assert recording_duration_ms(webm_bytes(None)) is None


def test_a_webm_timecode_scale_other_than_milliseconds_is_applied():
    assert recording_duration_ms(webm_bytes(3.0, timecode_scale=100_000)) == 3000


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"plain text, not audio",
        b"RIFF\x00\x00",  # a truncated WAV header
        flac_bytes(10.0)[:20],  # STREAMINFO cut short
        webm_bytes(5.0)[:30],  # EBML cut inside the segment
        b"\x1a\x45\xdf\xa3\x00",  # an EBML id followed by an invalid size
        bytes(range(256)) * 40,
    ],
)
def test_damaged_or_unknown_files_have_no_duration(content):
    assert recording_duration_ms(content) is None


def test_a_header_claiming_more_than_the_column_holds_is_unknown():
    # 2**31 ms and more: damaged, not a call of 25 days.
    assert recording_duration_ms(flac_bytes(3_000_000.0, rate=1)) is None


def test_the_webm_walk_stops_at_the_first_cluster():
    # A Duration placed after the media is not where muxers write it, and is not looked for.
    data = webm_bytes(None) + bytes.fromhex("1549A966") + bytes([0x8B]) + bytes(11)
    assert webm.duration_seconds(io.BytesIO(data)) is None


def test_nothing_is_no_duration():
    assert recording_duration_ms(None) is None
