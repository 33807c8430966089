"""`manage.py redact_transcripts`: what was stored before redaction, redacted after."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from calls import services
from calls.models import PhoneCall, RedactionRun, TranscriptMessage
from calls.redaction import crypto
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

CARD = "pay with 4111 1111 1111 1111 please"


def run(*args):
    out = io.StringIO()
    call_command("redact_transcripts", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def said(call, *texts):
    # Factories write past the services, as data stored before redaction was.
    return [TranscriptMessageFactory(call=call, message_content=t) for t in texts]


def test_stored_messages_and_their_history_are_redacted_and_counted():
    call = PhoneCallFactory()
    card, question, answer, plain = said(call, CARD, "And the security code?", "737", "thanks")
    card.message_content = f"{CARD}, sorry: 4111 1111 1111 1111"
    card.save()  # a second history row with the number
    version = PhoneCall.objects.get(pk=call.pk).version

    out = run()

    texts = list(call.messages.order_by("id").values_list("message_content", flat=True))
    assert texts == [
        "pay with [CARD] please, sorry: [CARD]",
        "And the security code?",
        "[CVV]",
        "thanks",
    ]
    old = TranscriptMessage.history.filter(call_id=call.pk).values_list(
        "message_content", flat=True
    )
    assert not [t for t in old if "4111" in t or t == "737"]
    assert PhoneCall.objects.get(pk=call.pk).version == version + 1
    card.refresh_from_db()
    assert card.version == 2 and card.last_updated_by == "redact_transcripts"
    assert "Redacted 2 messages and 3 history rows in 1 calls read" in out
    assert "card 5, cvv 2" in out  # markers written: 2 + 1 + 2 cards, 1 + 1 codes


def test_a_dry_run_counts_and_changes_nothing():
    call = PhoneCallFactory()
    said(call, CARD)
    out = run("--dry-run")
    assert call.messages.get().message_content == CARD
    assert "Would redact 1 messages" in out
    assert RedactionRun.objects.get().dry_run


def test_an_interrupted_run_resumes_after_its_last_batch(monkeypatch):
    calls = [PhoneCallFactory() for _ in range(3)]
    for call in calls:
        said(call, CARD)
    real = services.transcripts_redact
    seen = []

    def failing(ids, **kwargs):
        seen.append(ids)
        if len(seen) == 2:
            raise RuntimeError("killed")
        return real(ids, **kwargs)

    monkeypatch.setattr(services, "transcripts_redact", failing)
    with pytest.raises(RuntimeError):
        run("--batch-size", "1")
    checkpoint = RedactionRun.objects.get()
    assert checkpoint.last_call_id == calls[0].pk and checkpoint.finished_at is None
    assert [c.messages.get().message_content for c in calls] == [
        "pay with [CARD] please",
        CARD,
        CARD,
    ]

    monkeypatch.setattr(services, "transcripts_redact", real)
    out = run("--batch-size", "1")
    assert "Resuming" in out
    assert {c.messages.get().message_content for c in calls} == {"pay with [CARD] please"}
    finished = RedactionRun.objects.get()
    assert finished.finished_at is not None and finished.messages_redacted == 3
    # Once more: nothing left to find.
    assert "Redacted 0 messages" in run()


def test_history_rows_of_deleted_calls_are_redacted_too():
    call = PhoneCallFactory()
    said(call, CARD)
    PhoneCall.objects.filter(pk=call.pk).delete()  # the history rows stay behind
    assert TranscriptMessage.history.filter(message_content=CARD).exists()
    run()
    assert not TranscriptMessage.history.filter(message_content=CARD).exists()


def test_under_redacted_and_original_the_originals_are_kept(settings):
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = [Fernet.generate_key().decode()]
    (message,) = said(PhoneCallFactory(), f"{CARD}, code 737")
    out = run()
    message.refresh_from_db()
    assert message.message_content == "pay with [CARD] please, code [CVV]"
    assert (
        crypto.decrypt(message.content_original)
        == "pay with 4111 1111 1111 1111 please, code [CVV]"
    )
    assert "1 originals kept" in out


def test_keys_rotate(settings):
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    old = Fernet.generate_key().decode()
    settings.CALLBOOK_REDACTION_KEYS = [old]
    (message,) = said(PhoneCallFactory(), CARD)
    run()
    new = Fernet.generate_key().decode()
    settings.CALLBOOK_REDACTION_KEYS = [new, old]
    run("--rotate-keys", "--restart")
    settings.CALLBOOK_REDACTION_KEYS = [new]
    message.refresh_from_db()
    assert crypto.decrypt(message.content_original) == CARD
