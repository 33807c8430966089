"""`manage.py purge_calls`: retention of recordings, transcripts and calls marked deleted."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls import services
from calls.audit import access_record
from calls.models import AccessRecord, PhoneCall, PurgeRecord, TranscriptMessage
from tests.factories import UserFactory

ACTOR = services.Actor(username="tester")

pytestmark = pytest.mark.django_db


def make_call(
    age_days: int, *, recording=b"RIFF-audio", messages=2, deleted=False, updated_days=None
):
    call = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 1, "deleted_flag": deleted},
        messages=[{"message_content": f"words {i}"} for i in range(messages)],
        recording=recording,
    ).call
    past = timezone.now() - timedelta(days=age_days)
    updated = timezone.now() - timedelta(
        days=updated_days if updated_days is not None else age_days
    )
    PhoneCall.objects.filter(pk=call.pk).update(creation_date=past, last_update_date=updated)
    call.refresh_from_db()
    return call


def purge(*args, capture=None):
    out = io.StringIO()
    err = io.StringIO()
    if capture is not None:
        with capture(execute=True):
            call_command("purge_calls", *args, stdout=out, stderr=err)
    else:
        call_command("purge_calls", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_dry_run_counts_and_changes_nothing(django_capture_on_commit_callbacks):
    old = make_call(400, deleted=True)
    make_call(10)
    out, _ = purge(
        "--recordings-days",
        "365",
        "--transcripts-days",
        "365",
        "--deleted-calls-days",
        "30",
        "--dry-run",
        capture=django_capture_on_commit_callbacks,
    )
    assert (
        "Would purge: 1 recordings, 1 transcripts (2 messages), 1 deleted calls; "
        "skipped 0 calls on legal hold." in out
    )
    old.refresh_from_db()
    assert old.recording and default_storage.exists(old.recording.name)
    assert TranscriptMessage.objects.count() == 4
    record = PurgeRecord.objects.get()
    assert record.dry_run is True
    assert (record.recordings_days, record.transcripts_days, record.deleted_calls_days) == (
        365,
        365,
        30,
    )
    assert (
        record.recordings_cleared,
        record.transcripts_cleared,
        record.messages_deleted,
        record.calls_deleted,
    ) == (1, 1, 2, 1)
    assert record.finished_at >= record.started_at


def test_old_recordings_are_cleared_and_their_files_deleted_after_commit(
    django_capture_on_commit_callbacks,
):
    old = make_call(400)
    young = make_call(100)
    name = old.recording.name
    out, _ = purge("--recordings-days", "365", capture=django_capture_on_commit_callbacks)
    assert (
        "Purged: 1 recordings, 0 transcripts (0 messages), 0 deleted calls; "
        "skipped 0 calls on legal hold." in out
    )
    old.refresh_from_db()
    assert not old.recording and not default_storage.exists(name)
    assert old.version == 2 and old.last_updated_by == "purge_calls"
    assert old.messages.count() == 2  # the call and its transcript stay
    young.refresh_from_db()
    assert young.recording and default_storage.exists(young.recording.name)
    assert young.version == 1


def test_files_stay_until_the_purge_commits(django_capture_on_commit_callbacks):
    old = make_call(400)
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("purge_calls", "--recordings-days", "365", stdout=io.StringIO())
        assert default_storage.exists(old.recording.name)
    for callback in callbacks:
        callback()
    assert not default_storage.exists(old.recording.name)


def test_old_transcripts_are_deleted_with_their_history(django_capture_on_commit_callbacks):
    old = make_call(800, messages=3)
    young = make_call(10, messages=2)
    old_message = old.messages.first()
    services.message_update(actor=ACTOR, message=old_message, values={"message_content": "x"})
    out, _ = purge("--transcripts-days", "730", capture=django_capture_on_commit_callbacks)
    assert "1 transcripts (3 messages)" in out
    assert not old.messages.exists()
    assert young.messages.count() == 2
    assert not TranscriptMessage.history.filter(call_id=old.pk).exists()
    old.refresh_from_db()
    assert old.recording  # recordings have their own period
    assert PurgeRecord.objects.get().messages_deleted == 3


def test_calls_marked_deleted_are_deleted_after_their_period(
    django_capture_on_commit_callbacks,
):
    gone = make_call(100, deleted=True, updated_days=40)
    recent = make_call(100, deleted=True, updated_days=5)
    kept = make_call(100)
    request = RequestFactory().get("/")
    request.user = UserFactory()
    access_record(request=request, call=gone, kind="recording_play", channel="ui")
    name = gone.recording.name
    out, _ = purge("--deleted-calls-days", "30", capture=django_capture_on_commit_callbacks)
    assert "1 deleted calls" in out
    assert set(PhoneCall.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert not default_storage.exists(name)
    assert not PhoneCall.history.filter(id=gone.pk).exists()
    assert not TranscriptMessage.objects.filter(call_id=gone.pk).exists()
    assert not TranscriptMessage.history.filter(call_id=gone.pk).exists()
    audit = AccessRecord.objects.get()
    assert audit.call_id is None and audit.call_number == gone.call_number


def test_work_goes_in_batches_until_everything_is_purged(django_capture_on_commit_callbacks):
    calls = [make_call(400, messages=1) for _ in range(5)]
    out, _ = purge(
        "--recordings-days",
        "365",
        "--transcripts-days",
        "365",
        "--batch-size",
        "2",
        capture=django_capture_on_commit_callbacks,
    )
    assert "Purged: 5 recordings, 5 transcripts (5 messages)" in out
    assert not PhoneCall.objects.exclude(recording="").exists()
    assert not TranscriptMessage.objects.exists()
    assert PhoneCall.objects.count() == len(calls)


def test_periods_default_to_the_settings_and_zero_keeps_forever(
    settings, django_capture_on_commit_callbacks
):
    settings.CALLBOOK_RETAIN_RECORDINGS_DAYS = 365
    settings.CALLBOOK_RETAIN_TRANSCRIPTS_DAYS = 0
    make_call(400)
    purge(capture=django_capture_on_commit_callbacks)
    record = PurgeRecord.objects.get()
    assert (record.recordings_days, record.transcripts_days, record.deleted_calls_days) == (
        365,
        None,
        None,
    )
    assert record.recordings_cleared == 1 and record.messages_deleted == 0
    assert TranscriptMessage.objects.count() == 2


def test_nothing_configured_purges_nothing_and_is_still_recorded():
    make_call(4000, deleted=True)
    out, _ = purge()
    assert (
        "Purged: 0 recordings, 0 transcripts (0 messages), 0 deleted calls; "
        "skipped 0 calls on legal hold." in out
    )
    assert PurgeRecord.objects.count() == 1
    assert PhoneCall.objects.count() == 1


def test_negative_periods_are_refused():
    with pytest.raises(CommandError):
        purge("--recordings-days", "-1")


def test_the_progress_bar_is_off_without_a_terminal_unless_forced(
    django_capture_on_commit_callbacks, capsys
):
    make_call(400)
    purge("--recordings-days", "365", "--dry-run")
    assert "recordings" not in capsys.readouterr().err
    make_call(400)
    purge("--recordings-days", "365", "--progress", capture=django_capture_on_commit_callbacks)
    assert "recordings" in capsys.readouterr().err


def test_the_query_count_does_not_grow_with_the_calls_in_a_batch(
    django_capture_on_commit_callbacks,
):
    def run():
        with CaptureQueriesContext(connection) as captured:
            purge(
                "--recordings-days",
                "365",
                "--transcripts-days",
                "365",
                "--deleted-calls-days",
                "30",
                capture=django_capture_on_commit_callbacks,
            )
        return len(captured)

    def make_calls(n):
        for _ in range(n):
            make_call(400, deleted=True, messages=3)
            make_call(400, messages=3)

    make_calls(2)
    few = run()
    make_calls(20)
    assert run() == few
    record = PurgeRecord.objects.first()
    assert (record.calls_deleted, record.transcripts_cleared, record.recordings_cleared) == (
        20,
        20,
        20,
    )


def test_the_purge_knows_everything_that_refers_to_a_call():
    # purge_calls deletes calls without Django's collector: it must handle each relation.
    relations = {
        (rel.related_model._meta.label, rel.field.name)
        for rel in PhoneCall._meta.related_objects
        if rel.field.db_constraint
    }
    assert relations == {
        ("calls.TranscriptMessage", "call"),  # deleted first
        ("calls.AccessRecord", "call"),  # set to NULL, the call number copy stays
    }
