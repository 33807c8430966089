"""factory-boy factories for calls and their transcripts, users, and a real WAV file."""

import io
import math
import struct
import wave

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from calls import timing
from calls.models import PhoneCall, TranscriptMessage
from calls.phones import to_e164

ROLES = ["AGENT", "CUSTOMER"]
# Every factory-made user's password.
PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class PhoneCallFactory(factory.django.DjangoModelFactory):
    """A call; ``PhoneCallFactory(messages=N)`` also gives it N transcript messages."""

    class Meta:
        model = PhoneCall
        skip_postgeneration_save = True

    call_number = factory.Sequence(lambda n: f"CALL-{n:06d}")
    interaction_id = factory.Sequence(lambda n: 300000000 + n)
    phone_number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    # As the services derive it on every write.
    phone_number_e164 = factory.LazyAttribute(lambda c: to_e164(c.phone_number))
    external_system_call_id = factory.Sequence(lambda n: f"EXT-{n}")
    recording_url = None
    transcript_url = None
    call_details_url = None
    created_by = "factory"
    creation_date = factory.LazyFunction(timezone.now)
    last_updated_by = "factory"
    last_update_date = factory.LazyAttribute(lambda c: c.creation_date)
    custom = factory.LazyFunction(dict)
    # As the services derive it on every write: the call's start, else its creation date.
    call_time = factory.LazyAttribute(lambda c: timing.call_time(c.custom, c.creation_date))

    @factory.post_generation
    def messages(self, create, extracted, **kwargs):
        if create and extracted:
            TranscriptMessage.objects.bulk_create(
                TranscriptMessageFactory.build(
                    call=self,
                    role_cd=ROLES[i % 2],
                    message_number=f"{self.call_number}-M{i}",
                    **kwargs,
                )
                for i in range(extracted)
            )


class TranscriptMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TranscriptMessage

    call = factory.SubFactory(PhoneCallFactory)
    message_number = factory.Sequence(lambda n: f"MSG-{n:07d}")
    message_content = factory.Faker("sentence")
    message_type_cd = "TEXT"
    posted_by_display_name = factory.Faker("name")
    posted_by_party_id = factory.Sequence(lambda n: str(300100 + n))
    role_cd = "AGENT"
    visibility_cd = TranscriptMessage.EXTERNAL
    created_by = "factory"
    creation_date = factory.LazyFunction(timezone.now)
    last_updated_by = "factory"
    last_update_date = factory.LazyAttribute(lambda m: m.creation_date)


def grant_view(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="calls", codename="view_phonecall")
    )
    return user


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
