"""``Upsert-Mode: true`` on ``POST …/child/TranscriptMessage`` and batch upserts of the child
(issue 12.3): the match is by ``MessageId``, then ``MessageNumber``, within the call."""

import json

import pytest
from django.db import connection

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    BATCH_TYPE,
    ROOT,
    b64,
    client_for,
    message_url,
    messages_url,
    user_with,
    version_header,
)
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def upsert(client, call, body, **extra):
    return client.post(messages_url(call.id), body, format="json", HTTP_UPSERT_MODE="true", **extra)


def test_an_upsert_matching_the_message_number_updates_only_what_was_sent_with_200(admin_api):
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, message_number="MN-1", role_cd="AGENT")
    content = message.message_content
    response = upsert(admin_api, call, {"MessageNumber": "MN-1", "RoleCd": "SUPERVISOR"})
    assert response.status_code == 200
    body = response.json()
    assert (body["MessageId"], body["RoleCd"]) == (message.id, "SUPERVISOR")
    message.refresh_from_db()
    assert (message.role_cd, message.message_content, message.version) == (
        "SUPERVISOR",
        content,
        2,
    )
    assert response["ETag"] == '"2"'
    assert response["Location"].endswith(message_url(call.id, message.id))
    assert PhoneCall.objects.get(pk=call.pk).version == call.version + 1
    assert call.messages.count() == 1


def test_an_upsert_matches_by_message_id_before_message_number(admin_api):
    call = PhoneCallFactory()
    by_id = TranscriptMessageFactory(call=call, message_number="MN-2")
    TranscriptMessageFactory(call=call, message_number="MN-3")
    response = upsert(
        admin_api, call, {"MessageId": by_id.id, "MessageNumber": "MN-3", "RoleCd": "X"}
    )
    assert response.status_code == 200
    by_id.refresh_from_db()
    assert (by_id.role_cd, by_id.message_number) == ("X", "MN-2")


def test_an_upsert_without_a_match_creates_the_message_with_201(admin_api):
    call = PhoneCallFactory()
    response = upsert(admin_api, call, {"MessageNumber": "MN-4", "MessageContent": b64("hello")})
    assert response.status_code == 201
    message = TranscriptMessage.objects.get(message_number="MN-4")
    assert (message.call_id, message.message_content) == (call.id, "hello")
    assert response["Location"].endswith(message_url(call.id, message.id))


def test_a_message_number_of_another_call_is_no_match_and_stays_unique(admin_api4):
    other = TranscriptMessageFactory(message_number="MN-5")
    call = PhoneCallFactory()
    response = upsert(admin_api4, call, {"MessageNumber": "MN-5", "RoleCd": "X"})
    assert response.status_code == 400
    assert "MN-5" in response.json()["o:errorDetails"][0]["detail"]
    other.refresh_from_db()
    assert other.role_cd != "X"


def test_a_message_id_that_is_not_a_message_of_the_call_is_a_400(admin_api4):
    stranger = TranscriptMessageFactory()
    call = PhoneCallFactory()
    response = upsert(admin_api4, call, {"MessageId": stranger.id, "RoleCd": "X"})
    assert response.status_code == 400
    (detail,) = response.json()["o:errorDetails"]
    assert detail["o:errorPath"] == "/MessageId"
    assert PhoneCall.objects.get(pk=call.pk).version == call.version


def test_without_upsert_mode_a_message_id_stays_read_only(admin_api4):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    response = admin_api4.post(messages_url(call.id), {"MessageId": message.id}, format="json")
    assert response.status_code == 400


def test_an_upsert_update_needs_change_and_writes_nothing_without_it():
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, message_number="MN-6", role_cd="AGENT")
    adder = client_for(user_with("add_transcriptmessage", "view_transcriptmessage"))
    response = upsert(adder, call, {"MessageNumber": "MN-6", "RoleCd": "X"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.role_cd, message.version) == ("AGENT", 1)
    assert PhoneCall.objects.get(pk=call.pk).version == call.version


def test_an_upsert_create_needs_add():
    call = PhoneCallFactory()
    changer = client_for(user_with("change_transcriptmessage", "view_transcriptmessage"))
    response = upsert(changer, call, {"MessageNumber": "MN-7"})
    assert response.status_code == 403
    assert not call.messages.exists()
    TranscriptMessageFactory(call=call, message_number="MN-7")
    assert upsert(changer, call, {"MessageNumber": "MN-7", "RoleCd": "X"}).status_code == 200


def test_a_status_only_upsert_keeps_the_headers(admin_api):
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, message_number="MN-8")
    accept = "application/vnd.oracle.adf.resourceitem+json;q=0"
    response = upsert(admin_api, call, {"MessageNumber": "MN-8"}, HTTP_ACCEPT=accept)
    assert (response.status_code, response.content) == (200, b"")
    assert response["ETag"] == '"2"'


def test_a_batch_upserts_on_the_child_collection(admin_api):
    call = PhoneCallFactory()
    existing = TranscriptMessageFactory(call=call, message_number="MN-9")
    path = f"/phoneCalls/{call.id}/child/TranscriptMessage"
    parts = [
        {"id": "u", "path": path, "operation": "upsert",
         "payload": {"MessageNumber": "MN-9", "RoleCd": "X"}},
        {"id": "c", "path": path, "operation": "upsert",
         "payload": {"MessageNumber": "MN-10", "RoleCd": "Y"}},
    ]  # fmt: skip
    response = admin_api.post(
        ROOT, json.dumps({"parts": parts}), content_type=BATCH_TYPE, **version_header(4)
    )
    assert response.status_code == 200, response.content
    updated, created = response.json()["parts"]
    assert updated["payload"]["MessageId"] == existing.id
    assert created["payload"]["MessageNumber"] == "MN-10"
    existing.refresh_from_db()
    assert existing.role_cd == "X"
    assert call.messages.count() == 2


@pytest.mark.parametrize("messages", [1, 50])
def test_a_child_upsert_costs_the_same_queries_whatever_the_transcripts_size(
    admin_api, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    target = call.messages.first()
    # 1. SELECT the call
    # 2. SAVEPOINT
    # 3. SELECT the call's version FOR UPDATE
    # 4. SELECT the match by MessageNumber within the call
    # 5. UPDATE the call's version and who-columns
    # 6. UPDATE the message (bulk_update)
    # 7. INSERT its history row
    # 8. RELEASE SAVEPOINT
    with django_assert_num_queries(8):
        response = upsert(admin_api, call, {"MessageNumber": target.message_number})
    assert response.status_code == 200
    # The same, creating: the INSERT and its history row take the UPDATE's place (one
    # statement on PostgreSQL, calls.sql.history).
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 8):
        response = upsert(admin_api, call, {"MessageNumber": f"NEW-{messages}"})
    assert response.status_code == 201
