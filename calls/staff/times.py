"""Times for staff: every page and download shows them in the viewer's zone, with the offset.

The zone is ``CALLBOOK_DISPLAY_TIME_ZONE`` (an IANA name, UTC by default). One formatter
serves the list, the call page and the transcript download, so all three read the same.
"""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def display_zone() -> ZoneInfo:
    return _zone(settings.CALLBOOK_DISPLAY_TIME_ZONE)


def to_display(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(display_zone())


def format_offset(value: datetime.datetime) -> str:
    """``+01:00`` style; ``+05:45`` and negative offsets included."""
    offset = value.utcoffset() or datetime.timedelta(0)
    sign = "-" if offset < datetime.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_display(value: datetime.datetime | None) -> str:
    """``2025-03-04 14:05:09 +01:00`` in the display zone; empty for no value."""
    if value is None:
        return ""
    local = to_display(value)
    return f"{local:%Y-%m-%d %H:%M:%S} {format_offset(local)}"


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of a calendar day in the display zone (for date-range filters)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=display_zone())
