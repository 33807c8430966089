"""Permissions of writes and of what their replies reveal (issue 11.1).

An upsert needs ``add_`` when it creates and ``change_`` when it updates (decided before
anything is written); setting ``DeletedFlag`` needs ``delete_phonecall``; a reply that shows
data goes only to a user who may view it, the others get the status and headers.
"""

import json

import pytest

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    BATCH_TYPE,
    CALLS,
    ROOT,
    call_url,
    client_for,
    message_url,
    messages_url,
    user_with,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def upsert(client, body, url=CALLS):
    return client.post(url, body, format="json", HTTP_UPSERT_MODE="true")


def batch(client, *parts):
    return client.post(ROOT, json.dumps({"parts": list(parts)}), content_type=BATCH_TYPE)


def state(call) -> tuple:
    call = PhoneCall.objects.get(pk=call.pk)
    return call.version, call.phone_number, call.deleted_flag


def test_an_upsert_by_an_adder_that_would_update_is_refused_and_changes_nothing():
    call = PhoneCallFactory(call_number="P-1", phone_number="+1")
    before = state(call)
    adder = client_for(user_with("add_phonecall", "view_phonecall"))
    response = upsert(adder, {"CallNumber": "P-1", "PhoneNumber": "+2"})
    assert response.status_code == 403
    assert state(call) == before


def test_an_upsert_by_an_adder_that_creates_is_allowed():
    adder = client_for(user_with("add_phonecall", "view_phonecall"))
    response = upsert(adder, {"CallNumber": "P-2", "InteractionId": 2})
    assert response.status_code == 201
    assert response.json()["CallNumber"] == "P-2"


def test_an_upsert_by_a_changer_updates_the_match():
    call = PhoneCallFactory(call_number="P-3", phone_number="+1")
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    response = upsert(changer, {"CallNumber": "P-3", "PhoneNumber": "+2"})
    assert response.status_code == 200
    assert state(call)[1] == "+2"


def test_an_upsert_by_a_changer_that_would_create_is_refused():
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    response = upsert(changer, {"CallNumber": "P-4", "InteractionId": 4})
    assert response.status_code == 403
    assert not PhoneCall.objects.exists()


def test_an_upsert_without_add_or_change_is_refused_before_anything_runs():
    viewer = client_for(user_with("view_phonecall"))
    assert upsert(viewer, {"CallNumber": "P-5", "InteractionId": 5}).status_code == 403


def test_a_batch_upsert_by_an_adder_that_would_update_fails_the_batch():
    call = PhoneCallFactory(call_number="P-6", phone_number="+1")
    before = state(call)
    adder = client_for(user_with("add_phonecall", "view_phonecall"))
    response = batch(
        adder,
        {
            "id": "new",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1},
        },
        {
            "id": "up",
            "path": "/phoneCalls",
            "operation": "upsert",
            "payload": {"CallNumber": "P-6", "PhoneNumber": "+2"},
        },
    )
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert (failure["id"], failure["payload"]["status"]) == ("up", "403")
    assert state(call) == before
    assert PhoneCall.objects.count() == 1, "the batch's create was rolled back too"


def test_a_batch_upsert_by_a_changer_updates():
    call = PhoneCallFactory(call_number="P-7")
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    response = batch(
        changer,
        {
            "id": "up",
            "path": "/phoneCalls",
            "operation": "upsert",
            "payload": {"CallNumber": "P-7", "PhoneNumber": "+9"},
        },
    )
    assert response.status_code == 200
    assert response.json()["parts"][0]["payload"]["PhoneNumber"] == "+9"
    assert state(call)[1] == "+9"


# DeletedFlag


def test_setting_deleted_flag_in_a_patch_needs_delete_permission():
    call = PhoneCallFactory()
    before = state(call)
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    response = changer.patch(call_url(call.id), {"DeletedFlag": True}, format="json")
    assert response.status_code == 403
    assert state(call) == before


def test_a_user_who_may_delete_sets_deleted_flag():
    call = PhoneCallFactory()
    deleter = client_for(user_with("change_phonecall", "delete_phonecall", "view_phonecall"))
    response = deleter.patch(call_url(call.id), {"DeletedFlag": True}, format="json")
    assert response.status_code == 200
    assert state(call)[2] is True


def test_clearing_deleted_flag_or_repeating_it_needs_no_delete_permission():
    flagged = PhoneCallFactory(deleted_flag=True)
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    assert changer.patch(
        call_url(flagged.id), {"DeletedFlag": True}, format="json"
    ).status_code == (200)
    response = changer.patch(call_url(flagged.id), {"DeletedFlag": False}, format="json")
    assert response.status_code == 200
    assert state(flagged)[2] is False


def test_creating_a_deleted_call_needs_delete_permission():
    adder = client_for(user_with("add_phonecall", "view_phonecall"))
    response = adder.post(CALLS, {"InteractionId": 1, "DeletedFlag": True}, format="json")
    assert response.status_code == 403
    assert not PhoneCall.objects.exists()


def test_an_upsert_setting_deleted_flag_on_the_match_needs_delete_permission():
    call = PhoneCallFactory(call_number="P-8")
    before = state(call)
    changer = client_for(user_with("add_phonecall", "change_phonecall", "view_phonecall"))
    response = upsert(changer, {"CallNumber": "P-8", "DeletedFlag": True})
    assert response.status_code == 403
    assert state(call) == before


def test_a_batch_update_setting_deleted_flag_needs_delete_permission():
    call = PhoneCallFactory()
    before = state(call)
    changer = client_for(user_with("change_phonecall", "view_phonecall"))
    response = batch(
        changer,
        {
            "id": "p",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"DeletedFlag": True},
        },
    )
    assert response.status_code == 400
    assert response.json()["parts"][0]["payload"]["status"] == "403"
    assert state(call) == before


# What a reply reveals


def test_a_create_by_a_writer_without_view_answers_status_and_headers_only():
    adder = client_for(user_with("add_phonecall"))
    response = adder.post(CALLS, {"InteractionId": 1, "PhoneNumber": "+1"}, format="json")
    assert response.status_code == 201
    assert response.content == b""
    assert "Content-Type" not in response
    call = PhoneCall.objects.get()
    assert response["Location"].endswith(call_url(call.id))
    assert response["ETag"] == f'"{call.version}"'


def test_a_patch_by_a_writer_without_view_answers_status_and_etag_only():
    call = PhoneCallFactory(phone_number="+1")
    changer = client_for(user_with("change_phonecall"))
    response = changer.patch(call_url(call.id), {"PhoneNumber": "+2"}, format="json")
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"] == f'"{call.version + 1}"'


def test_an_upsert_update_by_a_writer_without_view_answers_200_without_a_body():
    PhoneCallFactory(call_number="P-9")
    changer = client_for(user_with("change_phonecall"))
    response = upsert(changer, {"CallNumber": "P-9", "PhoneNumber": "+2"})
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"]


def test_a_call_reply_with_nested_messages_needs_view_on_messages_too():
    clerk = client_for(user_with("add_phonecall", "view_phonecall"))
    response = clerk.post(
        CALLS, {"InteractionId": 1, "TranscriptMessage": [{"RoleCd": "AGENT"}]}, format="json"
    )
    assert response.status_code == 201
    assert response.content == b""
    assert TranscriptMessage.objects.count() == 1


def test_a_call_reply_without_nested_messages_needs_only_view_on_calls():
    clerk = client_for(user_with("add_phonecall", "view_phonecall"))
    response = clerk.post(CALLS, {"InteractionId": 1}, format="json")
    assert response.json()["InteractionId"] == 1


def test_a_message_reply_needs_view_on_messages():
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    writer = client_for(
        user_with("add_transcriptmessage", "change_transcriptmessage", "view_phonecall")
    )
    created = writer.post(messages_url(call.id), {"RoleCd": "AGENT"}, format="json")
    assert created.status_code == 201
    assert created.content == b""
    assert created["Location"].endswith(
        message_url(call.id, TranscriptMessage.objects.latest("id").id)
    )
    changed = writer.patch(message_url(call.id, message.id), {"RoleCd": "X"}, format="json")
    assert (changed.status_code, changed.content) == (200, b"")
    assert changed["ETag"] == f'"{message.version + 1}"'


def test_a_batch_write_part_shows_no_payload_to_a_writer_without_view():
    call = PhoneCallFactory()
    writer = client_for(user_with("add_phonecall", "change_phonecall"))
    response = batch(
        writer,
        {
            "id": "new",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1},
        },
        {
            "id": "upd",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"PhoneNumber": "+5"},
        },
    )
    assert response.status_code == 200
    assert response.json()["parts"] == [
        {"id": "new", "path": "/phoneCalls", "operation": "create"},
        {"id": "upd", "path": f"/phoneCalls/{call.id}", "operation": "update"},
    ]
    assert state(call)[1] == "+5"


@pytest.mark.parametrize("calls", [1, 50])
def test_a_refused_upsert_costs_the_same_queries(django_assert_num_queries, calls):
    PhoneCallFactory.create_batch(calls - 1)
    PhoneCallFactory(call_number="P-10")
    adder = client_for(user_with("add_phonecall", "view_phonecall"))
    adder.get(CALLS)  # the user's permissions are loaded per request; warm nothing else
    # 1. SELECT the user's permissions (one statement)
    # 2. SAVEPOINT
    # 3. SELECT the match by CallNumber FOR UPDATE
    # 4. ROLLBACK TO SAVEPOINT: refused before anything was written
    with django_assert_num_queries(4):
        response = upsert(adder, {"CallNumber": "P-10", "PhoneNumber": "+2"})
    assert response.status_code == 403
