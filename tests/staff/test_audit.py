"""Staff pages put plays, downloads and transcript views on the access record."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory, wav_bytes

pytestmark = pytest.mark.django_db


def records():
    return list(AccessRecord.objects.order_by("id").values_list("kind", "channel", "username"))


def with_recording(recording_format="audio/wav", **kwargs):
    call = PhoneCallFactory(recording_format=recording_format, **kwargs)
    call.recording.save("r", ContentFile(wav_bytes(1.0)))
    return call


def recording(call):
    return reverse("calls:recording", kwargs={"call_id": call.id})


def test_opening_a_call_with_a_transcript_records_a_transcript_view(viewer_client):  # noqa: F811
    call = PhoneCallFactory(messages=3)
    viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id}))
    assert records() == [("transcript_view", "ui", "support")]


def test_opening_a_call_without_a_transcript_records_nothing(viewer_client):  # noqa: F811
    call = PhoneCallFactory()
    viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id}))
    assert records() == []


def test_downloading_the_transcript_is_recorded(viewer_client):  # noqa: F811
    call = PhoneCallFactory(messages=2)
    response = viewer_client.get(reverse("calls:transcript", kwargs={"call_id": call.id}))
    b"".join(response.streaming_content)
    assert records() == [("transcript_download", "ui", "support")]


def test_playing_records_once_and_seeking_does_not(viewer_client):  # noqa: F811
    call = with_recording()
    viewer_client.get(recording(call), HTTP_RANGE="bytes=0-")
    viewer_client.get(recording(call), HTTP_RANGE="bytes=4000-")
    viewer_client.get(recording(call), HTTP_RANGE="bytes=9000-9999")
    assert records() == [("recording_play", "ui", "support")]


def test_a_recording_that_is_not_audio_is_recorded_as_a_download(viewer_client):  # noqa: F811
    call = with_recording(recording_format="application/x-msdownload")
    viewer_client.get(recording(call))
    assert records() == [("recording_download", "ui", "support")]


def test_a_head_request_is_not_a_play(viewer_client):  # noqa: F811
    call = with_recording()
    viewer_client.head(recording(call))
    assert records() == []
