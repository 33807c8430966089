"""The WebVTT download at /calls/<id>/transcript.vtt: valid WebVTT, cue identifiers the
MessageNumbers, times when known; with ``manage.py import_vtt`` it round-trips a
transcript's times exactly."""

import io
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from calls.models import PhoneCall, TranscriptMessage
from calls.transcript_vtt import read_cues
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

START, END = "StartOffsetMs_c", "EndOffsetMs_c"


def times(call: PhoneCall) -> dict[str, tuple[int | None, int | None]]:
    return {
        m.message_number: (m.custom.get(START), m.custom.get(END))
        for m in TranscriptMessage.objects.filter(call=call)
    }


def run(call_number: str, path) -> str:
    out = io.StringIO()
    call_command("import_vtt", call_number, str(path), stdout=out)
    return out.getvalue()


def exported(client, call: PhoneCall) -> str:
    response = client.get(reverse("calls:transcript-vtt", kwargs={"call_id": call.id}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    return b"".join(response.streaming_content).decode()


def test_export_then_import_round_trips_the_times_of_200_messages_exactly(viewer_client, tmp_path):
    rng = random.Random(15)
    call = PhoneCallFactory(call_number="CN-VTT")
    clock = 0
    expected = {}
    for i in range(200):
        start = clock + rng.randrange(0, 3_000)
        end = start + rng.randrange(0, 9_000)
        clock = end
        number = f"MN-{i:03d}"
        TranscriptMessageFactory(call=call, message_number=number, custom={START: start, END: end})
        expected[number] = (start, end)
    assert clock > 3_600_000 / 4  # past the quarter hour; some past an hour would do too
    path = tmp_path / "call.vtt"
    path.write_text(exported(viewer_client, call), encoding="utf-8")
    TranscriptMessage.objects.filter(call=call).update(custom={})

    out = run("CN-VTT", path)

    assert out.strip() == "200 message(s) got new times."
    assert times(call) == expected


def test_an_export_is_valid_webvtt_with_message_numbers_and_speaker_lines(viewer_client):
    call = PhoneCallFactory(call_number="CN-1")
    TranscriptMessageFactory(
        call=call,
        message_number="MN-1",
        posted_by_display_name="Dana <Miller>",
        message_content="A & B\n\n\nsecond line --> arrow",
        custom={START: 3_723_004, END: 3_725_000},
    )
    TranscriptMessageFactory(
        call=call, message_number="MN-2", posted_by_display_name="Sam", message_content="Untimed"
    )
    TranscriptMessageFactory(
        call=call,
        message_number="MN-3",
        posted_by_display_name=None,
        message_content="No end",
        custom={START: 4_000_000},
    )

    text = exported(viewer_client, call)

    assert text.startswith("WEBVTT\n\nNOTE Call CN-1\n\n")
    assert (
        "MN-1\n01:02:03.004 --> 01:02:05.000\n"
        "Dana &lt;Miller&gt;: A &amp; B\nsecond line --&gt; arrow\n\n"
    ) in text
    assert "NOTE MN-2 (no time)\nSam: Untimed\n\n" in text  # no invented time
    assert "MN-3\n01:06:40.000 --> 01:06:40.000\nUnknown speaker: No end\n\n" in text
    cues = read_cues(text)
    assert [(c.identifier, c.start_ms, c.end_ms) for c in cues] == [
        ("MN-1", 3_723_004, 3_725_000),
        ("MN-3", 4_000_000, 4_000_000),
    ]


def test_the_export_costs_the_same_queries_for_any_transcript(
    viewer_client, django_assert_num_queries
):
    for size in (3, 300):
        call = PhoneCallFactory()
        for i in range(size):
            TranscriptMessageFactory(call=call, custom={START: i, END: i + 1})
        # session, user, permissions (2), the call, the access record, the messages
        with django_assert_num_queries(7):
            exported(viewer_client, call)
