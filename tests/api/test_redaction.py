"""Redaction through the API: every write path stores and answers the redacted text, and an
API client with ``calls.view_unredacted_transcript`` may read a kept original."""

import pytest
from cryptography.fernet import Fernet

from calls.models import AccessRecord, TranscriptMessage
from tests.api.helpers import (
    CALLS,
    b64,
    call_url,
    client_for,
    content_url,
    message_url,
    messages_url,
    unb64,
    user_with,
)
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

VISA = "4111 1111 1111 1111"
SAID = f"my card is {VISA}, the code is 737"
STORED = "my card is [CARD], the code is [CVV]"


@pytest.fixture
def keeps_originals(settings):
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]


def content(item: dict) -> str:
    return unb64(item["MessageContent"]).decode()


def test_a_create_stores_and_answers_the_redacted_text(admin_api):
    response = admin_api.post(
        CALLS,
        {
            "InteractionId": 1,
            "TranscriptMessage": [
                {"MessageContent": b64("What's the security code on the back?")},
                {"MessageContent": b64("seven three seven")},
                {"MessageContent": b64(SAID)},
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    answered = [content(m) for m in response.json()["TranscriptMessage"]]
    assert answered == ["What's the security code on the back?", "[CVV]", STORED]
    stored = list(
        TranscriptMessage.objects.order_by("id").values_list("message_content", flat=True)
    )
    assert stored == answered


def test_an_upsert_a_patch_and_a_child_post_redact(admin_api):
    call = PhoneCallFactory(messages=1)
    upsert = admin_api.post(
        CALLS,
        {"CallNumber": call.call_number, "TranscriptMessage": [{"MessageContent": b64(SAID)}]},
        format="json",
        HTTP_UPSERT_MODE="true",
    )
    assert upsert.status_code == 200
    assert content(upsert.json()["TranscriptMessage"][0]) == STORED

    patch = admin_api.patch(
        call_url(call.id), {"TranscriptMessage": [{"MessageContent": b64(SAID)}]}, format="json"
    )
    assert content(patch.json()["TranscriptMessage"][0]) == STORED

    posted = admin_api.post(messages_url(call.id), {"MessageContent": b64(SAID)}, format="json")
    assert content(posted.json()) == STORED

    message = call.messages.order_by("id").first()
    patched = admin_api.patch(
        message_url(call.id, message.id), {"MessageContent": b64(SAID)}, format="json"
    )
    assert content(patched.json()) == STORED
    assert not TranscriptMessage.objects.filter(message_content__contains="4111").exists()
    assert not TranscriptMessage.objects.filter(message_content__contains="737").exists()


def test_an_answer_posted_alone_is_read_against_the_message_before(admin_api):
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, message_content="And the CVV, please?")
    posted = admin_api.post(
        messages_url(call.id), {"MessageContent": b64("it's 737")}, format="json"
    )
    assert content(posted.json()) == "it's [CVV]"


def test_the_message_content_enclosure_put_redacts(admin_api):
    message = TranscriptMessageFactory()
    url = content_url(message.call_id, message.id)
    response = admin_api.put(url, SAID.encode(), content_type="application/octet-stream")
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.message_content == STORED
    assert b"".join(admin_api.get(url).streaming_content).decode() == STORED


def test_policy_none_stores_the_text_as_said_but_the_code(admin_api, settings):
    settings.CALLBOOK_REDACTION_POLICY = "none"
    call = PhoneCallFactory()
    posted = admin_api.post(messages_url(call.id), {"MessageContent": b64(SAID)}, format="json")
    assert content(posted.json()) == f"my card is {VISA}, the code is [CVV]"


# Reading the original


@pytest.fixture
def auditor(db):
    return user_with(
        "view_phonecall", "view_transcriptmessage", "view_unredacted_transcript", username="auditor"
    )


@pytest.fixture
def redacted_message(admin_api, keeps_originals):
    call = PhoneCallFactory()
    admin_api.post(messages_url(call.id), {"MessageContent": b64(SAID)}, format="json")
    return call.messages.get()


def test_the_original_is_kept_encrypted_and_without_the_code(redacted_message):
    assert redacted_message.message_content == STORED
    assert "4111" not in redacted_message.content_original
    assert not TranscriptMessage.history.filter(message_content__contains="4111").exists()


def test_a_user_with_the_permission_reads_the_original_and_every_read_is_recorded(
    auditor, redacted_message
):
    client = client_for(auditor)
    url = content_url(redacted_message.call_id, redacted_message.id) + "?original=true"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).decode() == (
            f"my card is {VISA}, the code is [CVV]"
        )
    records = AccessRecord.objects.filter(kind=AccessRecord.Kind.ORIGINAL_VIEW)
    assert records.count() == 2
    assert {r.username for r in records} == {"auditor"}
    # The default answer stays redacted, for the auditor too.
    plain = client.get(content_url(redacted_message.call_id, redacted_message.id))
    assert b"".join(plain.streaming_content).decode() == STORED
    item = client.get(message_url(redacted_message.call_id, redacted_message.id)).json()
    assert content(item) == STORED


def test_without_the_permission_the_original_is_a_403(redacted_message, viewer):
    url = content_url(redacted_message.call_id, redacted_message.id) + "?original=true"
    response = client_for(viewer, 4).get(url)
    assert response.status_code == 403
    assert response.json()["status"] == "403"
    assert not AccessRecord.objects.filter(kind=AccessRecord.Kind.ORIGINAL_VIEW).exists()


def test_a_message_without_an_original_is_a_404(auditor):
    message = TranscriptMessageFactory(message_content="nothing to hide")
    url = content_url(message.call_id, message.id) + "?original=true"
    assert client_for(auditor).get(url).status_code == 404


@pytest.mark.parametrize("messages", [1, 50])
def test_reading_an_original_costs_four_queries(
    admin_api, auditor, keeps_originals, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    message = call.messages.first()
    admin_api.patch(message_url(call.id, message.id), {"MessageContent": b64(SAID)}, format="json")
    client = client_for(auditor)
    # 1. SELECT the call   2. SELECT the message
    # 3. SELECT the user's permissions (has_perm, once per request)
    # 4. INSERT the access record
    with django_assert_num_queries(4):
        response = client.get(content_url(call.id, message.id) + "?original=true")
    assert response.status_code == 200


def test_a_numberish_message_post_asks_for_the_message_before_once(
    admin_api, django_assert_num_queries
):
    call = PhoneCallFactory(messages=3)
    # The seven queries of a message POST (tests/api/test_child.py), and the text of the
    # message before, as "737" could answer it.
    with django_assert_num_queries(8):
        response = admin_api.post(
            messages_url(call.id), {"MessageContent": b64("737")}, format="json"
        )
    assert response.status_code == 201
