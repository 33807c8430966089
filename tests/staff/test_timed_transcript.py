"""The call page's timed lines: each carries its offsets for the player, shows its time as a
button that seeks there, and is flagged when timed past the recording's end; a timed
transcript costs no more queries than an untimed one."""

import re

import pytest
from django.urls import reverse

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, wav_bytes

pytestmark = pytest.mark.django_db

START, END = "StartOffsetMs_c", "EndOffsetMs_c"


def detail(call: PhoneCall) -> str:
    return reverse("calls:detail", kwargs={"call_id": call.id})


def line(html: str, message: TranscriptMessage) -> str:
    match = re.search(rf'<li [^>]*id="m{message.id}"[^>]*>.*?</li>', html, re.S)
    assert match, f"no line for message {message.id}"
    return match.group(0)


def recorded(seconds: float = 5.0) -> PhoneCall:
    """A call with a WAV recording stored, as the API stores one (its duration measured)."""
    return services.phone_call_create(
        actor=services.Actor("cti"),
        values={"interaction_id": 1, "recording_format": "audio/wav"},
        recording=wav_bytes(seconds=seconds),
    ).call


def test_a_timed_line_carries_its_offsets_and_a_button_with_its_time(viewer_client):
    call = recorded()
    PhoneCall.objects.filter(pk=call.pk).update(recording_duration_ms=4_000_000)  # a long call
    timed = TranscriptMessageFactory(call=call, custom={START: 83_400, END: 86_000})
    open_ended = TranscriptMessageFactory(call=call, custom={START: 3_725_000})
    untimed = TranscriptMessageFactory(call=call)

    html = viewer_client.get(detail(call)).content.decode()

    first = line(html, timed)
    assert f'<li class="msg msg--agent" id="m{timed.id}" data-start="83400">' in first
    assert '<button class="msg__seek">01:23</button>' in first
    assert ">1:02:05</button>" in line(html, open_ended)
    plain = line(html, untimed)
    assert "data-start" not in plain and "msg__seek" not in plain
    # The times are not shown again as custom marks.
    assert "msg__custom" not in html and "Start (ms)" not in html
    assert 'id="follow-along"' in html and 'id="copy-moment"' in html


def test_without_a_recording_to_play_a_lines_time_is_text(viewer_client):
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, custom={START: 83_400, END: 86_000})

    html = viewer_client.get(detail(call)).content.decode()

    assert '<span class="msg__offset">01:23</span>' in line(html, message)
    assert "msg__seek" not in html and 'id="follow-along"' not in html


def test_a_line_timed_past_the_recordings_end_is_kept_and_flagged(viewer_client):
    call = recorded(seconds=2)
    inside = TranscriptMessageFactory(call=call, custom={START: 0, END: 2_000})
    beyond = TranscriptMessageFactory(call=call, custom={START: 1_500, END: 2_400})

    html = viewer_client.get(detail(call)).content.decode()

    assert "msg--beyond" not in line(html, inside)
    assert "msg--beyond" in line(html, beyond)
    assert "Timed after the recording&#8217;s end" in line(html, beyond)


def _timed_call(count: int, *, timed: bool) -> PhoneCall:
    call = recorded()
    PhoneCall.objects.filter(pk=call.pk).update(recording_duration_ms=count * 1_000)
    TranscriptMessage.objects.bulk_create(
        TranscriptMessageFactory.build(
            call=call,
            message_number=f"T{call.pk}-{i}",
            custom={START: i * 1_000, END: i * 1_000 + 800} if timed else {},
        )
        for i in range(count)
    )
    return call


def test_a_2000_message_timed_transcript_costs_what_an_untimed_one_costs(
    viewer_client, django_assert_num_queries
):
    untimed = _timed_call(2_000, timed=False)
    timed = _timed_call(2_000, timed=True)
    viewer_client.get(detail(untimed))
    # 1 session, 2 user, 3-4 permissions, 5 the call, 6 the transcript's rows (the times
    # are a column of them), 7 the access record (the calls have no phone number: no
    # caller history)
    for call in (untimed, timed):
        with django_assert_num_queries(7):
            response = viewer_client.get(detail(call))
        assert response.content.decode().count('<li class="msg ') == 2_000
    assert response.content.decode().count('class="msg__seek"') == 2_000


def test_the_lists_link_to_a_matching_line_carries_its_time(viewer_client):
    timed = PhoneCallFactory()
    line = TranscriptMessageFactory(
        call=timed, message_content="my refund please", custom={START: 83_400, END: 85_000}
    )
    untimed = PhoneCallFactory()
    plain = TranscriptMessageFactory(call=untimed, message_content="another refund")

    html = viewer_client.get(reverse("calls:list"), {"q": "refund"}).content.decode()

    assert f"/calls/{timed.id}/?q=refund&amp;back=q%3Drefund#m{line.id}&amp;t=83.4" in html
    assert f'/calls/{untimed.id}/?q=refund&amp;back=q%3Drefund#m{plain.id}"' in html
