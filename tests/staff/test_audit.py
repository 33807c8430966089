"""Staff pages put plays, player fetches, downloads and transcript views on the access record."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.urls import reverse

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory, UserFactory, grant_view, wav_bytes

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


def age_records(settings):
    """Move every record back to just before the dedupe window, as if minutes had passed."""
    window = datetime.timedelta(seconds=settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS + 1)
    AccessRecord.objects.update(accessed_at=F("accessed_at") - window)


@pytest.mark.parametrize(
    "headers",
    [
        # A suffix longer than the file: all of it, with 206.
        pytest.param({"HTTP_RANGE": "bytes=-999999999"}, id="long-suffix"),
        pytest.param({"HTTP_RANGE": "bytes=00-"}, id="leading-zero"),
        pytest.param({"HTTP_RANGE": "bytes=\t0-"}, id="tab"),
        pytest.param({"HTTP_RANGE": "bytes=4000-"}, id="seek"),
        # Another unit is ignored: the whole file goes out with 200.
        pytest.param({"HTTP_RANGE": "items=0-"}, id="other-unit"),
        # A stale If-Range sends the whole file whatever the Range says.
        pytest.param({"HTTP_RANGE": "bytes=4000-", "HTTP_IF_RANGE": '"stale"'}, id="if-range"),
    ],
)
def test_every_range_that_serves_bytes_is_recorded(viewer_client, headers):  # noqa: F811
    call = with_recording()
    response = viewer_client.get(recording(call), **headers)
    assert response.status_code in (200, 206)
    assert b"".join(response.streaming_content)
    assert records() == [("recording_fetch", "ui", "support")]


def test_ten_range_requests_of_one_playback_make_one_record(viewer_client):  # noqa: F811
    call = with_recording()
    for start in [0] * 5 + [4000, 9000, 0, 12000, 0]:
        response = viewer_client.get(recording(call), HTTP_RANGE=f"bytes={start}-")
        assert response.status_code == 206
    assert records() == [("recording_fetch", "ui", "support")]


def test_a_request_after_the_window_is_a_new_record(viewer_client, settings):  # noqa: F811
    call = with_recording()
    viewer_client.get(recording(call), HTTP_RANGE="bytes=0-")
    age_records(settings)
    viewer_client.get(recording(call), HTTP_RANGE="bytes=4000-")
    assert records() == [("recording_fetch", "ui", "support")] * 2


def test_a_window_of_zero_records_every_response(viewer_client, settings):  # noqa: F811
    settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS = 0
    call = with_recording()
    for _ in range(3):
        viewer_client.get(recording(call), HTTP_RANGE="bytes=0-")
    assert records() == [("recording_fetch", "ui", "support")] * 3


def test_each_user_and_each_call_has_its_own_record(client, viewer):  # noqa: F811
    first, second = with_recording(), with_recording()
    other = grant_view(UserFactory(username="other"))
    for user in (viewer, other):
        client.force_login(user)
        for call in (first, second, first):
            client.get(recording(call), HTTP_RANGE="bytes=0-")
    assert sorted(AccessRecord.objects.values_list("username", "call_id")) == sorted(
        [("support", first.id), ("support", second.id), ("other", first.id), ("other", second.id)]
    )


def test_an_unsatisfiable_range_serves_nothing_and_is_not_recorded(viewer_client):  # noqa: F811
    call = with_recording()
    assert viewer_client.get(recording(call), HTTP_RANGE="bytes=99999999-").status_code == 416
    assert records() == []


def test_a_recording_that_is_not_audio_is_recorded_as_a_download(viewer_client):  # noqa: F811
    call = with_recording(recording_format="application/x-msdownload")
    viewer_client.get(recording(call))
    assert records() == [("recording_download", "ui", "support")]


def test_a_head_request_is_not_recorded(viewer_client):  # noqa: F811
    call = with_recording()
    viewer_client.head(recording(call))
    assert records() == []


def played(call):
    return reverse("calls:recording-played", kwargs={"call_id": call.id})


def test_the_players_fetch_is_not_a_play(viewer_client):  # noqa: F811
    """The page's player preloads the metadata: bytes served, nothing played."""
    call = with_recording(messages=2)
    viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id}))
    viewer_client.get(recording(call), HTTP_RANGE="bytes=0-")
    assert records() == [("transcript_view", "ui", "support"), ("recording_fetch", "ui", "support")]


def test_a_download_is_recorded_as_a_download(viewer_client):  # noqa: F811
    call = with_recording()
    response = viewer_client.get(recording(call), {"download": "1"})
    b"".join(response.streaming_content)
    assert records() == [("recording_download", "ui", "support")]


def test_the_start_of_playback_is_recorded_as_a_play(viewer_client, django_assert_num_queries):  # noqa: F811
    call = with_recording()
    # The session, the user, their permissions (user's, group's), the call, and the one
    # INSERT … SELECT … WHERE NOT EXISTS of the audit window.
    with django_assert_num_queries(6):
        response = viewer_client.post(played(call))
    assert response.status_code == 204
    assert records() == [("recording_play", "ui", "support")]


def test_plays_within_the_window_are_one_record(viewer_client, settings):  # noqa: F811
    call = with_recording()
    for _ in range(3):
        viewer_client.post(played(call))
    assert records() == [("recording_play", "ui", "support")]
    age_records(settings)
    viewer_client.post(played(call))
    assert records() == [("recording_play", "ui", "support")] * 2


def test_a_play_is_only_reported_by_post_with_the_csrf_token(viewer):  # noqa: F811
    from django.test import Client

    call = with_recording()
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.get(played(call)).status_code == 405
    assert client.post(played(call)).status_code == 403
    assert records() == []


def test_a_play_needs_the_view_permission(client, db):
    call = with_recording()
    client.force_login(UserFactory(username="nobody"))
    assert client.post(played(call)).status_code == 403
    assert records() == []


def test_a_call_without_a_playable_recording_has_no_play(viewer_client):  # noqa: F811
    assert viewer_client.post(played(PhoneCallFactory())).status_code == 404
    not_audio = with_recording(recording_format="application/x-msdownload")
    assert viewer_client.post(played(not_audio)).status_code == 404
    assert records() == []
