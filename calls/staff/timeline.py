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

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import timing
from .transcript import UNKNOWN_SPEAKER, offsets, role_class

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
    label: str  # "01:23 to 01:30", for the link's accessible name

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
    """The intervals merged where they touch or overlap: disjoint, in order."""
    merged: list[tuple[int, int]] = []
    if not intervals:
        return merged
    # A transcript is mostly in order already: sort only when it is not.
    ordered = intervals
    if any(intervals[k][0] < intervals[k - 1][0] for k in range(1, len(intervals))):
        ordered = sorted(intervals)
    low, high = ordered[0]
    for start, end in ordered:
        if start <= high:
            if end > high:
                high = end
        else:
            merged.append((low, high))
            low, high = start, end
    merged.append((low, high))
    return merged


def _between_lanes(
    unions: list[list[tuple[int, int]]],
) -> tuple[list[tuple[int, int]], int, int | None]:
    """Overlapping speech and the longest silence, in one pass over every lane's union
    merged by start (``heapq.merge``: each union is ordered already).

    A lane's union is disjoint, so an interval that starts before the latest end seen so
    far overlaps another lane's speech, up to the nearer of the two ends; one that starts
    after it ends a silence. Returns the overlaps (merged), the longest silence and where
    it starts.
    """
    overlaps: list[tuple[int, int]] = []
    silence, silence_at = 0, None
    latest = None
    for start, end in heapq.merge(*unions):
        if latest is not None:
            if start < latest:
                stop = end if end < latest else latest
                if overlaps and start <= overlaps[-1][1]:
                    if stop > overlaps[-1][1]:
                        overlaps[-1] = (overlaps[-1][0], stop)
                else:
                    overlaps.append((start, stop))
            elif start - latest > silence:
                silence, silence_at = start - latest, latest
        if latest is None or end > latest:
            latest = end
    return overlaps, silence, silence_at


def _label(start_ms: int, end_ms: int) -> str:
    return f"{timing.clock(start_ms)} to {timing.clock(end_ms)}"


def _drawn(union: list[tuple[int, int]], scale: float, left: float) -> list[Segment]:
    """Disjoint, ordered intervals as shapes: neighbours nearer than MERGE_UNITS become one."""
    if not union:
        return []
    shapes: list[tuple[int, int]] = []
    gap = MERGE_UNITS / scale  # in ms
    low, high = union[0]
    for start, end in union:
        if start - high < gap:
            high = end if end > high else high
        else:
            shapes.append((low, high))
            low, high = start, end
    shapes.append((low, high))
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
    """The timeline of the transcript's rows (``transcript.Row``), or None when no
    message has both a start and an end. ``duration_ms``: the recording's, when known (the
    scale then covers it; a time past it widens the scale rather than leave the drawing)."""
    speakers: dict[str, tuple[str, int, list[tuple[int, int]]]] = {}
    order = 0
    for row in rows:
        start, end = offsets(row)
        if start is None or end is None:
            continue
        name, role = row[2], row[3]
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
    unions = [_union(intervals) for _, (_, _, intervals) in ranked]
    last = max(union[-1][1] for union in unions)
    duration = max(duration_ms or 0, last, 1)
    right = WIDTH - PAD_RIGHT
    scale = (right - PAD_LEFT) / duration
    talk = [sum(end - start for start, end in union) for union in unions]
    total = sum(talk) or 1
    lanes = [
        Lane(
            name=name,
            kind=kind,
            y=i * (LANE_HEIGHT + LANE_GAP),
            segments=_drawn(unions[i], scale, PAD_LEFT),
            talk_ms=talk[i],
            share=talk[i] / total,
            turns=len(intervals),
        )
        for i, (name, (kind, _, intervals)) in enumerate(ranked)
    ]
    overlap, silence, silence_at = _between_lanes(unions)
    overlap_y = len(lanes) * (LANE_HEIGHT + LANE_GAP)
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
