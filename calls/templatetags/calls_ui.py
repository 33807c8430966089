"""Template helpers of the staff pages: display times and safe outbound links."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from calls import timing
from calls.models import PhoneCall
from calls.staff import back
from calls.staff.external_links import web_url
from calls.staff.times import format_display, to_display

register = template.Library()


@register.filter
def display_time(value: datetime.datetime | None) -> SafeString | str:
    """A ``<time>`` element in the viewer's zone with the offset (escaped by format_html)."""
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', to_display(value).isoformat(), format_display(value)
    )


@register.filter
def display_time_text(value: datetime.datetime | None) -> str:
    return format_display(value)


@register.simple_tag
def outbound_link(url: str | None, label: str = "") -> SafeString | str:
    """A link that leaves Callbook, only for http(s) URLs; anything else is shown as text."""
    safe = web_url(url)
    if safe is None:
        if not url:
            return ""
        return format_html('<span class="muted" title="Not a web address">{}</span>', url)
    return format_html(
        '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', safe, label or safe
    )


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]``, or None: a template's way to read a dict by a variable key."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def thousands(value: Any) -> Any:
    """``12345`` as ``12,345``; whatever the template passes that is no integer, unchanged."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def playable_recording(call: PhoneCall) -> bool:
    """A stored recording, or an external one at an http(s) address."""
    return bool(call.recording) or web_url(call.recording_url) is not None


@register.simple_tag
def display_zone_name() -> str:
    return settings.CALLBOOK_DISPLAY_TIME_ZONE


def duration_text(milliseconds: int | None) -> str:
    """``65000`` as ``1:05``, an hour and more as ``1:02:05``; unknown as an empty string."""
    if milliseconds is None:
        return ""
    seconds = round(milliseconds / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def duration(milliseconds: int | None) -> SafeString | str:
    """A ``<time>`` element with the ISO 8601 duration (what screen readers and machines read)
    and ``m:ss`` as its text; an unknown duration is a dash that says so."""
    if milliseconds is None:
        return format_html('<span class="muted" title="{0}" aria-label="{0}">—</span>', "Unknown")
    seconds = round(milliseconds / 1000)
    return format_html('<time datetime="PT{}S">{}</time>', seconds, duration_text(milliseconds))


@register.filter
def clock(milliseconds: int | None) -> str:
    """An offset into the recording as the call page writes it: ``01:23``, ``1:02:03``."""
    return "" if milliseconds is None else timing.clock(milliseconds)


@register.filter
def span(milliseconds: int) -> str:
    """How long something lasted: ``4.2 s`` under a minute, else ``m:ss`` (``1:02:03``)."""
    if milliseconds < 60_000:
        return f"{milliseconds / 1000:.1f} s"
    return duration_text(milliseconds)


@register.filter
def percent(share: float) -> str:
    """A share from 0 to 1 as a whole percentage (``42 %``; ``<1 %`` for a sliver)."""
    value = round(share * 100)
    return "<1 %" if share > 0 and value == 0 else f"{value} %"


@register.simple_tag(takes_context=True)
def list_state(context: template.Context) -> str:
    """The list's search, filters, sort and page (``calls.staff.back``), for its row links."""
    request = context.get("request")
    return back.list_state(request.GET) if request is not None else ""


@register.simple_tag
def call_link(call_id: int, state: str = "", snippet: Any = None, searched: str = "") -> str:
    """A call page's address from the list: ``back=`` the list's state, and for a row found
    by words said ``q=`` the terms and ``#`` the matching line (``snippet.anchor``)."""
    url = reverse("calls:detail", kwargs={"call_id": call_id})
    pairs = [("q", searched if snippet else ""), ("back", state)]
    query = urlencode([(key, value) for key, value in pairs if value])
    return url + (f"?{query}" if query else "") + (f"#{snippet.anchor}" if snippet else "")
