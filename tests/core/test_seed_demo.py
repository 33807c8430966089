"""seed_demo: idempotent demo data with playable recordings, and ensure_admin."""

import io
import wave
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from calls.models import PhoneCall, TranscriptMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())
    return PhoneCall.objects.filter(call_number__startswith="DEMO-")


def test_seed_demo_creates_two_dozen_calls_with_transcripts(seeded):
    assert seeded.count() == 24
    assert all(call.messages.exists() for call in seeded)


def test_seed_demo_run_twice_creates_nothing_more(seeded):
    calls, messages = PhoneCall.objects.count(), TranscriptMessage.objects.count()
    files = sorted(call.recording.name for call in seeded)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert PhoneCall.objects.count() == calls
    assert TranscriptMessage.objects.count() == messages
    assert sorted(call.recording.name for call in seeded) == files
    assert "created 0" in out.getvalue()


def test_seed_demo_covers_roles_visibilities_voicemails_and_deleted_calls(seeded):
    messages = TranscriptMessage.objects.filter(call__in=seeded)
    roles = set(messages.values_list("role_cd", flat=True))
    assert {"AGENT", "CUSTOMER", "SUPERVISOR", "BOT"} <= roles
    visibilities = set(messages.values_list("visibility_cd", flat=True))
    assert visibilities == {TranscriptMessage.INTERNAL, TranscriptMessage.EXTERNAL}
    assert seeded.filter(left_message_flag=True).exists()
    assert seeded.filter(left_message_flag=False).exists()
    assert seeded.filter(deleted_flag=True).exists()
    assert seeded.values("created_by").distinct().get()["created_by"] == "seed_demo"


def test_seed_demo_spreads_calls_over_the_last_30_days(seeded):
    now = timezone.now()
    dates = list(seeded.values_list("creation_date", flat=True))
    assert all(now - timedelta(days=31) <= d <= now for d in dates)
    assert len({d.date() for d in dates}) >= 10


def test_seed_demo_recordings_are_playable_wavs_of_at_least_3_seconds(seeded):
    for call in seeded:
        assert call.recording_format == "audio/wav"
        assert call.recording.storage.exists(call.recording.name)
        with call.recording.open("rb") as stored, wave.open(stored) as recording:
            assert recording.getnchannels() == 1
            assert recording.getframerate() == 8000
            assert recording.getsampwidth() == 2
            frames = recording.getnframes()
            assert frames / recording.getframerate() >= 3.0
            audio = recording.readframes(frames)
        assert len(audio) == frames * 2
        assert any(audio), "the recording is not silence"


def test_ensure_admin_creates_a_superuser_with_a_printed_password_once():
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    password = next(
        line.split("password:", 1)[1].strip()
        for line in out.getvalue().splitlines()
        if "password:" in line
    )
    assert len(password) >= 16
    assert admin.check_password(password)

    again = io.StringIO()
    call_command("ensure_admin", stdout=again)
    assert get_user_model().objects.count() == 1
    assert "password" not in again.getvalue()


def test_ensure_admin_does_nothing_when_a_user_exists():
    UserFactory(username="someone")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert not get_user_model().objects.filter(username="admin").exists()
    assert len(out.getvalue().strip().splitlines()) <= 1
