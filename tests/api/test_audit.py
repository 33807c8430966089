"""Reads of recordings and transcripts through the API are on the access record."""

import pytest
from django.core.files.base import ContentFile

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory

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


def test_reading_the_transcript_is_recorded_each_way(api):
    call = PhoneCallFactory(messages=2)
    message = call.messages.first()
    api.get(f"{CALLS}/{call.id}/child/TranscriptMessage")
    api.get(f"{CALLS}/{call.id}/child/TranscriptMessage/{message.id}")
    api.get(f"{CALLS}/{call.id}/child/TranscriptMessage/{message.id}/enclosure/MessageContent")
    api.get(f"{CALLS}/{call.id}", {"expand": "TranscriptMessage"})
    assert kinds() == [(call.id, "transcript_view", "api")] * 4


def test_reading_a_call_without_its_transcript_is_not_recorded(api):
    call = PhoneCallFactory(messages=2)
    api.get(f"{CALLS}/{call.id}")
    api.get(CALLS)
    assert kinds() == []


@pytest.mark.parametrize("calls", [1, 20])
def test_an_expanded_page_records_every_call_in_one_insert(api, calls, django_assert_num_queries):
    for _ in range(calls):
        PhoneCallFactory(messages=2)
    api.get(CALLS)  # warm the credential cache
    # the lockout check (django-axes), user, page of calls, prefetch of messages, one INSERT
    # of the access records
    with django_assert_num_queries(5):
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
