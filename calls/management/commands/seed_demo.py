"""Load the demo call log: two dozen calls with transcripts and playable recordings.

Idempotent: each demo call has a fixed number (``DEMO-0001`` …) and is created only when
that number is missing, so running the command again adds nothing. Everything is written
through ``calls.services``; the recordings are WAV files synthesised here with the
standard library (8 kHz mono, 16-bit): a dial tone, tones for each turn of the
conversation (a lower voice for the caller, a higher one for the agent) and a closing beep.
"""

import io
import math
import random
import uuid
import wave
from array import array
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from calls import timing
from calls.models import PhoneCall, TranscriptMessage
from calls.services import Actor, DuplicateNumber, Written, phone_call_create

SAMPLE_RATE = 8000
ACTOR = Actor("seed_demo")
DEMO_COUNT = 24
DAYS = 30

AGENTS = [
    ("Priya Raman", "300100045001"),
    ("Marcus Okafor", "300100045002"),
    ("Elena Petrova", "300100045003"),
    ("Tom Whitaker", "300100045004"),
]
SUPERVISORS = [("Grace Lindqvist", "300100046001"), ("Samuel Adeyemi", "300100046002")]
BOT = ("Acme Assistant", "BOT-IVR-01")
CUSTOMERS = [
    "Olivia Bennett",
    "Hiroshi Tanaka",
    "Amara Nwosu",
    "Lucas Moreau",
    "Sofia Rossi",
    "Daniel Kim",
    "Fatima Haddad",
    "Noah Schneider",
    "Isabella Garcia",
    "Ethan Walsh",
    "Mei Chen",
    "Jonas Berg",
    "Chloe Dubois",
    "Rafael Souza",
    "Aisha Khan",
    "Liam O'Brien",
    "Yuki Sato",
    "Mateo Fernández",
    "Hannah Fischer",
    "Kwame Mensah",
    "Zoe Papadopoulos",
    "Arjun Mehta",
    "Nora Jensen",
    "Gabriel Silva",
]
SYSTEMS = ["GENESYS", "AMAZON-CONNECT", "TWILIO-FLEX", "FIVE9"]

# One scenario per kind of call: (left a voicemail?, [(role, internal?, text), ...]).
# {customer}, {agent}, {supervisor} and {ref} are filled in per call.
SCENARIOS = [
    (
        False,
        [
            (
                "BOT",
                False,
                "Welcome to Acme Fibre. For billing, press 1. For technical support, press 2.",
            ),
            ("CUSTOMER", False, "Hi, my bill this month is almost twice what I usually pay."),
            (
                "AGENT",
                False,
                "Thanks for calling, {customer}. I can see a one-off installation "
                "charge of 89 dollars on invoice {ref}. Let me check it.",
            ),
            ("CUSTOMER", False, "I never asked for an installation."),
            ("AGENT", True, "Engineer visit was logged against the wrong account. Crediting it."),
            (
                "AGENT",
                False,
                "You're right, that charge was a mistake. I've credited it; you'll "
                "see it on your next statement.",
            ),
            ("CUSTOMER", False, "Great, thank you for sorting that out so quickly."),
        ],
    ),
    (
        True,
        [
            (
                "BOT",
                False,
                "You've reached Acme Fibre support. All our agents are busy. Please "
                "leave a message after the tone.",
            ),
            (
                "CUSTOMER",
                False,
                "Hello, this is {customer}. My internet has been dropping every "
                "evening since Tuesday. Please call me back on this number. "
                "Thanks.",
            ),
            ("BOT", True, "Voicemail transcribed automatically; callback task created."),
        ],
    ),
    (
        False,
        [
            (
                "CUSTOMER",
                False,
                "I want to cancel my contract. I've been waiting three weeks for a technician.",
            ),
            (
                "AGENT",
                False,
                "I'm sorry about the wait, {customer}. Can I look at ticket {ref} "
                "before we talk about cancelling?",
            ),
            ("AGENT", True, "Escalating: third missed appointment, customer at risk of churn."),
            ("SUPERVISOR", True, "Approve a 3-month 50% discount and book the priority slot."),
            (
                "SUPERVISOR",
                False,
                "Hello, I'm {supervisor}, the team lead. I've booked our "
                "priority team for tomorrow morning and applied a discount "
                "for the trouble.",
            ),
            ("CUSTOMER", False, "Okay. If they actually show up, I'll stay."),
            ("AGENT", False, "They will. You'll get a text with the time window tonight."),
        ],
    ),
    (
        False,
        [
            ("BOT", False, "Please say or enter your order number."),
            ("CUSTOMER", False, "{ref}"),
            (
                "BOT",
                False,
                "Your router was dispatched yesterday. Would you like to speak to an agent?",
            ),
            ("CUSTOMER", False, "Yes please, I need to change the delivery address."),
            ("AGENT", False, "Hi {customer}, I can redirect the parcel. What's the new address?"),
            ("CUSTOMER", False, "Unit 4, 18 Harbour Street. Same postcode."),
            (
                "AGENT",
                False,
                "Done. The courier has the new address and it should arrive Thursday.",
            ),
        ],
    ),
    (
        False,
        [
            ("CUSTOMER", False, "My wifi says connected but nothing loads."),
            (
                "AGENT",
                False,
                "Let's restart the router together. Can you unplug it for ten seconds?",
            ),
            ("CUSTOMER", False, "Okay, it's back on. The light is still orange."),
            ("AGENT", True, "Line test shows a fault at the cabinet; opening an incident."),
            (
                "AGENT",
                False,
                "There's a fault on the street cabinet, reference {ref}. An engineer "
                "is on it and service should return by 6 pm.",
            ),
            ("CUSTOMER", False, "Thanks for checking."),
        ],
    ),
    (
        True,
        [
            (
                "BOT",
                False,
                "Thank you for calling Acme Fibre. Our office is closed. Please leave a message.",
            ),
            (
                "CUSTOMER",
                False,
                "Hi, it's {customer}. I'd like to move my appointment on Friday "
                "to next week if possible. Reference {ref}.",
            ),
        ],
    ),
    (
        False,
        [
            (
                "AGENT",
                False,
                "Hello {customer}, I'm {agent} from Acme Fibre returning your "
                "call about the dropped connection.",
            ),
            ("CUSTOMER", False, "Oh great, thanks for calling back."),
            (
                "AGENT",
                False,
                "We replaced a faulty card at the exchange this morning. Has it been stable since?",
            ),
            ("CUSTOMER", False, "Yes, no drops today."),
            ("AGENT", True, "Callback completed; closing ticket {ref}."),
        ],
    ),
    (
        False,
        [
            (
                "CUSTOMER",
                False,
                "Hi, I'm moving house next month and want to take my broadband with me.",
            ),
            ("AGENT", False, "Congratulations! What's the new address and the move date?"),
            ("CUSTOMER", False, "The 14th, to 7 Elm Road."),
            (
                "AGENT",
                False,
                "Fibre is available there. I've scheduled the switch-over for the "
                "14th, order {ref}.",
            ),
            ("SUPERVISOR", True, "QA sample: good discovery and clear next steps. Score 92."),
        ],
    ),
]


def _tone(
    freq: float,
    seconds: float,
    volume: float = 0.35,
    freq2: float | None = None,
    sweep_to: float | None = None,
) -> array:
    """Samples of a sine (or a dual tone, or a linear sweep) with 10 ms fades."""
    n = int(seconds * SAMPLE_RATE)
    fade = max(1, int(0.01 * SAMPLE_RATE))
    out = array("h")
    phase = 0.0
    for i in range(n):
        f = freq if sweep_to is None else freq + (sweep_to - freq) * i / n
        phase += 2 * math.pi * f / SAMPLE_RATE
        value = math.sin(phase)
        if freq2 is not None:
            value = 0.5 * (value + math.sin(2 * math.pi * freq2 * i / SAMPLE_RATE))
        envelope = min(1.0, i / fade, (n - i) / fade)
        out.append(int(32767 * volume * envelope * value))
    return out


def _silence(seconds: float) -> array:
    return array("h", bytes(2 * int(seconds * SAMPLE_RATE)))


def _voice(rng: random.Random, base: float, seconds: float) -> array:
    """A syllable-like warble around ``base`` Hz: short tones that glide in pitch."""
    out = array("h")
    remaining = seconds
    while remaining > 0.05:
        length = min(remaining, rng.uniform(0.12, 0.28))
        start = base * rng.uniform(0.85, 1.2)
        out += _tone(start, length, rng.uniform(0.2, 0.4), sweep_to=start * rng.uniform(0.8, 1.25))
        gap = min(remaining - length, rng.uniform(0.02, 0.08))
        out += _silence(max(gap, 0))
        remaining -= length + max(gap, 0)
    return out


RINGBACK_SECONDS = 0.6
CLOSING_SECONDS = 0.25


def _per_turn(turns: int, seconds: float) -> float:
    return max(0.3, (max(seconds, 3.0) - RINGBACK_SECONDS - CLOSING_SECONDS - 0.1) / max(1, turns))


def turn_times(turns: int, seconds: float) -> list[tuple[int, int]]:
    """When each turn of ``make_recording`` is heard: (start, end) in ms from its start."""
    per_turn = _per_turn(turns, seconds)
    return [
        (
            round(1000 * (RINGBACK_SECONDS + i * per_turn)),
            round(1000 * (RINGBACK_SECONDS + i * per_turn + per_turn * 0.85)),
        )
        for i in range(turns)
    ]


def make_recording(rng: random.Random, turns: list[str], seconds: float) -> bytes:
    """A WAV of about ``seconds`` (never under 3 s): ringback, the turns, a closing beep."""
    seconds = max(seconds, 3.0)
    samples = _tone(440, 0.4, 0.3, freq2=480) + _silence(0.2)
    closing = _tone(1000, CLOSING_SECONDS, 0.3)
    per_turn = _per_turn(len(turns), seconds)
    for role in turns:
        base = {"CUSTOMER": 180.0, "BOT": 330.0, "SUPERVISOR": 250.0}.get(role, 220.0)
        samples += _voice(rng, base, per_turn * 0.85) + _silence(per_turn * 0.15)
    target = int(seconds * SAMPLE_RATE) - len(closing)
    if len(samples) < target:
        samples += _silence((target - len(samples)) / SAMPLE_RATE)
    samples += closing
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def demo_call_number(index: int) -> str:
    return f"DEMO-{index:04d}"


def demo_call(index: int) -> dict[str, Any]:
    """The values, messages, recording and age of demo call ``index`` (1-based); stable."""
    rng = random.Random(f"callbook-demo-{index}")
    left_message, script = SCENARIOS[(index - 1) % len(SCENARIOS)]
    customer = CUSTOMERS[(index - 1) % len(CUSTOMERS)]
    agent, agent_id = AGENTS[index % len(AGENTS)]
    supervisor, supervisor_id = SUPERVISORS[index % len(SUPERVISORS)]
    customer_id = f"300100{700000 + index}"
    ref = f"{rng.choice('ABCDEFGH')}{rng.randint(100000, 999999)}"
    people = {
        "AGENT": (agent, agent_id),
        "SUPERVISOR": (supervisor, supervisor_id),
        "BOT": BOT,
        "CUSTOMER": (customer, customer_id),
    }
    messages: list[dict[str, Any]] = []
    for role, internal, text in script:
        name, party_id = people[role]
        messages.append(
            {
                "role_cd": role,
                "posted_by_display_name": name,
                "posted_by_party_id": party_id,
                "message_type_cd": "TEXT",
                "visibility_cd": TranscriptMessage.INTERNAL if internal else None,
                "message_content": text.format(
                    customer=customer, agent=agent, supervisor=supervisor, ref=ref
                ),
                "message_number": f"{demo_call_number(index)}-M{len(messages) + 1:02d}",
            }
        )
    system = SYSTEMS[index % len(SYSTEMS)]
    external_id = uuid.uuid5(uuid.NAMESPACE_URL, f"callbook-demo/{index}")
    values = {
        "call_number": demo_call_number(index),
        "phone_number": f"+1415555{100 + index:04d}",
        "interaction_id": 300100900000 + index,
        "external_system_call_id": f"{system}-{external_id}",
        "left_message_flag": left_message,
        # Two calls are flagged deleted: a test call and a duplicate push.
        "deleted_flag": index in (11, 20),
        "recording_format": "audio/wav",
    }
    # Somewhere in the last 30 days, in office hours: busy days and quiet ones.
    age = timedelta(days=rng.randint(0, DAYS - 1))
    hour = rng.randint(8, 17)
    seconds = 3.0 + 0.6 * len(messages) + rng.uniform(0, 1.5)
    turns = [m["role_cd"] for m in messages]
    # Each message's start and end in the recording (calls.timing), as a speech-to-text
    # system would send them.
    for message, (start, end) in zip(messages, turn_times(len(turns), seconds), strict=True):
        message["custom"] = {timing.message_start_name(): start, timing.message_end_name(): end}
    return {
        "values": values,
        "messages": messages,
        "recording": make_recording(rng, turns, seconds),
        "age": age,
        "clock": (hour, rng.randint(0, 59), rng.randint(0, 59)),
    }


class Command(BaseCommand):
    help = "Create the demo calls (DEMO-0001 …) with transcripts and WAV recordings, once."

    def handle(self, *args: Any, **options: Any) -> None:
        numbers = [demo_call_number(i) for i in range(1, DEMO_COUNT + 1)]
        existing = set(
            PhoneCall.objects.filter(call_number__in=numbers).values_list("call_number", flat=True)
        )
        today = timezone.now()
        created = 0
        for index, number in enumerate(numbers, start=1):
            if number in existing:
                continue
            demo = demo_call(index)
            hour, minute, second = demo["clock"]
            started = (today - demo["age"]).replace(
                hour=hour, minute=minute, second=second, microsecond=0
            )
            started = min(started, today - timedelta(minutes=10))
            # When the call started (calls.timing): the list's time, as a CTI would send it.
            start = {timing.call_start_name(): timing.stored_time(started)}
            try:
                written = phone_call_create(
                    actor=ACTOR,
                    values={**demo["values"], "custom": start},
                    messages=demo["messages"],
                    recording=demo["recording"],
                )
            except DuplicateNumber:
                continue  # Another run created it meanwhile.
            self._backdate(written, started)
            created += 1
        self.stdout.write(
            f"Demo data: created {created} call(s); "
            f"{len(existing)} of {DEMO_COUNT} were already present."
        )

    @staticmethod
    def _backdate(written: Written, started: datetime) -> None:
        # Demo history: the services stamp "now"; the per-day views need a spread of days.
        # The history rows the create wrote are backdated alike: otherwise the call's first
        # edit would show its creation date moving, and its history would start "now".
        with transaction.atomic():
            ended = started + timedelta(minutes=4)
            PhoneCall.objects.filter(pk=written.call.pk).update(
                creation_date=started, call_time=started, last_update_date=ended
            )
            PhoneCall.history.filter(id=written.call.pk).update(
                creation_date=started, last_update_date=ended, history_date=started
            )
            for offset, message in enumerate(written.messages):
                stamp = started + timedelta(seconds=20 * offset)
                TranscriptMessage.objects.filter(pk=message.pk).update(
                    creation_date=stamp, last_update_date=stamp
                )
                # Still one write with the call: the same history date as its row.
                TranscriptMessage.history.filter(id=message.pk).update(
                    creation_date=stamp, last_update_date=stamp, history_date=started
                )
