"""The transcript on the call's change page: one page of messages at a time.

A contact centre's transcript runs to thousands of messages; as one inline it was a page of
tens of thousands of inputs that took seconds to draw and a save that Django refused
(``TooManyFieldsSent``). The inline shows ``PAGE_SIZE`` messages instead, chosen by the
URL's ``tpage`` (and ``tfind``: a message's position, its MessageNumber, or words of its
text), and a save posts only that page: its forms, plus at most ``NEW_PER_SAVE`` new ones.

The page is read from the URL on the GET and again on the POST (the change form posts to
its own URL, query string included), so the save applies to the page that was shown; the
call's version guard refuses the save if anybody changed the call meanwhile.
"""

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from ..models import PhoneCall, TranscriptMessage

PAGE_SIZE = 50
# New rows one save may add ("Add another" stops there): with PAGE_SIZE this bounds a
# save to about 900 posted fields whatever the transcript's length.
NEW_PER_SAVE = 50
FIND_MAX_LENGTH = 200
PAGE_PARAM = "tpage"
FIND_PARAM = "tfind"
_POSITION = re.compile(r"^#?\s*(\d{1,9})$")


@dataclass(frozen=True)
class TranscriptPage:
    """Which messages of a call the change page shows and edits.

    ``find`` is text to look for in the messages (empty: the whole transcript);
    ``total`` counts the messages shown in this mode (all, or the matches); ``number`` is
    the 1-based page, already clamped to the pages there are.
    """

    number: int
    total: int
    find: str = ""
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def stop(self) -> int:
        return min(self.total, self.start + self.size)

    @property
    def first_position(self) -> int:
        """The position (1-based) of the page's first message in the transcript."""
        return self.start + 1

    def query(self, number: int | None = None) -> str:
        """The query string of this view of the transcript at page ``number``."""
        params: dict[str, Any] = {}
        if self.find:
            params[FIND_PARAM] = self.find
        params[PAGE_PARAM] = self.number if number is None else number
        return "?" + urlencode(params)

    def links(self) -> list[dict[str, Any]]:
        """Page links: the first, the last, and two either side of this one."""
        wanted = {1, self.pages, *range(self.number - 2, self.number + 3)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        links: list[dict[str, Any]] = []
        previous = 0
        for n in shown:
            if n > previous + 1:
                links.append({"gap": True})
            links.append({"number": n, "query": self.query(n), "current": n == self.number})
            previous = n
        return links


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def find_text(request: HttpRequest) -> str:
    return (request.GET.get(FIND_PARAM) or "").strip()[:FIND_MAX_LENGTH]


def page_for(request: HttpRequest, call: PhoneCall | None) -> TranscriptPage:
    """The page the request asks for; a text search counts its matches (one query)."""
    find = find_text(request)
    if call is None or call.pk is None:
        return TranscriptPage(number=1, total=0)
    total: int
    if find:
        total = matching_messages(call, find).count()
    else:
        counted = getattr(call, "message_count", None)  # get_queryset()'s annotation
        total = counted if counted is not None else call.messages.count()
    page = TranscriptPage(number=1, total=total, find=find)
    return TranscriptPage(
        number=min(_page_number(request.GET.get(PAGE_PARAM)), page.pages),
        total=total,
        find=find,
    )


def matching_messages(call: PhoneCall, text: str) -> QuerySet[TranscriptMessage]:
    """Messages of ``call`` whose text contains ``text`` (any case), in transcript order.

    A substring, not the full-text search of the call list: an admin looking for the
    message to correct types what it says, stems and all.
    """
    return TranscriptMessage.objects.filter(call=call, message_content__icontains=text).order_by(
        "id"
    )


def position_of(call: PhoneCall, text: str) -> int | None:
    """The position that ``text`` names: ``#123``/``123``, or a MessageNumber of the call."""
    match = _POSITION.match(text)
    if match:
        position = int(match.group(1))
        total = getattr(call, "message_count", None)
        if total is None:
            total = call.messages.count()
        return position if 1 <= position <= total else None
    message_id = (
        TranscriptMessage.objects.filter(call=call, message_number=text)
        .values_list("id", flat=True)
        .first()
    )
    if message_id is None:
        return None
    return TranscriptMessage.objects.filter(call=call, id__lte=message_id).count()


def jump_query(position: int) -> str:
    """The query string and anchor of the page that shows the message at ``position``."""
    return f"?{PAGE_PARAM}={math.ceil(position / PAGE_SIZE)}#message-{position}"


def with_positions(queryset: QuerySet[TranscriptMessage]) -> QuerySet[TranscriptMessage]:
    """Each message with its position in the whole transcript (for the matches of a find).

    A correlated count per row, over ``message_call_order_idx``: a page of matches is at
    most ``PAGE_SIZE`` rows.
    """
    from django.db.models import Count, IntegerField, OuterRef, Subquery

    earlier = (
        TranscriptMessage.objects.filter(call=OuterRef("call"), id__lte=OuterRef("id"))
        .order_by()
        .values("call")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(position=Subquery(earlier, output_field=IntegerField()))


class TranscriptPageFormSet(BaseInlineFormSet):
    """The inline formset of one page of messages, each input named for its message.

    ``transcript_page`` is set on the class the inline builds per request.
    """

    transcript_page: TranscriptPage = TranscriptPage(number=1, total=0)

    def get_queryset(self) -> QuerySet[TranscriptMessage]:
        if not hasattr(self, "_queryset"):
            page = self.transcript_page
            assert self.queryset is not None  # BaseInlineFormSet.__init__ sets it
            queryset = self.queryset.order_by("id")
            if page.find:
                queryset = with_positions(queryset.filter(message_content__icontains=page.find))
            self._queryset = queryset[page.start : page.stop]
        return self._queryset

    def position(self, index: int, form: ModelForm) -> int | None:
        """The transcript position of the form at ``index``; None for a new message."""
        if index >= self.initial_form_count():
            return None
        found = getattr(form.instance, "position", None)
        return found if found is not None else self.transcript_page.first_position + index

    def _construct_form(self, i: int, **kwargs: Any) -> ModelForm:
        form: ModelForm = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # stubs
        position = self.position(i, form)
        form.position = position  # type: ignore[attr-defined]  # read by the template
        name = f"message {position}" if position else "the new message"
        name_inputs(form, name)
        return form

    def add_fields(self, form: ModelForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Delete"

    @property
    def empty_form(self) -> ModelForm:
        form = super().empty_form
        name_inputs(form, "the new message")
        return form


def name_inputs(form: ModelForm, name: str) -> None:
    """Give each visible input an accessible name: its column and its message.

    A table cell's input has no <label>; screen readers (and axe) need ``aria-label``.
    """
    for field_name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        label = field.label or field_name.replace("_", " ").capitalize()
        field.widget.attrs["aria-label"] = f"{label} of {name}"
