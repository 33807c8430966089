"""Reads of recordings and transcripts through the API are on the access record."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

CALLS = "/crmRestApi/resources/11.13.18.05/phoneCalls"

pytestmark = pytest.mark.django_db


def kinds():
    return list(AccessRecord.objects.order_by("id").values_list("call_id", "kind", "channel"))


def test_downloading_the_recording_enclosure_is_recorded(api, api_user):
    call = PhoneCallFactory()
    call.recording.save("r.wav", ContentFile(b"RIFF0000"))
    response = api.get(f"{CALLS}/{call.id}/enclosure/CallRecording", HTTP_USER_AGENT="cti/1.0")
    assert b"".join(response.streaming_content) == b"RIFF0000"
    record = AccessRecord.objects.get()
    assert (record.call_id, record.kind, record.channel) == (call.id, "recording_download", "api")
    assert record.username == api_user.username
    assert record.user_agent == "cti/1.0"


@pytest.mark.parametrize(
    "path",
    [
        "/child/TranscriptMessage",
        "/child/TranscriptMessage/{message}",
        "/child/TranscriptMessage/{message}/enclosure/MessageContent",
        "?expand=TranscriptMessage",
    ],
)
def test_reading_the_transcript_is_recorded_each_way(api, path):
    # A call per way: the enclosure merges a read into a record of the last few minutes.
    call = PhoneCallFactory(messages=2)
    api.get(f"{CALLS}/{call.id}" + path.format(message=call.messages.first().id))
    assert kinds() == [(call.id, "transcript_view", "api")]


def test_reading_a_call_without_its_transcript_is_not_recorded(api):
    call = PhoneCallFactory(messages=2)
    api.get(f"{CALLS}/{call.id}")
    api.get(CALLS)
    assert kinds() == []


@pytest.mark.parametrize("calls", [1, 20])
def test_an_expanded_page_records_every_call_in_one_insert(api, calls, django_assert_num_queries):
    for _ in range(calls):
        PhoneCallFactory(messages=2)
    api.get(CALLS)  # warm the credential cache (it brings the user: no query)
    # page of calls, prefetch of messages, one INSERT of the access records
    with django_assert_num_queries(3):
        api.get(CALLS, {"expand": "TranscriptMessage"})
    assert AccessRecord.objects.count() == calls


def test_records_of_an_expanded_page_name_each_call_and_the_reader(api, api_user):
    calls = [PhoneCallFactory(messages=1) for _ in range(3)]
    api.get(CALLS, {"expand": "TranscriptMessage"}, REMOTE_ADDR="10.1.2.3")
    records = list(AccessRecord.objects.order_by("call_id"))
    assert [(r.call_id, r.call_number) for r in records] == [(c.id, c.call_number) for c in calls]
    for record in records:
        assert (record.username, record.user_id) == (api_user.username, api_user.id)
        assert (record.kind, record.channel) == ("transcript_view", "api")
        assert record.remote_address == "10.1.2.3"
        assert record.accessed_at is not None


def _recorded(size=1024):
    call = PhoneCallFactory()
    call.recording.save("r.wav", ContentFile(bytes(size)))
    return call


def _age_records():
    """Every record moved back past the dedupe window, as if the minutes had passed."""
    window = timedelta(seconds=settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS + 1)
    AccessRecord.objects.update(accessed_at=F("accessed_at") - window)


@pytest.mark.parametrize(
    "header",
    ["bytes=-999999999", "bytes=00-", "bytes=\t0-99", "bytes=500-", "items=0-"],
)
def test_every_read_of_the_recording_enclosure_is_recorded_whatever_its_range(api, header):
    call = _recorded()
    response = api.get(f"{CALLS}/{call.id}/enclosure/CallRecording", HTTP_RANGE=header)
    assert response.status_code in (200, 206)
    assert kinds() == [(call.id, "recording_download", "api")]


def test_ten_range_reads_of_the_recording_enclosure_make_one_record_until_the_window_ends(api):
    call = _recorded()
    url = f"{CALLS}/{call.id}/enclosure/CallRecording"
    for start in range(0, 1000, 100):
        assert api.get(url, HTTP_RANGE=f"bytes={start}-{start + 99}").status_code == 206
    assert kinds() == [(call.id, "recording_download", "api")]
    _age_records()
    api.get(url, HTTP_RANGE="bytes=0-99")
    assert kinds() == [(call.id, "recording_download", "api")] * 2


def test_range_reads_of_message_content_make_one_record(api):
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, message_content="0123456789")
    url = f"{CALLS}/{call.id}/child/TranscriptMessage/{message.id}/enclosure/MessageContent"
    for start in range(10):
        assert api.get(url, HTTP_RANGE=f"bytes={start}-").status_code == 206
    assert kinds() == [(call.id, "transcript_view", "api")]


@pytest.mark.parametrize("how", ["head", "416"])
def test_an_enclosure_answer_without_its_bytes_is_not_recorded(api, how):
    call = _recorded()
    url = f"{CALLS}/{call.id}/enclosure/CallRecording"
    if how == "head":
        assert api.head(url).status_code == 200
    else:
        assert api.get(url, HTTP_RANGE="bytes=5000-").status_code == 416
    assert kinds() == []


def test_an_enclosure_read_costs_the_same_queries_recorded_or_merged(
    api, django_assert_num_queries
):
    call = _recorded()
    url = f"{CALLS}/{call.id}/enclosure/CallRecording"
    api.get(CALLS)  # warm the credential cache (it brings the user: no query)
    # the call, and one INSERT … WHERE NOT EXISTS (it writes, then merges).
    for _ in range(2):
        with django_assert_num_queries(2):
            api.get(url, HTTP_RANGE="bytes=0-99")
    assert AccessRecord.objects.count() == 1
