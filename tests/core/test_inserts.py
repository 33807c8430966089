"""calls.inserts: the write path's multi-row INSERT, checked against what the ORM reads back."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import PhoneCall, TranscriptMessage
from calls.sql import inserts
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)


def _values(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _messages(call, count):
    return [
        TranscriptMessage(
            call=call,
            created_by="tester",
            creation_date=WHEN,
            last_updated_by="tester",
            last_update_date=WHEN,
            message_content=f"line {i} — ünïcode",
            role_cd="AGENT",
            posted_by_party_id=None if i % 2 else "300100123456",
            deleted_flag=bool(i % 2),
        )
        for i in range(count)
    ]


def test_rows_are_stored_as_given_and_get_their_keys_in_order():
    call = PhoneCallFactory()
    rows = _messages(call, 3)
    inserts.insert(TranscriptMessage, rows)
    assert all(row.pk and not row._state.adding for row in rows)
    stored = {m.pk: m for m in TranscriptMessage.objects.filter(call=call)}
    assert [stored[row.pk].message_content for row in rows] == [
        "line 0 — ünïcode",
        "line 1 — ünïcode",
        "line 2 — ünïcode",
    ]
    for row in rows:
        assert _values(stored[row.pk]) == _values(row)
    assert stored[rows[0].pk].creation_date == WHEN


def test_rows_beyond_the_backends_parameter_limit_go_in_batches(monkeypatch):
    call = PhoneCallFactory()
    rows = _messages(call, 5)
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    with CaptureQueriesContext(connection) as statements:
        inserts.insert(TranscriptMessage, rows)
    # PostgreSQL takes the rows as one array per column: one statement, whatever their number.
    assert len(statements.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert [m.message_content for m in TranscriptMessage.objects.filter(call=call)] == [
        r.message_content for r in rows
    ]
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)


def test_a_call_keeps_its_recording_name_and_dates():
    now = timezone.now()
    call = PhoneCall(
        interaction_id=7,
        creation_date=now,
        call_time=now,
        last_update_date=now,
        created_by="tester",
        last_updated_by="tester",
    )
    call.recording.name = "recordings/2026/03/abc.wav"
    inserts.insert(PhoneCall, [call])
    stored = PhoneCall.objects.get(pk=call.pk)
    assert stored.recording.name == "recordings/2026/03/abc.wav"
    assert _values(stored) == _values(call)
