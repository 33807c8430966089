"""The admin's saves redact like every other write: new and edited inline messages."""

import pytest
from cryptography.fernet import Fernet

from calls.models import TranscriptMessage
from tests.admin.test_phone_calls import change_url, form_data, inline_prefix
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def test_new_and_edited_messages_are_redacted_and_originals_kept(superuser_client, settings):
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]
    call = PhoneCallFactory(messages=1)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    data[f"{prefix}-0-message_content"] = "card 4111-1111-1111-1111"
    data[f"{prefix}-TOTAL_FORMS"] = 2
    data[f"{prefix}-1-message_number"] = "ADMIN-NEW-1"
    data[f"{prefix}-1-message_content"] = "and the CVV is 737"
    data[f"{prefix}-1-visibility_cd"] = ""

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 302
    edited, added = call.messages.order_by("id")
    assert edited.message_content == "card [CARD]"
    assert edited.content_original is not None
    assert added.message_content == "and the CVV is [CVV]"
    assert added.content_original is None  # only a code: nothing else to keep
    assert not TranscriptMessage.history.filter(message_content__contains="4111").exists()
    assert not TranscriptMessage.history.filter(message_content__contains="737").exists()
