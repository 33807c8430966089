"""Calls in time: when a call happened, and when each of its messages was said.

Oracle's ``phoneCalls`` has no start time (it lives on the interaction) and its
``TranscriptMessage`` no time at all, so an Oracle tenant adds custom fields, and Callbook
does the same: three custom attributes, declared out of the box (``calls.declarations``)
and named by settings, carry the times.

- ``CALLBOOK_CALL_START_ATTRIBUTE`` (``CallStartTime_c``, a date-time of the call): when
  the call started. The services keep ``PhoneCall.call_time``, the call's time on the
  staff pages, as that value when there is one, else ``CreationDate``.
- ``CALLBOOK_MESSAGE_START_ATTRIBUTE`` / ``_END_ATTRIBUTE`` (``StartOffsetMs_c``,
  ``EndOffsetMs_c``; integers): milliseconds from the start of the recording. Every write
  keeps ``0 <= start <= end`` (either may be missing); a time beyond the recording's end
  is kept, and flagged on the call page.

Values are read with the type named here, whatever a declaration says (a declaration of
the same name with another type is refused: ``CustomAttribute.clean``).
"""

import datetime
from typing import Any, NamedTuple

from django.conf import settings

DATETIME = "datetime"
INTEGER = "integer"


def call_start_name() -> str:
    return settings.CALLBOOK_CALL_START_ATTRIBUTE


def message_start_name() -> str:
    return settings.CALLBOOK_MESSAGE_START_ATTRIBUTE


def message_end_name() -> str:
    return settings.CALLBOOK_MESSAGE_END_ATTRIBUTE


def required_types() -> dict[tuple[str, str], str]:
    """(resource, name) → the type the timing attributes must be declared with."""
    from .models import CustomAttribute

    calls, messages = CustomAttribute.Resource.CALLS, CustomAttribute.Resource.MESSAGES
    return {
        (calls.value, call_start_name()): DATETIME,
        (messages.value, message_start_name()): INTEGER,
        (messages.value, message_end_name()): INTEGER,
    }


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def call_start(custom: dict[str, Any] | None) -> datetime.datetime | None:
    """The call's start from its custom values (canonical UTC text), or None."""
    value = (custom or {}).get(call_start_name())
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def stored_time(moment: datetime.datetime) -> str:
    """A date-time as custom attributes store it: UTC text with milliseconds."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def call_time(custom: dict[str, Any] | None, creation_date: datetime.datetime) -> datetime.datetime:
    """When the call happened: its start when it has one, else when it reached Callbook."""
    return call_start(custom) or creation_date


class Offsets(NamedTuple):
    """A message's start and end, in milliseconds from the start of the recording."""

    start: int | None
    end: int | None


def offsets(custom: dict[str, Any] | None) -> Offsets:
    values = custom or {}
    return Offsets(
        _integer(values.get(message_start_name())), _integer(values.get(message_end_name()))
    )


def message_time(
    call_start: datetime.datetime | None, start_ms: int | None, created: datetime.datetime
) -> datetime.datetime:
    """When a message was said: the call's start plus its offset when both are known, else
    when it reached Callbook (a pushed transcript's messages all carry the push time)."""
    if call_start is not None and start_ms is not None:
        return call_start + datetime.timedelta(milliseconds=start_ms)
    return created


def names() -> frozenset[str]:
    """The names of the timing attributes (pages show their values as times, not marks)."""
    return frozenset((call_start_name(), message_start_name(), message_end_name()))


class TimingProblem(NamedTuple):
    """Which attribute is wrong, and why (in words for any dialect)."""

    name: str
    detail: str


def problem(custom: dict[str, Any] | None) -> TimingProblem | None:
    """What is wrong with a message's times (as stored after a write), or None."""
    start, end = offsets(custom)
    if start is not None and start < 0:
        return TimingProblem(message_start_name(), "must be 0 or more (milliseconds).")
    if end is not None and end < 0:
        return TimingProblem(message_end_name(), "must be 0 or more (milliseconds).")
    if start is not None and end is not None and end < start:
        return TimingProblem(
            message_end_name(), f"must not be before {message_start_name()} ({start})."
        )
    return None


def with_offsets(custom: dict[str, Any] | None, start: int | None, end: int | None) -> dict:
    """``custom`` with the message's start and end set (None removes one)."""
    result = dict(custom or {})
    for name, value in ((message_start_name(), start), (message_end_name(), end)):
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def clock(ms: int) -> str:
    """``01:23`` (``1:02:03`` past an hour): how a message's time reads on the page."""
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"
