"""Privacy requests by phone number: normalised matching, subject access, erasure, ledger."""

import io
import json
import zipfile

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from calls import services
from calls.models import AccessRecord, ErasureRecord, PhoneCall, TranscriptMessage
from calls.privacy import ledger, numbers
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTOR = services.Actor("cti")


@pytest.fixture(autouse=True)
def _cheap_hash(monkeypatch):
    monkeypatch.setattr(ledger._NumberHasher, "iterations", 1000)


@pytest.fixture
def subject(settings):
    """Three calls of +1 415 555 0100, written three ways, and one of another number."""
    settings.CALLBOOK_PHONE_REGION = "US"
    calls = [
        services.phone_call_create(
            actor=ACTOR,
            values={"interaction_id": i, "phone_number": written},
            messages=[{"message_content": f"hello {i}", "posted_by_display_name": "Ann"}],
            recording=b"RIFF-bytes" if i == 0 else None,
        ).call
        for i, written in enumerate(["+14155550100", "(415) 555-0100", "415.555.0100"])
    ]
    other = PhoneCallFactory(phone_number="+14155550199")
    return calls, other


def test_numbers_match_however_they_were_written(subject):
    calls, other = subject
    assert list(numbers.calls_of("415 555 0100")) == calls
    assert list(numbers.calls_of("+1-415-555-0199")) == [other]
    with pytest.raises(numbers.NotAPhoneNumber):
        numbers.calls_of("hello")


def test_the_subject_export_holds_items_transcripts_recordings_and_access_records(
    subject, tmp_path
):
    calls, _ = subject
    AccessRecord.objects.create(
        username="agent",
        call=calls[1],
        call_number=calls[1].call_number,
        kind="transcript_view",
        channel="ui",
    )
    path = tmp_path / "subject.zip"
    out = io.StringIO()
    call_command("subject_export", "--phone", "4155550100", "--output", str(path), stdout=out)
    assert "3 calls, 3 messages, 1 recordings, 1 access records" in out.getvalue()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        items = [json.loads(x) for x in archive.read("calls.jsonl").splitlines()]
        assert [i["CallNumber"] for i in items] == [c.call_number for c in calls]
        assert items[0]["TranscriptMessage"][0]["MessageContent"]  # rendered as the API does
        text = archive.read(f"transcripts/{calls[0].call_number}.txt").decode()
        assert "hello 0" in text and "Ann" in text
        (recording,) = [n for n in names if n.startswith("recordings/")]
        assert archive.read(recording) == b"RIFF-bytes"
        (record,) = [json.loads(x) for x in archive.read("access_records.jsonl").splitlines()]
        assert record["username"] == "agent"
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["normalised"] == "+14155550100" and manifest["calls"] == 3


def test_the_admin_offers_the_export_as_an_action(client, superuser, subject):
    calls, _ = subject
    client.force_login(superuser)
    response = client.post(
        reverse("admin:calls_phonecall_changelist"),
        {"action": "export_subject_data", "_selected_action": [calls[0].pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert len(archive.read("calls.jsonl").splitlines()) == 3


def test_erasure_removes_everything_but_held_calls_and_writes_the_ledger(
    subject, django_capture_on_commit_callbacks
):
    calls, other = subject
    held = calls[2]
    services.legal_hold_place(actor=ACTOR, calls=PhoneCall.objects.filter(pk=held.pk), reason="x")
    services.message_update(
        actor=ACTOR, message=calls[0].messages.get(), values={"message_content": "edited"}
    )
    storage = PhoneCall._meta.get_field("recording").storage
    recording = PhoneCall.objects.get(pk=calls[0].pk).recording.name
    AccessRecord.objects.create(
        username="agent",
        call=calls[0],
        call_number=calls[0].call_number,
        kind="transcript_view",
        channel="ui",
    )

    dry = io.StringIO()
    call_command("subject_erase", "--phone", "+1 415 555 0100", "--dry-run", stdout=dry)
    assert "Would erase 2 calls, 2 messages, 1 recordings" in dry.getvalue()
    assert not ErasureRecord.objects.exists() and PhoneCall.objects.count() == 4

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the recording goes after commit
        call_command("subject_erase", "--phone", "+1 415 555 0100", "--by", "dpo", stdout=out)
    text = out.getvalue()
    assert "Erased 2 calls, 2 messages, 1 recordings" in text
    assert f"Skipped 1 calls on legal hold: {held.call_number}." in text
    erased = [calls[0].pk, calls[1].pk]
    assert set(PhoneCall.objects.values_list("pk", flat=True)) == {held.pk, other.pk}
    assert not TranscriptMessage.objects.filter(call_id__in=erased).exists()
    assert not PhoneCall.history.filter(id__in=erased).exists()
    assert not TranscriptMessage.history.filter(call_id__in=erased).exists()
    assert not storage.exists(recording)
    assert AccessRecord.objects.get().call is None  # the audit stays, unlinked

    entry = ErasureRecord.objects.get()
    assert (entry.performed_by, entry.calls_erased, entry.messages_erased) == ("dpo", 2, 2)
    assert entry.recordings_erased == 1 and entry.calls_on_hold_skipped == 1
    assert entry.history_rows_erased == 2 + 3  # calls' "+" rows; messages' "+", "+", "~"
    assert "4155550100" not in entry.number_hash
    assert ledger.is_number("+14155550100", entry.number_hash)
    assert not ledger.is_number("+14155550199", entry.number_hash)


def test_erasure_of_a_number_that_is_no_phone_number_is_refused():
    with pytest.raises(CommandError):
        call_command("subject_erase", "--phone", "n/a", stdout=io.StringIO())


@pytest.mark.parametrize("count", [1, 10])
def test_the_admins_subject_export_costs_the_same_queries_for_1_and_10_calls(
    client, superuser, settings, django_assert_num_queries, count
):
    settings.CALLBOOK_PHONE_REGION = "US"
    calls = [PhoneCallFactory(phone_number="+14155550100") for _ in range(count)]
    for call in calls:
        TranscriptMessageFactory(call=call)
    client.force_login(superuser)
    # session, user, the selection (count), the selection's numbers, the candidates, the
    # calls, their messages, their access records (+ the admin's own reads)
    url = reverse("admin:calls_phonecall_changelist")
    data = {"action": "export_subject_data", "_selected_action": [c.pk for c in calls]}
    with django_assert_num_queries(9):
        response = client.post(url, data)
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()) == (
        count + 4  # calls.jsonl, access_records.jsonl, manifest.json, README.txt
    )


# Kept originals (policy redacted+original) in the subject access archive.

SAID = "my card is 4111 1111 1111 1111, the code is 737"


@pytest.fixture
def kept(settings):
    """One call of +1 415 555 0100 whose message keeps an original, and one that keeps none."""
    settings.CALLBOOK_PHONE_REGION = "US"
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]
    with_card = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 1, "phone_number": "+14155550100"},
        messages=[{"message_content": "hello"}, {"message_content": SAID}],
    ).call
    plain = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 2, "phone_number": "415 555 0100"},
        messages=[{"message_content": "nothing to hide"}],
    ).call
    return with_card, plain


def _export(tmp_path, *args: str) -> tuple[zipfile.ZipFile, str]:
    path = tmp_path / "subject.zip"
    out = io.StringIO()
    call_command("subject_export", "--phone", "4155550100", "-o", str(path), *args, stdout=out)
    return zipfile.ZipFile(path), out.getvalue()


def test_the_subject_export_holds_the_kept_originals_each_read_audited(kept, tmp_path):
    with_card, plain = kept
    archive, said = _export(tmp_path)
    assert "1 of 1 kept originals" in said
    with archive:
        original = archive.read(f"originals/{with_card.call_number}.txt").decode()
        assert "my card is 4111 1111 1111 1111, the code is [CVV]" in original
        assert "hello" in original
        # A code is never kept; the header's call number is random hex and may hold "737".
        assert "737" not in original.replace(with_card.call_number, "")
        assert f"originals/{plain.call_number}.txt" not in archive.namelist()
        redacted = archive.read(f"transcripts/{with_card.call_number}.txt").decode()
        assert "my card is [CARD], the code is [CVV]" in redacted
        assert "4111" not in archive.read("calls.jsonl").decode()
        manifest = json.loads(archive.read("manifest.json"))
        assert (manifest["originals_kept"], manifest["originals_included"]) == (1, 1)
        assert "originals/ holds" in manifest["note"]
        assert "originals/ holds" in archive.read("README.txt").decode()
        # The export's own read is among the access records it carries.
        (line,) = archive.read("access_records.jsonl").splitlines()
        assert json.loads(line)["kind"] == "transcript_original_view"
    (record,) = AccessRecord.objects.all()
    assert record.kind == AccessRecord.Kind.ORIGINAL_VIEW
    assert record.channel == AccessRecord.Channel.COMMAND
    assert record.call == with_card and record.username.startswith("manage.py subject_export (")


def test_the_operator_may_leave_the_originals_out(kept, tmp_path):
    archive, said = _export(tmp_path, "--without-originals")
    assert "0 of 1 kept originals" in said
    with archive:
        assert not [n for n in archive.namelist() if n.startswith("originals/")]
        note = json.loads(archive.read("manifest.json"))["note"]
        assert "1 unredacted originals are kept but left out" in note
        assert "--without-originals" in note
    assert not AccessRecord.objects.exists()


def test_an_original_no_key_opens_leaves_its_redacted_text(kept, tmp_path, settings):
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]  # the old one is gone
    err = io.StringIO()
    path = tmp_path / "subject.zip"
    call_command("subject_export", "--phone", "4155550100", "-o", str(path), stderr=err)
    assert "1 kept originals could not be opened" in err.getvalue()
    with zipfile.ZipFile(path) as archive:
        with_card, _ = kept
        text = archive.read(f"originals/{with_card.call_number}.txt").decode()
        assert "my card is [CARD]" in text
        manifest = json.loads(archive.read("manifest.json"))
        assert (manifest["originals_included"], manifest["originals_unreadable"]) == (0, 1)
    assert not AccessRecord.objects.exists()  # nothing was read


def _admin_export(client, user, call) -> zipfile.ZipFile:
    client.force_login(user)
    response = client.post(
        reverse("admin:calls_phonecall_changelist"),
        {"action": "export_subject_data", "_selected_action": [call.pk]},
    )
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_admins_export_holds_the_originals_for_a_user_who_may_read_them(
    client, superuser, kept
):
    with_card, _ = kept
    with _admin_export(client, superuser, with_card) as archive:
        assert (
            "4111 1111 1111 1111" in archive.read(f"originals/{with_card.call_number}.txt").decode()
        )
    (record,) = AccessRecord.objects.all()
    assert (record.kind, record.channel, record.username) == (
        AccessRecord.Kind.ORIGINAL_VIEW,
        AccessRecord.Channel.UI,
        "admin",
    )


def test_the_admins_export_leaves_the_originals_out_without_the_permission(client, kept):
    with_card, _ = kept
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(content_type__app_label="calls", codename="view_phonecall")
    )
    with _admin_export(client, clerk, with_card) as archive:
        assert not [n for n in archive.namelist() if n.startswith("originals/")]
        assert "4111" not in "".join(archive.read(n).decode() for n in archive.namelist())
        note = json.loads(archive.read("manifest.json"))["note"]
        assert "left out: clerk lacks the permission calls.view_unredacted_transcript" in note
    assert not AccessRecord.objects.filter(kind=AccessRecord.Kind.ORIGINAL_VIEW).exists()
