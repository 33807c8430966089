"""Batch requests: all parts in one transaction, all or nothing (contract §9)."""

import json

import pytest
from rest_framework.test import APIClient

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import BATCH_TYPE, ROOT, b64, client_for, user_with
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def batch(client, *parts, **headers):
    return client.post(ROOT, json.dumps({"parts": list(parts)}), content_type=BATCH_TYPE, **headers)


def counts() -> tuple[int, int]:
    return PhoneCall.objects.count(), TranscriptMessage.objects.count()


def test_a_successful_batch_answers_200_with_each_parts_result(admin_api):
    call = PhoneCallFactory()
    response = batch(
        admin_api,
        {
            "id": "p1",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 7, "CallNumber": "CN-B1"},
        },
        {"id": "p2", "path": f"/phoneCalls/{call.id}", "operation": "get"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == BATCH_TYPE
    first, second = response.json()["parts"]
    assert (first["id"], first["path"], first["operation"]) == ("p1", "/phoneCalls", "create")
    assert first["payload"]["CallNumber"] == "CN-B1"
    assert PhoneCall.objects.get(call_number="CN-B1").id == first["payload"]["CallId"]
    assert (second["id"], second["payload"]["CallId"]) == ("p2", call.id)


def test_a_batch_mixes_get_create_update_delete_and_upsert(admin_api):
    kept, gone = PhoneCallFactory(messages=1), PhoneCallFactory(messages=1)
    existing = PhoneCallFactory(call_number="CN-UPSERT", phone_number="+1")
    message = kept.messages.get()
    response = batch(
        admin_api,
        {
            "id": "a",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1, "TranscriptMessage": [{"MessageContent": b64("hi")}]},
        },
        {
            "id": "b",
            "path": f"/phoneCalls/{kept.id}",
            "operation": "update",
            "payload": {"PhoneNumber": "+2"},
        },
        {"id": "c", "path": f"/phoneCalls/{gone.id}", "operation": "delete"},
        {
            "id": "d",
            "path": "/phoneCalls",
            "operation": "upsert",
            "payload": {"CallNumber": "CN-UPSERT", "PhoneNumber": "+3"},
        },
        {
            "id": "e",
            "path": f"/phoneCalls/{kept.id}/child/TranscriptMessage/{message.id}",
            "operation": "update",
            "payload": {"RoleCd": "SUPERVISOR"},
        },
        {"id": "f", "path": f"/phoneCalls/{kept.id}/child/TranscriptMessage", "operation": "get"},
        {"id": "g", "path": "/phoneCalls?q=CallNumber=CN-UPSERT", "operation": "get"},
    )
    assert response.status_code == 200, response.content
    parts = {part["id"]: part for part in response.json()["parts"]}
    assert list(parts) == ["a", "b", "c", "d", "e", "f", "g"]
    assert "payload" not in parts["c"]
    assert parts["b"]["payload"]["PhoneNumber"] == "+2"
    assert parts["d"]["payload"]["CallId"] == existing.id
    assert parts["e"]["payload"]["RoleCd"] == "SUPERVISOR"
    assert [m["RoleCd"] for m in parts["f"]["payload"]["items"]] == ["SUPERVISOR"]
    assert [c["CallId"] for c in parts["g"]["payload"]["items"]] == [existing.id]
    assert not PhoneCall.objects.filter(pk=gone.pk).exists()
    assert PhoneCall.objects.get(pk=existing.pk).phone_number == "+3"
    created = PhoneCall.objects.get(pk=parts["a"]["payload"]["CallId"])
    assert created.messages.get().message_content == "hi"


def test_any_failing_part_fails_the_batch_applies_nothing_and_reports_only_failures(
    admin_api,
):
    call = PhoneCallFactory(messages=1, phone_number="+1")
    before = counts()
    response = batch(
        admin_api,
        {
            "id": "ok1",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1},
        },
        {
            "id": "bad",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"CallNumber": "CN-NO"},
        },
        {
            "id": "ok2",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"PhoneNumber": "+2"},
        },
        {"id": "ok3", "path": f"/phoneCalls/{call.id}", "operation": "delete"},
        {"id": "missing", "path": f"/phoneCalls/{call.id + 1000}", "operation": "get"},
    )
    assert response.status_code == 400
    failures = response.json()["parts"]
    assert [part["id"] for part in failures] == ["bad", "missing"]
    assert failures[0]["payload"]["status"] == "400"
    assert "CallNumber" in json.dumps(failures[0]["payload"])
    assert failures[1]["payload"]["status"] == "404"
    assert counts() == before
    assert PhoneCall.objects.get(pk=call.pk).phone_number == "+1"


def test_a_part_with_a_stale_if_match_fails_with_412(admin_api):
    call = PhoneCallFactory()
    stale = admin_api.get(f"{ROOT}/phoneCalls/{call.id}")["ETag"]
    admin_api.patch(f"{ROOT}/phoneCalls/{call.id}", {"PhoneNumber": "+1"}, format="json")
    current = admin_api.get(f"{ROOT}/phoneCalls/{call.id}")["ETag"]
    response = batch(
        admin_api,
        {
            "id": "p1",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"PhoneNumber": "+2"},
            "ifMatch": stale,
        },
    )
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert failure["payload"]["status"] == "412"
    assert PhoneCall.objects.get(pk=call.pk).phone_number == "+1"
    response = batch(
        admin_api,
        {
            "id": "p1",
            "path": f"/phoneCalls/{call.id}",
            "operation": "update",
            "payload": {"PhoneNumber": "+2"},
            "ifMatch": current,
        },
        {"id": "p2", "path": f"/phoneCalls/{call.id}", "operation": "delete", "ifMatch": "*"},
    )
    assert response.status_code == 200
    assert not PhoneCall.objects.filter(pk=call.pk).exists()


def test_a_view_only_user_may_read_in_a_batch(db):
    call = PhoneCallFactory()
    viewer = user_with("view_phonecall", "view_transcriptmessage", username="reader")
    response = batch(
        client_for(viewer), {"id": "p1", "path": f"/phoneCalls/{call.id}", "operation": "get"}
    )
    assert response.status_code == 200
    assert response.json()["parts"][0]["payload"]["CallId"] == call.id


def test_a_view_only_user_cannot_create_in_a_batch(db):
    call = PhoneCallFactory()
    viewer = user_with("view_phonecall", "view_transcriptmessage", username="reader")
    before = counts()
    response = batch(
        client_for(viewer),
        {"id": "p1", "path": f"/phoneCalls/{call.id}", "operation": "get"},
        {"id": "p2", "path": "/phoneCalls", "operation": "create", "payload": {"InteractionId": 1}},
        {
            "id": "p3",
            "path": f"/phoneCalls/{call.id}/child/TranscriptMessage",
            "operation": "create",
            "payload": {"RoleCd": "AGENT"},
        },
    )
    assert response.status_code == 400
    failures = response.json()["parts"]
    assert [(p["id"], p["payload"]["status"]) for p in failures] == [("p2", "403"), ("p3", "403")]
    assert counts() == before


def test_a_user_who_may_add_calls_but_not_messages_cannot_add_messages_in_a_batch(db):
    call = PhoneCallFactory()
    clerk = user_with("view_phonecall", "add_phonecall", username="clerk")
    before = counts()
    response = batch(
        client_for(clerk),
        {
            "id": "p1",
            "path": f"/phoneCalls/{call.id}/child/TranscriptMessage",
            "operation": "create",
            "payload": {"RoleCd": "AGENT"},
        },
    )
    assert response.status_code == 400
    assert response.json()["parts"][0]["payload"]["status"] == "403"
    assert counts() == before


@pytest.mark.parametrize(
    "part",
    [
        {"id": "p", "path": "/phoneCalls", "operation": "explode"},
        {"id": "p", "path": "/elsewhere", "operation": "get"},
        {"id": "p", "path": "/phoneCalls/1/child/Nope", "operation": "get"},
        {"id": "p", "path": "/phoneCalls", "operation": "create", "payload": "x"},
        {"id": "p", "path": "/phoneCalls/1", "operation": "replace", "payload": {}},
        {"id": "p", "path": 5, "operation": "get"},
        "not an object",
    ],
)
def test_a_malformed_part_fails_the_batch(admin_api, part):
    before = counts()
    response = batch(
        admin_api,
        {"id": "ok", "path": "/phoneCalls", "operation": "create", "payload": {"InteractionId": 1}},
        part,
    )
    assert response.status_code == 400
    assert len(response.json()["parts"]) == 1
    assert counts() == before


@pytest.mark.parametrize("body", ['{"parts": 5}', "[]", '{"nothing": []}'])
def test_a_body_that_is_not_a_batch_is_a_400(admin_api, body):
    response = admin_api.post(ROOT, body, content_type=BATCH_TYPE)
    assert response.status_code == 400


def test_an_anonymous_batch_is_a_401(db):
    response = batch(APIClient(), {"id": "p", "path": "/phoneCalls", "operation": "get"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_a_batch_sent_as_plain_json_is_a_415(admin_api):
    response = admin_api.post(ROOT, json.dumps({"parts": []}), content_type="application/json")
    assert response.status_code == 415


def test_a_rolled_back_batch_leaves_no_recording_in_storage(admin_api, settings):
    from pathlib import Path

    response = batch(
        admin_api,
        {
            "id": "rec",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1, "CallRecording": b64("RIFF and more")},
        },
        {
            "id": "bad",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": "not a number"},
        },
    )
    assert response.status_code == 400
    assert [part["id"] for part in response.json()["parts"]] == ["bad"]
    assert counts() == (0, 0)
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_committed_batch_keeps_its_recordings(admin_api):
    response = batch(
        admin_api,
        {
            "id": "rec",
            "path": "/phoneCalls",
            "operation": "create",
            "payload": {"InteractionId": 1, "CallRecording": b64("RIFF and more")},
        },
    )
    assert response.status_code == 200
    with PhoneCall.objects.get().recording.open("rb") as stored:
        assert stored.read() == b"RIFF and more"
