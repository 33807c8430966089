"""The admin's change page shows the transcript inline: opening it is a transcript view."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def change_url(call):
    return reverse("admin:calls_phonecall_change", args=[call.pk])


def records():
    return list(AccessRecord.objects.values_list("call_id", "kind", "channel", "username"))


def test_opening_a_call_with_a_transcript_records_a_transcript_view(superuser_client):
    call = PhoneCallFactory(messages=2)
    assert superuser_client.get(change_url(call)).status_code == 200
    assert records() == [(call.id, "transcript_view", "ui", "admin")]


def test_reopening_the_page_within_the_window_adds_no_record(superuser_client, settings):
    call = PhoneCallFactory(messages=2)
    for _ in range(3):
        superuser_client.get(change_url(call))
    assert len(records()) == 1
    window = timedelta(seconds=settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS + 1)
    AccessRecord.objects.update(accessed_at=F("accessed_at") - window)
    superuser_client.get(change_url(call))
    assert records() == [(call.id, "transcript_view", "ui", "admin")] * 2


def test_a_call_without_a_transcript_and_the_lists_record_nothing(superuser_client):
    call = PhoneCallFactory()
    superuser_client.get(change_url(call))
    PhoneCallFactory(messages=2)
    superuser_client.get(reverse("admin:calls_phonecall_changelist"))
    superuser_client.get(reverse("admin:calls_phonecall_add"))
    assert records() == []
