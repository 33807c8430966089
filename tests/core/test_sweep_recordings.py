"""`manage.py sweep_recordings`: files no call refers to, older than an hour, are removed."""

import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from calls import services
from calls.models import PhoneCall

pytestmark = pytest.mark.django_db

TWO_HOURS = 2 * 60 * 60


def age(storage, name: str, seconds: int) -> None:
    """Backdate a stored file, as if written ``seconds`` ago (FileSystemStorage)."""
    then = time.time() - seconds
    os.utime(storage.path(name), (then, then))


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("sweep_recordings", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files():
    """A referenced old file, an orphan old file and an orphan new file."""
    call = services.phone_call_create(
        actor=services.Actor("cti"), values={"interaction_id": 1}, recording=b"kept"
    ).call
    storage = PhoneCall._meta.get_field("recording").storage
    referenced = call.recording.name
    old_orphan = storage.save("recordings/2020/01/old-orphan", ContentFile(b"old"))
    new_orphan = storage.save("recordings/2020/01/new-orphan", ContentFile(b"new"))
    age(storage, referenced, TWO_HOURS)
    age(storage, old_orphan, TWO_HOURS)
    return storage, referenced, old_orphan, new_orphan


def test_a_dry_run_lists_only_the_old_orphan_and_removes_nothing(files):
    storage, referenced, old_orphan, new_orphan = files
    output = sweep("--dry-run")
    assert f"would remove {old_orphan}" in output
    assert new_orphan not in output and referenced not in output
    assert "dry run" in output
    assert all(storage.exists(name) for name in (referenced, old_orphan, new_orphan))


def test_a_real_run_removes_only_the_old_orphan(files):
    storage, referenced, old_orphan, new_orphan = files
    output = sweep()
    assert f"removed {old_orphan}" in output
    assert "1 removed" in output
    assert not storage.exists(old_orphan)
    assert storage.exists(referenced) and storage.exists(new_orphan)


def test_min_age_minutes_zero_also_removes_the_new_orphan(files):
    storage, referenced, old_orphan, new_orphan = files
    sweep("--min-age-minutes", "0")
    assert not storage.exists(old_orphan) and not storage.exists(new_orphan)
    assert storage.exists(referenced)


def test_an_empty_storage_is_no_error(db):
    assert "No recordings stored" in sweep()
