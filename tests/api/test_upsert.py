"""POST /phoneCalls with Upsert-Mode: true (contract §5)."""

import base64

import pytest

from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory

CALLS = "/crmRestApi/resources/11.13.18.05/phoneCalls"

pytestmark = pytest.mark.django_db


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upsert(client, body, mode="true", version=4):
    return client.post(
        CALLS, body, format="json", HTTP_UPSERT_MODE=mode, HTTP_REST_FRAMEWORK_VERSION=str(version)
    )


def test_an_upsert_without_a_match_creates_the_call_with_201(api):
    response = upsert(api, {"CallNumber": "U-1", "InteractionId": 1})
    assert response.status_code == 201
    assert PhoneCall.objects.get().call_number == "U-1"
    assert response["Location"].endswith(f"/phoneCalls/{response.json()['CallId']}")


def test_an_upsert_matching_the_call_number_updates_only_what_was_sent_with_200(api):
    call = PhoneCallFactory(call_number="U-2", phone_number="+1000", recording_url="https://r/1")
    response = upsert(api, {"CallNumber": "U-2", "PhoneNumber": "+2000"})
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.phone_number == "+2000"
    assert call.recording_url == "https://r/1"
    assert call.version == 2
    assert response["ETag"] == '"2"'
    assert PhoneCall.objects.count() == 1


def test_an_upsert_matches_by_call_id_before_call_number(api):
    by_id = PhoneCallFactory(call_number="U-3")
    PhoneCallFactory(call_number="U-4")
    response = upsert(api, {"CallId": by_id.id, "CallNumber": "U-4", "PhoneNumber": "+3"})
    assert response.status_code == 200
    assert response.json()["CallId"] == by_id.id
    by_id.refresh_from_db()
    assert by_id.phone_number == "+3"
    assert by_id.call_number == "U-3", "the CallNumber of a match is never changed"


def test_an_unknown_call_id_falls_back_to_creating(api):
    missing = PhoneCallFactory().id + 1000
    response = upsert(api, {"CallId": missing, "CallNumber": "U-5", "InteractionId": 5})
    assert response.status_code == 201
    assert response.json()["CallId"] != missing


def test_an_upsert_that_creates_still_requires_interaction_id(api):
    response = upsert(api, {"CallNumber": "U-6"})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "/InteractionId"
    assert not PhoneCall.objects.exists()


def test_nested_messages_are_matched_by_message_id_then_number_and_others_added(api):
    call = PhoneCallFactory(call_number="U-7")
    first, second, kept = (
        TranscriptMessage.objects.create(
            call=call,
            message_number=f"U-7-{i}",
            message_content=f"old {i}",
            created_by="x",
            creation_date=call.creation_date,
            last_updated_by="x",
            last_update_date=call.creation_date,
        )
        for i in range(3)
    )
    body = {
        "CallNumber": "U-7",
        "TranscriptMessage": [
            {"MessageId": first.id, "MessageContent": b64("new 0")},
            {"MessageNumber": "U-7-1", "MessageContent": b64("new 1")},
            {"MessageNumber": "U-7-new", "MessageContent": b64("added")},
        ],
    }
    response = upsert(api, body)
    assert response.status_code == 200
    texts = dict(TranscriptMessage.objects.values_list("message_number", "message_content"))
    assert texts == {"U-7-0": "new 0", "U-7-1": "new 1", "U-7-2": "old 2", "U-7-new": "added"}
    echoed = response.json()["TranscriptMessage"]
    assert [m["MessageId"] for m in echoed][:2] == [first.id, second.id]
    assert kept.id not in [m["MessageId"] for m in echoed]
    first.refresh_from_db()
    assert first.version == 2


def test_a_message_id_of_another_call_is_a_400_and_nothing_changes(api):
    call = PhoneCallFactory(call_number="U-8", phone_number="+1")
    foreign = PhoneCallFactory(messages=1).messages.get()
    response = upsert(
        api,
        {
            "CallNumber": "U-8",
            "PhoneNumber": "+2",
            "TranscriptMessage": [{"MessageId": foreign.id, "RoleCd": "X"}],
        },
    )
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "/TranscriptMessage/0/MessageId"
    call.refresh_from_db()
    assert call.phone_number == "+1"
    assert call.version == 1


@pytest.mark.parametrize("mode", ["false", None])
def test_without_upsert_mode_an_existing_call_number_is_a_400(api, mode):
    PhoneCallFactory(call_number="U-9")
    headers = {"HTTP_REST_FRAMEWORK_VERSION": "4"}
    if mode is not None:
        headers["HTTP_UPSERT_MODE"] = mode
    response = api.post(CALLS, {"CallNumber": "U-9", "InteractionId": 1}, format="json", **headers)
    assert response.status_code == 400
    assert PhoneCall.objects.count() == 1


def test_an_invalid_upsert_mode_is_a_400(api):
    assert upsert(api, {"InteractionId": 1}, mode="maybe").status_code == 400
    assert not PhoneCall.objects.exists()
