"""Search to the moment: for each call of a searched list page, the line that matched.

One query for the page: the first visible message of each listed call that matches the
search (per call, its messages in order up to the first match), with its speaker and a
snippet around the match. PostgreSQL matches as the list's search does (full text,
``websearch`` syntax) and cuts the snippet with ``ts_headline``; other databases match the
text as a substring, and the snippet is a window of words around the first occurrence.

``ts_headline`` returns the message's own text with markers around the matched words, not
HTML: the markers are control characters removed from the text first, and the result is
escaped here before the markers become ``<mark>`` elements. This module is that escaping
boundary.
"""

import re
from dataclasses import dataclass
from html import escape

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Replace
from django.utils.safestring import SafeString

from .. import timing
from ..models import PhoneCall, TranscriptMessage
from .selectors import SEARCH_MAX_LENGTH, visible_messages

START, STOP = "\x02", "\x03"
_MARKERS = re.compile(f"([{START}{STOP}])")
# The window of the substring match: about this many characters either side of it.
BEFORE, AFTER = 60, 110
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    """The matching line of a listed call: which message, who said it, and the words."""

    message_id: int
    speaker: str | None
    role: str | None
    html: SafeString
    start_ms: int | None = None  # when the line starts in the recording (calls.timing)

    @property
    def anchor(self) -> str:
        """The call page's fragment for the line: ``m<id>``, with its time when known."""
        if self.start_ms is None:
            return f"m{self.message_id}"
        return f"m{self.message_id}&t={round(self.start_ms / 1000, 1):g}"


def marked_html(text: str) -> SafeString:
    """``text`` escaped, with START…STOP spans as ``<mark>`` (always balanced)."""
    parts, open_ = [], False
    for part in _MARKERS.split(text):
        if part == START:
            if not open_:
                parts.append("<mark>")
                open_ = True
        elif part == STOP:
            if open_:
                parts.append("</mark>")
                open_ = False
        else:
            parts.append(escape(part, quote=True))
    if open_:
        parts.append("</mark>")
    return SafeString("".join(parts))


def _window(content: str, text: str) -> str:
    """A window of ``content`` around the first case-insensitive occurrence of ``text``,
    cut at spaces, with the occurrence between markers."""
    start = content.casefold().find(text.casefold())
    if start < 0 or len(content.casefold()) != len(content):
        # Case folding changed the length (ß → ss): no reliable offset, show the start.
        start, length = 0, 0
    else:
        length = len(text)
    left = max(0, start - BEFORE)
    if left:
        space = content.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    right = min(len(content), start + length + AFTER)
    if right < len(content):
        space = content.rfind(" ", start + length, right)
        right = space if space >= 0 else right
    middle = content[start : start + length]
    return (
        (ELLIPSIS if left else "")
        + content[left:start]
        + (f"{START}{middle}{STOP}" if length else "")
        + content[start + length : right]
        + (ELLIPSIS if right < len(content) else "")
    )


def _without_markers(field: str) -> Replace:
    def nothing(marker: str) -> tuple[Value, Value]:
        return Value(marker, output_field=TextField()), Value("", output_field=TextField())

    return Replace(Replace(field, *nothing(START)), *nothing(STOP))


def search_snippets(
    call_ids: list[int], text: str, *, include_internal: bool
) -> dict[int, Snippet]:
    """The first matching message of each call in ``call_ids``, as a ``Snippet`` per call.

    ``include_internal``: whether internal notes may be the matching line (only for staff
    who may read them).
    """
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not call_ids or not text:
        return {}
    matching: QuerySet[TranscriptMessage] = visible_messages()
    if not include_internal:
        matching = matching.exclude(visibility_cd=TranscriptMessage.INTERNAL)
    postgres = connection.vendor == "postgresql"
    if postgres:
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector

        query = SearchQuery(text, config="english", search_type="websearch")
        matching = matching.annotate(
            document=SearchVector("message_content", config="english")
        ).filter(document=query)
    else:
        matching = matching.filter(message_content__icontains=text)
    # Per call, its first match: the call's messages in order (message_call_order_idx),
    # stopping at the first that matches. (A MIN over all matches would parse every message
    # of the page's calls, 2,000-message transcripts included: 100 ms at 20,000 calls.)
    first = (
        PhoneCall.objects.filter(id__in=call_ids)
        .annotate(
            first=Subquery(matching.filter(call_id=OuterRef("pk")).order_by("id").values("id")[:1])
        )
        .values("first")
    )
    rows = TranscriptMessage.objects.filter(id__in=first)
    if postgres:
        rows = rows.annotate(
            snippet=SearchHeadline(
                _without_markers("message_content"),
                query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=24,
                min_words=12,
                max_fragments=1,
                fragment_delimiter=ELLIPSIS,
            )
        )
    else:
        rows = rows.annotate(snippet=Value("", output_field=TextField()))
    snippets = {}
    for message_id, call_id, speaker, role, content, custom, snippet in rows.values_list(
        "id",
        "call_id",
        "posted_by_display_name",
        "role_cd",
        "message_content",
        "custom",
        "snippet",
    ):
        content = _MARKERS.sub("", content or "")
        if postgres:
            plain = _MARKERS.sub("", snippet or "")
            if plain and not content.startswith(plain):
                snippet = ELLIPSIS + snippet
            if plain and not content.endswith(plain):
                snippet += ELLIPSIS
        else:
            snippet = _window(content, text)
        start = timing.offsets(custom).start
        snippets[call_id] = Snippet(message_id, speaker, role, marked_html(snippet), start)
    return snippets
