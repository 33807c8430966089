"""When the staff chart's cached counts of finished days stop being true.

The chart (``calls.staff.selectors.calls_per_day``) counts today live and keeps the counts
of finished days, which change only when a call of such a day is written: deleted, purged,
changed (a flag that a filter reads) or imported over. The writers in ``calls.services``
call ``finished_days_changed`` then; it raises a generation number that is part of every
cache key of those counts, after the commit (a rolled-back write changed nothing).

The generation lives in Django's cache: the database cache in production, shared by every
app server; the per-process ``locmem`` cache is for one process only (README).
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

GENERATION_KEY = "calls-per-day:generation"


def generation() -> int:
    value = cache.get_or_set(GENERATION_KEY, 1, timeout=None)
    return int(value) if value is not None else 1


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set (or evicted): any new value makes new keys
        cache.set(GENERATION_KEY, generation() + 1, timeout=None)


def finished_days_changed() -> None:
    """The counts of finished days may have changed: forget them once this commits."""
    transaction.on_commit(_bump)


def is_before_today(moment: datetime.datetime | None) -> bool:
    """Whether ``moment`` is on a finished day, in the zone the chart counts days in."""
    if moment is None:
        return False
    zone = ZoneInfo(settings.CALLBOOK_DISPLAY_TIME_ZONE)
    today = timezone.now().astimezone(zone).date()
    return moment < datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
