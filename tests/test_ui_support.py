"""Fixtures and helpers shared by the staff-page tests (imported explicitly by each file)."""

import io
import math
import struct
import wave

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory

VIEW_PERMISSION = ("calls", "view_phonecall")


def grant_view(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="calls", codename="view_phonecall")
    )
    return user


@pytest.fixture
def viewer(db):
    """A support user: no staff or superuser flag, only the view permission on calls."""
    return grant_view(UserFactory(username="support"))


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def wav_bytes(seconds: float = 3.0, rate: int = 8000, frequency: float = 440.0) -> bytes:
    """A real mono 16-bit PCM WAV file with a quiet tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = int(seconds * rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(3000 * math.sin(2 * math.pi * frequency * i / rate)))
                for i in range(frames)
            )
        )
    return buffer.getvalue()
