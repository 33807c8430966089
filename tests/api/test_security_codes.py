"""PCI DSS: a card security code reaches no table, no log, no history row and no rendered
item (which is what webhooks send: their payloads are rendered from the stored item, so
the rendered item stands for them), under every policy and through every write path."""

import base64
import json
import logging
import re

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.db import connection

from calls.redaction import crypto
from tests.api.helpers import CALLS, b64, call_url, content_url, message_url, messages_url

pytestmark = pytest.mark.django_db

# Codes with their context, as said: "8642" alone could be part of a hash or a date.
SAID = [
    "my card is 3782 822463 10005 and the CID is 8642",
    "What is the security code on the back?",
    "eight six four two",
    "it's 4111 1111 1111 1111, expiry 09/27, cvv 864",
]
CODES = ["CID is 8642", "eight six four two", "cvv 864", "8642", " 864"]
# What the SQL log holds besides the values written: times to the microsecond, their
# reprs, and hex tokens (keys, digests, numbers), whose digits may spell a code by chance.
NOT_VALUES = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T][\d:.]+(?:[+-]\d{2}:?\d{2})?"
    r"|datetime\.datetime\([^)]*\)"
    r"|[0-9A-Fa-f]{16,}"
)


def every_text_cell():
    """Every text value of every table the app's models (and their history) use."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str):
                        yield table, value
                        if table == "calls_transcriptmessage" and value.startswith("gAAAA"):
                            yield table, crypto.decrypt(value)  # a kept original, opened


def write_everywhere(api):
    created = api.post(
        CALLS,
        {"InteractionId": 1, "TranscriptMessage": [{"MessageContent": b64(t)} for t in SAID]},
        format="json",
    ).json()
    call_id = created["CallId"]
    api.post(
        CALLS,
        {
            "CallNumber": created["CallNumber"],
            "TranscriptMessage": [{"MessageContent": b64(SAID[0])}],
        },
        format="json",
        HTTP_UPSERT_MODE="true",
    )
    api.patch(
        call_url(call_id), {"TranscriptMessage": [{"MessageContent": b64(SAID[3])}]}, format="json"
    )
    posted = api.post(messages_url(call_id), {"MessageContent": b64(SAID[1])}, format="json").json()
    api.post(messages_url(call_id), {"MessageContent": b64(SAID[2])}, format="json")
    api.patch(
        message_url(call_id, posted["MessageId"]), {"MessageContent": b64(SAID[0])}, format="json"
    )
    api.put(
        content_url(call_id, posted["MessageId"]),
        SAID[3].encode(),
        content_type="application/octet-stream",
    )
    return call_id


@pytest.mark.parametrize("policy", ["none", "redacted", "redacted+original"])
def test_no_security_code_reaches_a_table_a_log_a_history_row_or_an_item(
    admin_api, settings, caplog, policy
):
    settings.CALLBOOK_REDACTION_POLICY = policy
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]
    settings.CALLBOOK_REDACT = ["card", "cvv", "expiry", "email", "phone"]
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own loggers stop at INFO
    connection.force_debug_cursor = True  # every SQL statement and its parameters logged
    try:
        call_id = write_everywhere(admin_api)
        rendered = admin_api.get(call_url(call_id), {"expand": "all"}).content.decode()
    finally:
        connection.force_debug_cursor = False

    leaks = [(t, v) for t, v in every_text_cell() if any(code in v for code in CODES)]
    assert leaks == []
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert "UPDATE" in logged  # the SQL log did record the writes
    logged = NOT_VALUES.sub("", logged)
    assert not [code for code in CODES if code in logged]
    messages = json.loads(rendered)["TranscriptMessage"]
    texts = [base64.b64decode(m["MessageContent"]).decode() for m in messages]
    assert "[CVV]" in "".join(texts)
    assert not [code for code in CODES if any(code in t for t in texts)]
