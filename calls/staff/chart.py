"""The calls-per-day chart of the staff list, as plain geometry for an SVG template.

Drawn on the server: no JavaScript, no chart library. Coordinates are in the SVG's own
viewBox units; CSS scales the drawing to the page width.
"""

import datetime
from dataclasses import dataclass

WIDTH = 960
HEIGHT = 170
PAD_LEFT = 38
PAD_RIGHT = 6
PAD_TOP = 10
PAD_BOTTOM = 22


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    count: int
    x: float
    y: float
    width: float
    height: float
    at_least: bool = False  # the count is a lower bound: "more than"


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class DayLabel:
    text: str
    x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[DayLabel]
    total: int
    peak: int
    first: datetime.date
    last: datetime.date
    baseline: float
    left: float
    right: float
    at_least: bool = False  # the last day's count, and so the total, are lower bounds


def _axis_top(peak: int) -> int:
    """Four equal, whole, round steps (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ) up to ``peak``."""
    magnitude = 1
    while True:
        for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            step = magnitude * factor
            if step == int(step) and step * 4 >= peak:
                return int(step) * 4
        magnitude *= 10


def calls_chart(series: list[tuple[datetime.date, int]], *, last_at_least: bool = False) -> Chart:
    """The chart of ``series``; ``last_at_least``: the last day was counted only up to its
    value (a searched list's today), so it and the total read "more than"."""
    plot_width = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_height = HEIGHT - PAD_TOP - PAD_BOTTOM
    baseline = PAD_TOP + plot_height
    peak = max((n for _, n in series), default=0)
    top = _axis_top(peak)
    slot = plot_width / max(len(series), 1)
    bar_width = max(slot * 0.72, 1)
    bars = []
    for i, (day, count) in enumerate(series):
        height = plot_height * count / top
        if count and height < 1.5:
            height = 1.5  # a day with calls stays visible next to a busy day
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(PAD_LEFT + i * slot + (slot - bar_width) / 2, 2),
                y=round(baseline - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                at_least=last_at_least and i == len(series) - 1,
            )
        )
    ticks = [Tick(value=top * k // 4, y=round(baseline - plot_height * k / 4, 2)) for k in range(5)]
    labels = [
        DayLabel(text=f"{day:%b} {day.day}", x=round(PAD_LEFT + i * slot + slot / 2, 2))
        for i, (day, _) in enumerate(series)
        if (len(series) - 1 - i) % 7 == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        labels=labels,
        total=sum(n for _, n in series),
        peak=peak,
        first=series[0][0] if series else datetime.date.today(),
        last=series[-1][0] if series else datetime.date.today(),
        baseline=baseline,
        left=PAD_LEFT,
        right=WIDTH - PAD_RIGHT,
        at_least=last_at_least and bool(series),
    )
