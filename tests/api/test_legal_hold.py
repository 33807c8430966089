"""A call on legal hold cannot be deleted, nor can its messages: API DELETE and a batch's
delete answer 409 in the error format of the request's framework version; nothing is
deleted. Edits stay allowed (the history keeps the versions they replace)."""

import json

import pytest

from calls import services
from calls.models import PhoneCall
from tests.api.helpers import (
    BATCH_TYPE,
    ERROR_TYPE,
    ROOT,
    b64,
    call_url,
    message_url,
    version_header,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    call = PhoneCallFactory(messages=2)
    services.legal_hold_place(
        actor=services.Actor("counsel"),
        calls=PhoneCall.objects.filter(pk=call.pk),
        reason="Case 2024-17",
    )
    return call


def test_delete_of_a_held_call_is_a_409_in_error_json(admin_api4, held):
    response = admin_api4.delete(call_url(held.id))
    assert response.status_code == 409
    assert response["Content-Type"].startswith(ERROR_TYPE)
    body = response.json()
    assert body["title"] == "Conflict" and body["status"] == "409"
    (detail,) = body["o:errorDetails"]
    assert detail["o:errorCode"] == "legal_hold"
    assert held.call_number in detail["detail"]
    assert PhoneCall.objects.filter(pk=held.id).exists()
    assert held.messages.count() == 2


def test_delete_of_a_held_call_is_a_409_in_plain_text_before_v4(admin_api, held):
    response = admin_api.delete(call_url(held.id))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/plain")
    assert "legal hold" in response.content.decode()


def test_a_batch_delete_of_a_held_call_fails_the_batch_with_the_parts_409(admin_api, held):
    free = PhoneCallFactory()
    parts = [
        {"id": "free", "path": f"/phoneCalls/{free.id}", "operation": "delete"},
        {"id": "held", "path": f"/phoneCalls/{held.id}", "operation": "delete"},
    ]
    response = admin_api.post(
        ROOT, json.dumps({"parts": parts}), content_type=BATCH_TYPE, **version_header(4)
    )
    assert response.status_code == 400  # a batch that fails is a 400 (contract §9)
    (part,) = response.json()["parts"]
    assert part["id"] == "held"
    assert part["payload"]["status"] == "409"
    assert part["payload"]["o:errorDetails"][0]["o:errorCode"] == "legal_hold"
    assert PhoneCall.objects.filter(pk__in=[free.id, held.id]).count() == 2  # all or nothing


@pytest.mark.parametrize("messages", [1, 50])
def test_a_refused_delete_costs_the_same_queries(admin_api, django_assert_num_queries, messages):
    call = PhoneCallFactory(messages=messages)
    services.legal_hold_place(
        actor=services.Actor("c"), calls=PhoneCall.objects.filter(pk=call.pk), reason="x"
    )
    # 1. SELECT the call   2. SAVEPOINT   3. SELECT its version, recording and hold FOR UPDATE
    # 4. ROLLBACK TO SAVEPOINT   5. RELEASE SAVEPOINT
    with django_assert_num_queries(5):
        assert admin_api.delete(call_url(call.id)).status_code == 409


# A hold preserves the record: the call's messages cannot be deleted either; edits stay.


def test_delete_of_a_message_of_a_held_call_is_a_409_in_error_json(admin_api4, held):
    message = held.messages.first()
    response = admin_api4.delete(message_url(held.id, message.pk))
    assert response.status_code == 409
    assert response["Content-Type"].startswith(ERROR_TYPE)
    (detail,) = response.json()["o:errorDetails"]
    assert detail["o:errorCode"] == "legal_hold"
    assert "transcript messages cannot be deleted" in detail["detail"]
    assert held.messages.count() == 2
    held.refresh_from_db()
    assert held.version == 1  # the refused delete raised no version


def test_a_batch_delete_of_a_message_of_a_held_call_fails_the_batch(admin_api, held):
    message = held.messages.first()
    path = f"/phoneCalls/{held.id}/child/TranscriptMessage/{message.pk}"
    parts = [{"id": "m", "path": path, "operation": "delete"}]
    response = admin_api.post(
        ROOT, json.dumps({"parts": parts}), content_type=BATCH_TYPE, **version_header(4)
    )
    assert response.status_code == 400
    (part,) = response.json()["parts"]
    assert part["payload"]["status"] == "409"
    assert part["payload"]["o:errorDetails"][0]["o:errorCode"] == "legal_hold"
    assert held.messages.count() == 2


def test_a_held_call_and_its_messages_may_still_be_edited_and_the_history_keeps_the_old(
    admin_api, held
):
    message = held.messages.first()
    for text in ("corrected", "corrected again"):
        response = admin_api.patch(
            message_url(held.id, message.pk),
            json.dumps({"MessageContent": b64(text)}),
            content_type="application/json",
        )
        assert response.status_code == 200
    response = admin_api.patch(
        call_url(held.id), json.dumps({"DeletedFlag": True}), content_type="application/json"
    )
    assert response.status_code == 200  # DeletedFlag is a mark: the record stays whole
    message.refresh_from_db()
    assert message.message_content == "corrected again"
    assert "corrected" in [h.message_content for h in message.history.all()]
    assert held.messages.count() == 2


def test_a_released_call_gives_up_its_messages_again(admin_api4, held):
    services.legal_hold_release(actor=services.Actor("counsel"), calls=PhoneCall.objects.all())
    message = held.messages.first()
    assert admin_api4.delete(message_url(held.id, message.pk)).status_code == 204
    assert held.messages.count() == 1
