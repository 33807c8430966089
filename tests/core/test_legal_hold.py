"""Legal hold: placed and lifted by command and service; a held call survives deletes
(API, batch, admin: tests/api, tests/admin) and retention."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from calls import services
from calls.models import PhoneCall, PurgeRecord
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def command(*args):
    out = io.StringIO()
    call_command("legal_hold", *args, stdout=out)
    return out.getvalue()


def test_the_command_places_and_lifts_a_hold_with_who_when_and_why():
    call, other = PhoneCallFactory(), PhoneCallFactory()
    out = command(call.call_number, "--reason", "Case 2024-17", "--by", "counsel")
    assert f"Placed on legal hold: {call.call_number}." in out
    call.refresh_from_db()
    assert call.legal_hold_reason == "Case 2024-17"
    assert call.legal_hold_by == "counsel"
    assert call.legal_hold_since is not None
    assert call.history.first().legal_hold_reason == "Case 2024-17"  # on the record

    again = command(call.call_number, other.call_number, "--reason", "another case")
    assert f"Unchanged (were on hold already): {call.call_number}." in again
    call.refresh_from_db()
    assert call.legal_hold_reason == "Case 2024-17"  # a hold keeps its first reason

    command(call.call_number, other.call_number, "--release")
    assert not PhoneCall.objects.exclude(legal_hold_since=None).exists()


def test_the_command_refuses_unknown_numbers_and_an_empty_reason():
    call = PhoneCallFactory()
    with pytest.raises(CommandError, match="NOPE"):
        command("NOPE", "--reason", "x")
    with pytest.raises(CommandError, match="empty"):
        command(call.call_number, "--reason", " ")


def test_the_delete_service_refuses_a_held_call():
    call = PhoneCallFactory()
    services.legal_hold_place(
        actor=services.Actor("counsel"), calls=PhoneCall.objects.filter(pk=call.pk), reason="x"
    )
    with pytest.raises(services.CallOnHold):
        services.phone_call_delete(call=call)
    assert PhoneCall.objects.filter(pk=call.pk).exists()


def test_retention_skips_held_calls_and_says_how_many():
    old = timezone.now() - timedelta(days=400)
    held = services.phone_call_create(
        actor=services.Actor("t"),
        values={"interaction_id": 1, "deleted_flag": True},
        messages=[{"message_content": "words"}],
        recording=b"RIFF",
    ).call
    free = services.phone_call_create(
        actor=services.Actor("t"),
        values={"interaction_id": 2, "deleted_flag": True},
        messages=[{"message_content": "words"}],
    ).call
    PhoneCall.objects.update(creation_date=old, last_update_date=old)
    services.legal_hold_place(
        actor=services.Actor("counsel"), calls=PhoneCall.objects.filter(pk=held.pk), reason="x"
    )
    out = io.StringIO()
    call_command(
        "purge_calls",
        "--recordings-days=30",
        "--transcripts-days=30",
        "--deleted-calls-days=30",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "skipped 1 calls on legal hold" in out.getvalue()
    assert not PhoneCall.objects.filter(pk=free.pk).exists()
    held.refresh_from_db()
    assert held.recording and held.messages.count() == 1
    assert PurgeRecord.objects.get().calls_on_hold_skipped == 1


def test_the_purge_services_skip_a_call_held_after_it_was_selected():
    call = PhoneCallFactory(messages=2)
    selected = PhoneCall.objects.filter(pk=call.pk)
    services.legal_hold_place(actor=services.Actor("counsel"), calls=selected, reason="x")
    now = timezone.now()
    assert services.purge_transcripts(selected, now=now) == (0, 0)
    assert services.purge_calls(selected) == 0
    assert call.messages.count() == 2
