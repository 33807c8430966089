"""Who spoke when: the speaker timeline's lanes, segments and figures (calls/staff/timeline.py)
and its SVG on the call page."""

import pytest
from django.urls import reverse

from calls.staff import timeline
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

START, END = "StartOffsetMs_c", "EndOffsetMs_c"


def row(name, role, start=None, end=None):
    """A transcript row as the call page reads it: the columns, then the start and end."""
    return (1, "words", name, role, "EXTERNAL", None, start, end)


def test_one_lane_per_participant_agents_first_with_talk_time_and_share():
    drawn = timeline.speaker_timeline(
        [
            row("Dana", "CUSTOMER", 0, 3_000),
            row("Bot", "IVR", 3_000, 4_000),
            row("Sam", "AGENT", 5_000, 11_000),
            row("Dana", "CUSTOMER", 12_000, 13_000),
            row("Sam", "AGENT", 20_000),  # no end: not drawn, not counted
            row("Lee", "AGENT"),  # untimed
        ],
        duration_ms=20_000,
    )

    assert [(lane.name, lane.kind) for lane in drawn.lanes] == [
        ("Sam", "agent"),
        ("Dana", "customer"),
        ("Bot", "bot"),
    ]
    assert [lane.talk_ms for lane in drawn.lanes] == [6_000, 4_000, 1_000]
    assert [round(lane.share, 3) for lane in drawn.lanes] == [0.545, 0.364, 0.091]
    sam = drawn.lanes[0].segments
    assert [(s.start_ms, s.end_ms, s.seconds, s.label) for s in sam] == [
        (5_000, 11_000, "5", "00:05 to 00:11")
    ]
    scale = (timeline.WIDTH - timeline.PAD_RIGHT - timeline.PAD_LEFT) / 20_000
    assert sam[0].x == round(timeline.PAD_LEFT + 5_000 * scale, 2)
    assert sam[0].width == round(6_000 * scale, 2)
    # Between speech: 4–5 s and 11–12 s; the longest is the first found of the longest.
    assert (drawn.silence_ms, drawn.silence_at_ms) == (1_000, 4_000)
    assert drawn.overlaps == [] and drawn.overlap_ms == 0


def test_overlapping_speech_is_found_between_lanes_not_within_one():
    drawn = timeline.speaker_timeline(
        [
            row("Sam", "AGENT", 0, 10_000),
            row("Sam", "AGENT", 2_000, 4_000),  # Sam over himself: no overlap
            row("Dana", "CUSTOMER", 8_000, 12_000),
            row("Lee", "SUPERVISOR", 9_000, 15_000),
        ],
        duration_ms=None,
    )

    assert [(s.start_ms, s.end_ms) for s in drawn.overlaps] == [(8_000, 12_000)]
    assert drawn.overlap_ms == 4_000
    assert drawn.duration_ms == 15_000  # no recording: the last end
    assert drawn.silence_ms == 0


def test_segments_closer_than_the_drawing_shows_are_one_shape():
    rows = [row("Sam", "AGENT", i * 1_000, i * 1_000 + 990) for i in range(5_000)]

    drawn = timeline.speaker_timeline(rows, duration_ms=5_000_000)

    (lane,) = drawn.lanes
    assert len(lane.segments) < 400  # a few hundred shapes, not 5,000
    assert lane.talk_ms == 5_000 * 990  # the figures come from the times, not the drawing
    assert lane.turns == 5_000


def test_many_participants_share_an_others_lane():
    rows = [row(f"Person {i}", "CUSTOMER", i * 1_000, i * 1_000 + 500) for i in range(9)]

    drawn = timeline.speaker_timeline(rows, duration_ms=None)

    assert len(drawn.lanes) == timeline.MAX_LANES
    assert drawn.lanes[-1].name == "Others (4)"
    assert drawn.lanes[-1].turns == 4


def test_without_start_and_end_there_is_no_timeline():
    assert (
        timeline.speaker_timeline([row("Sam", "AGENT", 1_000), row("Dana", "CUSTOMER")], None)
        is None
    )


@pytest.mark.django_db
def test_the_call_page_draws_the_timeline_with_links_to_each_moment(viewer_client):
    call = PhoneCallFactory()
    TranscriptMessageFactory(
        call=call, posted_by_display_name='Sam <b>"O"</b>', custom={START: 1_500, END: 4_000}
    )
    TranscriptMessageFactory(call=call, role_cd="CUSTOMER", custom={START: 6_000, END: 9_000})

    html = viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id})).content.decode()

    assert '<svg class="timeline__svg" id="timeline"' in html
    assert 'href="#t=1.5" class="timeline__segment"' in html
    assert 'aria-label="Sam &lt;b&gt;&quot;O&quot;&lt;/b&gt; 00:01 to 00:04"' in html
    assert "<b>" not in html.split('id="timeline"')[1].split("</figure>")[0]
    assert "Longest silence 2.0 s" in html
    assert '<table class="timeline__table">' in html


@pytest.mark.django_db
def test_an_untimed_call_has_no_timeline(viewer_client):
    call = PhoneCallFactory(messages=3)
    html = viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id})).content.decode()
    assert "timeline" not in html
