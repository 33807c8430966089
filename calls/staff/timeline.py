"""Who spoke when: the call page's speaker timeline, as plain geometry for an SVG template.

Drawn on the server like the list's chart (``chart.py``): no JavaScript draws it, no chart
library. One lane per participant (agents first, then customers, then the others, each in
the order they first spoke; past ``MAX_LANES`` the rest share an "Others" lane), a
segment for each stretch a participant spoke (messages with a start and an end,
``calls.timing``), and a band where two or more spoke at once. Segments closer than
``MERGE_UNITS`` of the drawing are drawn as one, so a 5,000-message call draws at most
a few hundred shapes a lane, each a link to its moment (``#t=``). The figures (talk time
and share per participant, the longest silence between speech, overlapping speech) are
computed from the messages' own times, not from the drawing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import timing
from .transcript import UNKNOWN_SPEAKER, role_class

# Sized for the player's card (about 440 px wide on a laptop), where 12 px text stays 12 px.
WIDTH = 480
PAD_LEFT = 104
PAD_RIGHT = 14
LANE_HEIGHT = 18
LANE_GAP = 6
AXIS_HEIGHT = 18
OVERLAP_HEIGHT = 6
MAX_LANES = 6
# Segments of one lane nearer than this (viewBox units) are drawn as one shape.
MERGE_UNITS = 1.5
_ROLE_ORDER = {"agent": 0, "customer": 1}
_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    x: float
    width: float
    label: str  # "01:23–01:30", for the link's accessible name

    @property
    def seconds(self) -> str:
        """The ``#t=`` value of the segment's start."""
        return f"{self.start_ms / 1000:g}"


@dataclass(frozen=True)
class Lane:
    name: str
    kind: str  # agent, customer, supervisor, bot, other (the transcript's CSS modifiers)
    y: float
    segments: list[Segment]
    talk_ms: int
    share: float  # of all talk time, 0..1
    turns: int  # messages


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: float
    right: float
    duration_ms: int
    lanes: list[Lane]
    overlaps: list[Segment]
    overlap_y: float
    overlap_ms: int
    ticks: list[Tick]
    axis_y: float
    silence_ms: int  # the longest stretch between speech in which nobody spoke
    silence_at_ms: int | None

    @property
    def plot_width(self) -> float:
        return self.right - self.left


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _overlaps(per_lane: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Where two or more lanes speak at once (each lane's own overlaps do not count)."""
    events: list[tuple[int, int]] = []
    for intervals in per_lane:
        for start, end in _union(intervals):
            if end > start:
                events += [(start, 1), (end, -1)]
    events.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same moment
    found: list[tuple[int, int]] = []
    active = 0
    opened = 0
    for moment, delta in events:
        if delta > 0:
            active += 1
            if active == 2:
                opened = moment
        else:
            if active == 2 and moment > opened:
                found.append((opened, moment))
            active -= 1
    return found


def _label(start_ms: int, end_ms: int) -> str:
    return f"{timing.clock(start_ms)}–{timing.clock(end_ms)}"


def _drawn(intervals: list[tuple[int, int]], scale: float, left: float) -> list[Segment]:
    """The intervals as shapes: neighbours nearer than MERGE_UNITS become one."""
    shapes: list[list[int]] = []
    for start, end in _union(intervals):
        if shapes and (start - shapes[-1][1]) * scale < MERGE_UNITS:
            shapes[-1][1] = max(shapes[-1][1], end)
        else:
            shapes.append([start, end])
    return [
        Segment(
            start,
            end,
            round(left + start * scale, 2),
            round(max((end - start) * scale, 1.0), 2),
            _label(start, end),
        )
        for start, end in shapes
    ]


def _ticks(duration_ms: int, scale: float, left: float) -> list[Tick]:
    seconds = duration_ms / 1000
    step = next((s for s in _STEPS_S if seconds / s <= 5), _STEPS_S[-1])
    return [
        Tick(round(left + t * 1000 * scale, 2), timing.clock(t * 1000))
        for t in range(0, int(seconds) + 1, step)
    ]


def speaker_timeline(rows: Iterable[Any], duration_ms: int | None) -> Timeline | None:
    """The timeline of the transcript's rows (``transcript.FIELDS``), or None when no
    message has both a start and an end. ``duration_ms``: the recording's, when known (the
    scale then covers it; a time past it widens the scale rather than leave the drawing)."""
    speakers: dict[str, tuple[str, int, list[tuple[int, int]]]] = {}
    order = 0
    for _, _, name, role, _, _, custom in rows:
        start, end = timing.offsets(custom)
        if start is None or end is None:
            continue
        who = name or UNKNOWN_SPEAKER
        if who not in speakers:
            speakers[who] = (role_class(role), order, [])
            order += 1
        speakers[who][2].append((start, end))
    if not speakers:
        return None
    ranked = sorted(speakers.items(), key=lambda s: (_ROLE_ORDER.get(s[1][0], 2), s[1][1]))
    if len(ranked) > MAX_LANES:
        kept, rest = ranked[: MAX_LANES - 1], ranked[MAX_LANES - 1 :]
        others = [interval for _, (_, _, intervals) in rest for interval in intervals]
        ranked = [*kept, (f"Others ({len(rest)})", ("other", 0, others))]
    last = max(end for _, (_, _, intervals) in ranked for _, end in intervals)
    duration = max(duration_ms or 0, last, 1)
    right = WIDTH - PAD_RIGHT
    scale = (right - PAD_LEFT) / duration
    unions = [_union(intervals) for _, (_, _, intervals) in ranked]
    talk = [sum(end - start for start, end in union) for union in unions]
    total = sum(talk) or 1
    lanes = [
        Lane(
            name=name,
            kind=kind,
            y=i * (LANE_HEIGHT + LANE_GAP),
            segments=_drawn(intervals, scale, PAD_LEFT),
            talk_ms=talk[i],
            share=talk[i] / total,
            turns=len(intervals),
        )
        for i, (name, (kind, _, intervals)) in enumerate(ranked)
    ]
    overlap = _overlaps([intervals for _, (_, _, intervals) in ranked])
    overlap_y = len(lanes) * (LANE_HEIGHT + LANE_GAP)
    speech = _union([interval for union in unions for interval in union])
    silence, silence_at = 0, None
    for (_, end), (start, _) in zip(speech, speech[1:], strict=False):
        if start - end > silence:
            silence, silence_at = start - end, end
    axis_y = overlap_y + OVERLAP_HEIGHT + 6
    return Timeline(
        width=WIDTH,
        height=int(axis_y + AXIS_HEIGHT),
        left=PAD_LEFT,
        right=right,
        duration_ms=duration,
        lanes=lanes,
        overlaps=_drawn(overlap, scale, PAD_LEFT),
        overlap_y=overlap_y,
        overlap_ms=sum(end - start for start, end in overlap),
        ticks=_ticks(duration, scale, PAD_LEFT),
        axis_y=axis_y,
        silence_ms=silence,
        silence_at_ms=silence_at,
    )
