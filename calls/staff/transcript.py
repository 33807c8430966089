"""The transcript of the call page as HTML, rendered in one pass over plain rows.

A 5,000-message transcript is the size the page must handle. Through the template engine
each message costs a few dozen node renders; here it is one f-string whose every
integration-pushed value goes through ``html.escape(..., quote=True)``, the same escaping
Django's autoescape applies. This module is the escaping boundary: only the joined result,
built from escaped values and our own constant markup, is marked safe.
"""

import datetime
from collections.abc import Iterable
from html import escape
from typing import Any

from django.utils.safestring import SafeString

from .. import timing
from ..declarations import Declaration
from ..models import TranscriptMessage
from .custom_values import shown_values
from .times import display_zone, format_offset

ROLE_CLASSES = {
    "AGENT": "agent",
    "CUSTOMER": "customer",
    "CALLER": "customer",
    "CONTACT": "customer",
    "SUPERVISOR": "supervisor",
    "BOT": "bot",
    "IVR": "bot",
    "SYSTEM": "bot",
}
UNKNOWN_SPEAKER = "Unknown speaker"
FIELDS = (
    "id",
    "message_content",
    "posted_by_display_name",
    "role_cd",
    "visibility_cd",
    "creation_date",
)

# Every message's "copy link to this message" control (call.js copies /calls/<id>/#m<id>).
COPY_LINK = (
    '<button type="button" class="msg__copy" aria-label="Copy link to this message"></button>'
)

# A line timed past the end of the recording (kept, and said so).
BEYOND = ' <span class="badge badge--beyond">Timed after the recording&#8217;s end</span>'

# The columns of FIELDS, then the custom values (only when custom marks are shown), then
# the start and end offsets (``selectors.transcript_rows(..., times=True)``).
Row = tuple[Any, ...]


def offsets(row: Row) -> tuple[int | None, int | None]:
    """A row's start and end in ms (read as integers by the database)."""
    return row[-2], row[-1]


def role_class(role: str | None) -> str:
    """A CSS modifier from a fixed set, never the pushed text itself."""
    return ROLE_CLASSES.get((role or "").upper(), "other")


class _Clock:
    """``<time>`` markup for message times; offsets are formatted once per distinct offset."""

    def __init__(self) -> None:
        self.zone = display_zone()
        self.offsets: dict[datetime.timedelta | None, str] = {}

    def __call__(self, value: datetime.datetime | None) -> str:
        if value is None:
            return ""
        return self.local(value.astimezone(self.zone))

    def at(self, epoch: float) -> str:
        """The markup of a moment given in seconds since the epoch (a timed line's)."""
        return self.local(datetime.datetime.fromtimestamp(epoch, self.zone))

    def local(self, local: datetime.datetime) -> str:
        """The markup of a moment already in the display zone."""
        delta = local.utcoffset()
        offset = self.offsets.get(delta)
        if offset is None:
            offset = self.offsets[delta] = format_offset(local)
        clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        full = f"{local.year:04d}-{local.month:02d}-{local.day:02d} {clock} {offset}"
        return f'<time datetime="{local.isoformat()}" title="{full}">{clock}</time>'


def _custom_html(customs: tuple[Declaration, ...], stored: dict | None) -> str:
    """A message's custom values as ``Title: value`` marks (only those it has)."""
    marks = [
        f' <span class="msg__custom">{escape(one.title)}: {escape(one.text)}</span>'
        for one in shown_values(customs, stored)
        if one.text is not None
    ]
    return "".join(marks)


def _seek_html(start_ms: int, seekable: bool) -> str:
    """A timed line's time: a button that plays from just before it (call.js), or, with no
    recording to play, the time as text. Its name is the time itself: the markup of every
    line is paid for on a 5,000-line page, so nothing is said twice."""
    shown = timing.clock(start_ms)
    if not seekable:
        return f'<span class="msg__offset">{shown}</span> '
    return f'<button class="msg__seek">{shown}</button> '


def conversation_html(
    rows: Iterable[Row],
    customs: tuple[Declaration, ...] = (),
    *,
    call_start: datetime.datetime | None = None,
    duration_ms: int | None = None,
    seekable: bool = True,
) -> SafeString:
    """``rows``: ``Row``s; ``customs``: the declared message attributes shown as marks (not
    the times), whose values the rows then carry.

    A timed line (a start offset, ``calls.timing``) carries its start in ``data-start`` (ms)
    for the player, shows its offset as a seek button (no ``type``: the transcript is in no
    form), and is said at the
    call's start plus its offset when the call's start is known. A time past the end of
    the recording (``duration_ms``) is kept and flagged. ``seekable``: a recording plays
    on the page (else the time is text, not a button).
    """
    clock = _Clock()
    # A timed line is said at the call's start plus its offset: from the epoch, in one step.
    base = call_start.timestamp() if call_start is not None else None
    parts = []
    for row in rows:
        message_id, content, name, role, visibility, created = row[:6]
        start, end = offsets(row)
        internal = visibility == TranscriptMessage.INTERNAL
        classes = f"msg msg--{role_class(role)}" + (" msg--internal" if internal else "")
        badge = ' <span class="badge badge--internal">Internal</span>' if internal else ""
        if customs:
            badge += _custom_html(customs, row[6])
        if start is None:
            data = seek = ""
            said = clock(created)
        else:
            data = f' data-start="{start}"'
            seek = _seek_html(start, seekable)
            if duration_ms is not None and (end if end is not None else start) > duration_ms:
                classes += " msg--beyond"
                badge += BEYOND
            said = clock(created) if base is None else clock.at(base + start / 1000)
        parts.append(
            f'<li class="{classes}" id="m{int(message_id)}"{data}>'
            f'<div class="msg__meta">{seek}'
            f'<span class="msg__who">{escape(name or UNKNOWN_SPEAKER)}</span>'
            f' <span class="msg__role">{escape(role or "")}</span>{badge}'
            f' <span class="msg__time">{said}</span>'
            f"{COPY_LINK}</div>"
            f'<p class="msg__text">{escape(content or "")}</p></li>\n'
        )
    return SafeString("".join(parts))


def agents(rows: Iterable[Row]) -> list[str]:
    """The agents' display names in the order they first spoke (as the list shows them)."""
    names: dict[str, None] = {}
    for _, _, name, role, *_ in rows:
        if role == TranscriptMessage.AGENT and name:
            names.setdefault(name)
    return list(names)
