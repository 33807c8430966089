"""Realistic-looking calls for the README screenshots (not used by the other tests)."""

import datetime
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from calls.audio.duration import recording_duration_ms
from calls.models import PhoneCall, TranscriptMessage
from calls.phones import to_e164
from tests.audio_samples import flac_bytes
from tests.factories import wav_bytes

CUSTOMERS = [
    "Dana Miller",
    "Omar Haddad",
    "Mei Chen",
    "Lucas Fischer",
    "Priya Raman",
    "Jonas Berg",
    "Sofia Rossi",
    "Kwame Mensah",
    "Elena Petrova",
    "Noah Williams",
    "Aiko Tanaka",
]
AREAS = ["415", "212", "312", "617"]
AGENTS = ["Sam Ortiz", "Riley Brooks", "Hannah Vogel", "Marco Silva"]
SNIPPETS = [
    ("CUSTOMER", "Hi, I'm calling about order {order}. It still hasn't arrived."),
    ("AGENT", "I'm sorry to hear that. Let me pull up order {order} for you."),
    ("AGENT", "I can see the courier marked it as delivered on Tuesday."),
    ("CUSTOMER", "That's odd, nothing was left at the door. Can I get a refund instead?"),
    ("AGENT", "Of course. I'll start the refund now; it takes 3 to 5 business days."),
    ("CUSTOMER", "Great, thank you. Will I get an email confirmation?"),
    ("AGENT", "Yes, you'll get it within the hour. Anything else I can help with?"),
    ("CUSTOMER", "No, that's all. Thanks for your help!"),
]


def make_list_calls(now: datetime.datetime | None = None, seed: int = 7) -> None:
    """About 30 days of traffic: busier on weekdays, a few voicemails and recordings.

    Rows are bulk-created, so the columns the services derive are filled here the same way:
    the call's time, the E.164 number, and the duration of the stored recordings (FLAC
    headers stating a length, a few bytes each).
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    calls = []
    for days_ago in range(30):
        day = now - datetime.timedelta(days=days_ago)
        busy = day.weekday() < 5
        for _ in range(rng.randint(14, 30) if busy else rng.randint(2, 8)):
            when = day.replace(
                hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=rng.randint(0, 59)
            )
            if when > now:
                when -= datetime.timedelta(hours=10)
            number = f"+1{rng.choice(AREAS)}555{rng.randint(0, 9999):04d}"
            calls.append(
                PhoneCall(
                    call_number=f"CN{rng.randrange(16**10):010X}",
                    phone_number=number,
                    phone_number_e164=to_e164(number),
                    external_system_call_id=f"GEN-{rng.randint(100000, 999999)}",
                    interaction_id=300100000 + len(calls),
                    left_message_flag=rng.random() < 0.15,
                    recording_url=(
                        f"https://pbx.example.com/rec/{rng.randint(1000, 9999)}.mp3"
                        if rng.random() < 0.55
                        else None
                    ),
                    created_by="genesys",
                    creation_date=when,
                    call_time=when,  # what the services derive: no call start is sent
                    last_updated_by="genesys",
                    last_update_date=when,
                )
            )
    PhoneCall.objects.bulk_create(calls)
    storage = PhoneCall._meta.get_field("recording").storage
    recorded = [call for call in calls if call.recording_url]
    for call in recorded:
        content = flac_bytes(rng.uniform(25, 1100))
        call.recording.name = storage.save(f"recordings/demo/{call.pk}", ContentFile(content))
        call.recording_format = "audio/flac"
        call.recording_url = None
        call.recording_duration_ms = recording_duration_ms(content)
    PhoneCall.objects.bulk_update(
        recorded, ["recording", "recording_format", "recording_url", "recording_duration_ms"]
    )
    messages = []
    for call in PhoneCall.objects.all():
        count = rng.choice([0, 2, 4, 6, 8, 8, 12, 17])
        customer = rng.choice(CUSTOMERS)
        agent = rng.choice(AGENTS)
        for i in range(count):
            role, text = SNIPPETS[i % len(SNIPPETS)]
            messages.append(
                TranscriptMessage(
                    call=call,
                    message_number=f"MN{call.id:06d}{i:03d}",
                    message_content=text.format(order=1000 + call.id),
                    role_cd=role,
                    posted_by_display_name=customer if role == "CUSTOMER" else agent,
                    visibility_cd="INTERNAL" if i == 5 and rng.random() < 0.3 else "EXTERNAL",
                    created_by="genesys",
                    creation_date=call.creation_date + datetime.timedelta(seconds=20 * i),
                    last_updated_by="genesys",
                    last_update_date=call.creation_date,
                )
            )
    TranscriptMessage.objects.bulk_create(messages, batch_size=500)


def make_featured_call(now: datetime.datetime | None = None) -> PhoneCall:
    """One call with a recording and a full conversation, for the call-page screenshot."""
    now = now or timezone.now()
    start = now - datetime.timedelta(minutes=42)
    call = PhoneCall.objects.create(
        call_number="CN7F3A90C21B",
        phone_number="+14155550182",
        external_system_call_id="GEN-847120",
        interaction_id=300199001,
        left_message_flag=False,
        recording_format="audio/wav",
        transcript_url="https://crm.example.com/transcripts/847120",
        call_details_url="https://pbx.example.com/calls/GEN-847120",
        created_by="genesys",
        creation_date=start,
        call_time=start,
        last_updated_by="sam.ortiz",
        last_update_date=start + datetime.timedelta(minutes=9),
    )
    content = wav_bytes(seconds=6)
    call.recording.save("r", ContentFile(content), save=False)
    call.recording_duration_ms = recording_duration_ms(content)
    call.phone_number_e164 = to_e164(call.phone_number)
    call.save()
    _make_earlier_calls(call)
    lines = [
        ("BOT", "Callbook IVR", "Thanks for calling Northwind Support. This call may be recorded."),
        ("CUSTOMER", "Dana Miller", "Hi, I'm calling about order 1182. It still hasn't arrived."),
        ("AGENT", "Sam Ortiz", "I'm sorry to hear that, Dana. Let me pull up order 1182 for you."),
        ("AGENT", "Sam Ortiz", "I can see the courier marked it as delivered on Tuesday at 14:05."),
        (
            "CUSTOMER",
            "Dana Miller",
            "That's odd, nothing was left at the door.\nCan I get a refund instead?",
        ),
        (
            "SUPERVISOR",
            "Hannah Vogel",
            "Courier has two similar reports on that street this week. Approve the refund.",
        ),
        (
            "AGENT",
            "Sam Ortiz",
            "Of course. I've started the refund; it takes 3 to 5 business days.",
        ),
        ("CUSTOMER", "Dana Miller", "Great, thank you. Will I get an email about the refund?"),
        ("AGENT", "Sam Ortiz", "Yes, within the hour. Is there anything else I can help with?"),
        ("CUSTOMER", "Dana Miller", "No, that's all. Thanks for your help!"),
    ]
    TranscriptMessage.objects.bulk_create(
        TranscriptMessage(
            call=call,
            message_number=f"MNF{i:04d}",
            message_content=text,
            role_cd=role,
            posted_by_display_name=name,
            visibility_cd="INTERNAL" if role == "SUPERVISOR" else "EXTERNAL",
            created_by="genesys",
            creation_date=start + datetime.timedelta(seconds=35 * i),
            last_updated_by="genesys",
            last_update_date=start,
        )
        for i, (role, name, text) in enumerate(lines)
    )
    return call


def _make_earlier_calls(call: PhoneCall) -> None:
    """The featured caller's earlier calls, each pushed with another spelling of the number."""
    earlier = [
        ("(415) 555-0182", 2, 214_000, "Hi, I ordered a kettle last week, order 1182."),
        ("+1 415 555 0182", 9, 95_000, "Hello, I'd like to change my delivery address."),
        ("415.555.0182", 23, None, "Can you tell me when my card will be charged?"),
    ]
    for index, (number, days, duration, first) in enumerate(earlier):
        when = call.creation_date - datetime.timedelta(days=days, hours=index)
        other = PhoneCall.objects.create(
            call_number=f"CN7F3A90C{index:03d}",
            phone_number=number,
            phone_number_e164=to_e164(number),
            interaction_id=300198000 + index,
            created_by="genesys",
            creation_date=when,
            call_time=when,
            last_updated_by="genesys",
            last_update_date=when,
        )
        if duration is not None:
            content = flac_bytes(duration / 1000)
            other.recording.save("r", ContentFile(content), save=False)
            other.recording_format = "audio/flac"
            other.recording_duration_ms = recording_duration_ms(content)
            other.save()
        TranscriptMessage.objects.create(
            call=other,
            message_number=f"MNE{index:04d}",
            message_content=first,
            role_cd="CUSTOMER",
            posted_by_display_name="Dana Miller",
            created_by="genesys",
            creation_date=when,
            last_updated_by="genesys",
            last_update_date=when,
        )
