"""Reads of the staff pages: search, the page of rows, the chart counts, one call.

The list never counts over a join: the filters on messages are semi-joins (``IN``/
``EXISTS``), so the total is a ``COUNT`` of the filtered call table. A searched list is not
counted at all (``LookaheadPaginator``): a common word's matches cost a probe each.
The page itself is a deferred join: the ``OFFSET`` walks only the ids (an index scan of
``call_time_idx`` for the default order), and the per-row message count, a correlated
subquery on ``message_call_order_idx``, is computed for the page's rows only.

On PostgreSQL the transcript search tests each call's set of transcript words first
(``calls.sql.lexemes``, GIN-indexed), then probes the messages of the calls that hold
them: a GIN index on exactly ``to_tsvector('english'::regconfig, COALESCE(message_content,
''))`` (migration 0004) answers those probes and the snippets.
"""

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Substr, TruncDate, Upper
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property

from .. import day_counts, timing
from ..models import PhoneCall, TranscriptMessage
from ..phones import to_e164
from ..sql.custom import CustomInteger
from ..sql.lexemes import TranscriptMayMatch
from .times import day_start, display_zone

PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 200
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


def visible_messages() -> QuerySet[TranscriptMessage]:
    return TranscriptMessage.objects.filter(deleted_flag=False)


def phone_call_search(queryset: QuerySet[PhoneCall], text: str) -> QuerySet[PhoneCall]:
    """Calls whose number, call number, external id or transcript text matches ``text``.

    PostgreSQL matches the transcript with full-text search (English stemming, web-search
    syntax: quotes, ``or``, ``-word``); other databases fall back to a substring match.
    The user's text is always a bound parameter.
    """
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return queryset
    condition = (
        Q(phone_number__icontains=text)
        | Q(call_number__icontains=text)
        | Q(external_system_call_id__icontains=text)
    )
    digits = _PHONE_PUNCTUATION.sub("", text)
    if digits and digits != text:
        # "415 555-0101" finds "+14155550101".
        condition |= Q(phone_number__icontains=digits)
    normalised = to_e164(text)
    if normalised:
        # "(415) 555 0101" finds "+1 415-555-0101": both spellings have one E.164 form.
        condition |= Q(phone_number_e164=normalised)
    messages = visible_messages()
    if connection.vendor != "postgresql":
        messages = messages.filter(message_content__icontains=text)
        return queryset.filter(condition | Exists(messages.filter(call=OuterRef("pk"))))
    from django.contrib.postgres.search import SearchQuery, SearchVector

    messages = messages.annotate(document=SearchVector("message_content", config="english")).filter(
        document=SearchQuery(text, config="english", search_type="websearch")
    )
    # "The call matches, or its words may match and EXISTS a matching message", not
    # "id IN (calls UNION messages)": the list reads a page of the newest matches. For a
    # common word the database walks call_time_idx, testing each call's set of words
    # (calls.sql.lexemes: one tsvector match) and probing the messages of those that hold
    # them until the page is full. For a rare one it finds the calls through the indexes of
    # each alternative (the set's GIN index, the trigram indexes of the number, call number
    # and external id) and sorts the few it found.
    return queryset.filter(
        condition | (TranscriptMayMatch(text) & Exists(messages.filter(call=OuterRef("pk"))))
    )


def has_internal_messages() -> Exists:
    # EXISTS, not IN: negated (internal=false) it is an anti-join; NOT IN is not.
    return Exists(
        visible_messages().filter(call=OuterRef("pk"), visibility_cd=TranscriptMessage.INTERNAL)
    )


def agent_messages() -> QuerySet[TranscriptMessage]:
    """Visible messages posted by an agent (the rows of ``message_agent_idx``)."""
    return visible_messages().filter(role_cd=TranscriptMessage.AGENT)


def phone_calls_with_agent(queryset: QuerySet[PhoneCall], name: str) -> QuerySet[PhoneCall]:
    """Calls in which an agent of this display name (any case) posted a message.

    A semi-join on ``message_agent_idx``: the database's UPPER on both sides, the index's
    expression exactly, so "sam ortiz" finds "Sam Ortiz" in any script SQL folds.
    """
    messages = (
        agent_messages()
        .annotate(agent=Upper("posted_by_display_name"))
        .filter(agent=Upper(Value(name.strip())))
        .order_by()
        .values("call_id")
    )
    return queryset.filter(pk__in=messages)


def agents_by_call(call_ids: list[int]) -> dict[int, list[str]]:
    """The agents of each call: the display names of its agents' messages, in the order
    they first spoke. One query for a page of calls (``message_call_order_idx``)."""
    rows = (
        agent_messages()
        .filter(call_id__in=call_ids)
        .exclude(posted_by_display_name__isnull=True)
        .exclude(posted_by_display_name="")
        .values("call_id", "posted_by_display_name")
        .annotate(first=Min("id"))
        .order_by("call_id", "first")
        .values_list("call_id", "posted_by_display_name")
    )
    agents: dict[int, list[str]] = {}
    for call_id, name in rows:
        if name:  # excluded above; the type of the column still allows None
            agents.setdefault(call_id, []).append(name)
    return agents


def message_count() -> Coalesce:
    counted = (
        visible_messages()
        .filter(call=OuterRef("pk"))
        .order_by()
        .values("call")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# The list counts at most this many calls (200 pages of 50; past them staff filter or sort):
# counting rows costs more than the page itself, 33 ms for 100,000 of a million-call table.
# Past it the list says "10,000+".
COUNT_CAP = 10_000


class CappedPaginator(Paginator):  # Paginator[...] is not subscriptable at runtime
    """A paginator whose count stops at ``COUNT_CAP`` (then ``capped`` is true)."""

    object_list: QuerySet[PhoneCall]  # a query to count, not any sequence

    @cached_property
    def _counted(self) -> int:
        # LIMIT inside, COUNT outside: the database stops reading one row past the cap.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, COUNT_CAP)

    @cached_property
    def capped(self) -> bool:
        return self._counted > COUNT_CAP


class LookaheadPaginator(Paginator):  # Paginator[...] is not subscriptable at runtime
    """Pages of a search, which is not counted: the requested page and one row past it.

    Counting the matches of a common word costs one probe per match (about 0.2 ms each:
    at 200,000 calls 280 ms to count up to 1,000), so a searched list reads only its page
    and the next row, and says "more than 50" when that row exists. ``count`` is the rows
    up to the page's end (plus the row past it, so ``has_next`` holds); ``capped`` says
    whether more follow. A page past the last match is the first page. Pages stop at
    ``COUNT_CAP`` rows like those of the counted list.
    """

    object_list: QuerySet[PhoneCall]

    def __init__(self, object_list: QuerySet[PhoneCall], per_page: int, number: str | None):
        super().__init__(object_list, per_page)
        try:
            requested = int(number or 1)
        except ValueError:
            requested = 1
        self.requested = min(max(requested, 1), max(COUNT_CAP // per_page, 1))

    def _read(self, number: int) -> list[tuple[int, datetime.datetime]]:
        offset = (number - 1) * self.per_page
        rows = self.object_list.values_list("id", "call_time")[offset : offset + self.per_page + 1]
        return list(rows)

    @cached_property
    def found(self) -> list[tuple[int, datetime.datetime]]:
        """The page's ids and call times, and the next row's if there is one."""
        rows = self._read(self.requested)
        if not rows and self.requested > 1:  # past the last match (one more query, then)
            self.requested = 1
            rows = self._read(1)
        return rows

    @cached_property
    def count(self) -> int:
        return (self.requested - 1) * self.per_page + len(self.found)

    @cached_property
    def capped(self) -> bool:
        return len(self.found) > self.per_page

    # The template's test: the total is not known, only that more follow.
    open_ended = True

    def current(self) -> Page[Any]:  # a page of ids
        found = self.found  # may move back to the first page
        ids = [call_id for call_id, _ in found[: self.per_page]]
        return Page(ids, self.requested, self)


def phone_call_page(
    filtered: QuerySet[PhoneCall],
    page_number: str | None,
    *,
    per_page: int = PAGE_SIZE,
    searched: bool = False,
) -> tuple[Page[Any], list[PhoneCall]]:
    """The requested page (clamped to the existing ones) and its rows, in order.

    Three queries: the page's ids (with a ``LIMIT``/``OFFSET``), the page rows with their
    message counts, and the agents of those rows (``agents`` on each row). Unsearched, the
    ids are a subquery of the rows' query and the first query is the (capped) count of the
    filtered calls; ``searched``, nothing is counted (``LookaheadPaginator``) and the ids
    are read first, with one row more.
    """
    page: Page[Any]
    ids: Any  # the page's ids: a list, or a subquery
    if searched:
        lookahead = LookaheadPaginator(filtered.only("id"), per_page, page_number)
        page = lookahead.current()
        ids = list(page.object_list)
    else:
        paginator = CappedPaginator(filtered.only("id"), per_page)
        page = paginator.get_page(page_number)
        page_ids = page.object_list  # the page's slice of the query of ids
        if not isinstance(page_ids, QuerySet):
            raise TypeError("a page of a QuerySet is a QuerySet")
        ids = page_ids.values("id")
    if not page.paginator.count:
        return page, []
    rows: list[PhoneCall] = list(
        PhoneCall.objects.filter(id__in=ids)
        .annotate(message_count=message_count())
        .order_by(*filtered.query.order_by)
    )
    agents = agents_by_call([row.id for row in rows])
    for row in rows:
        row.agents = agents.get(row.id, [])
    return page, rows


def newest_today(page: Page[Any], *, newest_first: bool) -> int | None:
    """Today's calls of a searched list, read off its page when the page says it: the
    first page, newest first, either reaching back before today or holding every match.

    More than the page (all of it today, more following) is ``PAGE_SIZE + 1``: "more than
    50". None when the page does not say (another order or page): count them instead.
    """
    paginator = page.paginator
    if not (newest_first and page.number == 1 and isinstance(paginator, LookaheadPaginator)):
        return None
    midnight = day_start(timezone.now().astimezone(display_zone()).date())
    today = sum(1 for _, call_time in paginator.found if call_time >= midnight)
    return today


# Counts of finished days are kept this long at most (they are also forgotten when a call of
# such a day is written: calls.day_counts); today's are always counted afresh.
FINISHED_DAYS_CACHE_SECONDS = 24 * 3600


def calls_per_day(
    filtered: QuerySet[PhoneCall],
    *,
    days: int = 30,
    now: datetime.datetime | None = None,
    today: int | None = None,
    today_at_most: int | None = None,
) -> list[tuple[datetime.date, int]]:
    """Calls per calendar day (in the display zone) over the last ``days`` days, oldest first.

    Days are those of ``call_time``, when the calls happened. Today is counted live, a range
    of ``call_time_idx`` from midnight (a call that arrived a second ago is in it). The
    finished days are counted in one grouped query and kept in the cache under the SQL of
    that count (filters and days included), today's date and the generation of
    ``calls.day_counts``, which moves when a call of a finished day is deleted, purged or
    changed, or a call is created on one.

    ``today``: today's count when the caller knows it (``newest_today``); no query then.
    ``today_at_most``: count today no further than one past this (a searched list: each
    call probed costs a parse of its messages); a count past it means "more than".
    """
    zone = display_zone()
    today_date = (now or timezone.now()).astimezone(zone).date()
    first = today_date - datetime.timedelta(days=days - 1)
    selection = filtered.order_by()
    if today is None:
        todays = selection.filter(call_time__gte=day_start(today_date))
        if today_at_most is not None:
            todays = todays[: today_at_most + 1]
        today = todays.count()
    rows = (
        selection.filter(call_time__gte=day_start(first), call_time__lt=day_start(today_date))
        .annotate(day=TruncDate("call_time", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    sql, params = rows.query.sql_with_params()
    stamp = f"{first}:{today_date}:{day_counts.generation()}:{sql}:{params!r}"
    key = "calls-per-day:" + hashlib.sha256(stamp.encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        counts = dict(rows)
        cache.set(key, counts, FINISHED_DAYS_CACHE_SECONDS)
    counts = {**counts, today_date: today}
    return [
        (first + datetime.timedelta(i), counts.get(first + datetime.timedelta(i), 0))
        for i in range(days)
    ]


def phone_call_get(call_id: int) -> PhoneCall:
    return get_object_or_404(PhoneCall, pk=call_id)


def transcript_rows(call: PhoneCall, fields: tuple[str, ...], *, times: bool = False) -> QuerySet:
    """The call's visible messages in transcript order as tuples of ``fields``.

    ``times``: each tuple ends with the message's start and end offsets (``calls.timing``),
    read by the database out of the JSON column as integers (``CustomInteger``), so a
    page that shows no other custom value never decodes the column.
    """
    rows = visible_messages().filter(call=call).order_by("id")
    if times:
        rows = rows.annotate(
            start_ms=CustomInteger(timing.message_start_name()),
            end_ms=CustomInteger(timing.message_end_name()),
        )
        fields = (*fields, "start_ms", "end_ms")
    return rows.values_list(*fields)


def transcript_messages(call: PhoneCall) -> QuerySet[TranscriptMessage]:
    """The call's visible messages in transcript order, with only the columns pages show."""
    return (
        visible_messages()
        .filter(call=call)
        .order_by("id")
        .only(
            "id",
            "call_id",
            "message_number",
            "message_content",
            "posted_by_display_name",
            "role_cd",
            "visibility_cd",
            "creation_date",
            "custom",  # the times (calls.timing)
        )
    )


def phone_calls_from(queryset: QuerySet[PhoneCall], number: str) -> QuerySet[PhoneCall]:
    """Calls from the caller ``number`` names, in whatever spelling staff or integrations
    wrote it: the same E.164 form (``call_phone_e164_idx``), or, for a number that has
    none (not a possible number), exactly the same text."""
    number = number.strip()
    normalised = to_e164(number)
    if normalised:
        return queryset.filter(phone_number_e164=normalised)
    return queryset.filter(phone_number=number, phone_number_e164__isnull=True)


HISTORY_SIZE = 10
FIRST_LINE_LENGTH = 160
# A caller's other calls are counted no further than this ("1,000+"): the count reads each
# of them (their deleted flag), so a caller with tens of thousands of calls would cost that
# many rows on every open of one of their calls (9,400 of them: 7 ms; 1,000: under 1 ms).
HISTORY_COUNT_CAP = 1_000


@dataclass(frozen=True)
class CallerHistory:
    """The caller's other calls: how many (at most ``HISTORY_COUNT_CAP``), and the latest."""

    number: str
    count: int
    capped: bool
    latest: Sequence[PhoneCall]


def caller_history(call: PhoneCall, *, size: int = HISTORY_SIZE) -> CallerHistory | None:
    """The other calls (not deleted) from this call's number, newest first, each with the
    first line said (``first_line``). None without a number; otherwise two queries, both
    on ``call_phone_e164_idx``: the count (up to ``HISTORY_COUNT_CAP``), then the latest
    ``size`` calls."""
    if not call.phone_number or not call.phone_number.strip():
        return None
    if call.phone_number_e164:
        others = PhoneCall.objects.filter(phone_number_e164=call.phone_number_e164)
    else:
        others = phone_calls_from(PhoneCall.objects.all(), call.phone_number)
    others = others.filter(deleted_flag=False).exclude(pk=call.pk)
    counted = others.order_by()[: HISTORY_COUNT_CAP + 1].count()
    if not counted:
        return CallerHistory(call.phone_number, 0, False, [])
    first_line = (
        visible_messages()
        .filter(call=OuterRef("pk"))
        .order_by("id")
        .annotate(line=Substr("message_content", 1, FIRST_LINE_LENGTH))
        .values("line")[:1]
    )
    latest = list(
        others.order_by("-call_time", "-id")
        .only("id", "call_number", "call_time", "recording_duration_ms", "left_message_flag")
        .annotate(first_line=Subquery(first_line))[:size]
    )
    return CallerHistory(
        call.phone_number,
        min(counted, HISTORY_COUNT_CAP),
        counted > HISTORY_COUNT_CAP,
        latest,
    )


def latest_call_id() -> int:
    """The id of the newest call stored (0 when none): the end of the primary key's index.

    Ids only grow, so "calls that arrived since the page was drawn" are the ids above it.
    """
    return PhoneCall.objects.aggregate(latest=Max("id"))["latest"] or 0


# The live list's banner says "50+ new calls" past this: a count to decide to reload.
NEW_CALLS_CAP = 50


def new_call_count(filtered: QuerySet[PhoneCall], after: int) -> int:
    """How many calls of ``filtered`` arrived after call ``after`` (at most NEW_CALLS_CAP + 1):
    a range of the primary key, counted no further than the cap."""
    return filtered.filter(id__gt=after).order_by()[: NEW_CALLS_CAP + 1].count()
