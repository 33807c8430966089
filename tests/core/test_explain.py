"""Every ``q`` filter and ``orderBy`` the integrations use is served by an index (PostgreSQL).

The querysets are built by the API's own code (``parse_q``, ``parse_order``) from the
requests the clients send, loaded with a few thousand generated rows (``calls.sql.scale_data``) and
``ANALYZE``d, then ``EXPLAIN``ed with ``enable_seqscan = off``.

What this proves, and what not: with sequential scans priced out, the plan names our index
only if an index exists whose columns, order and operator class can answer that WHERE and
ORDER BY; a missing index, a wrong column order, a function around the column
(``UPPER(phone_number)``) or a LIKE the index cannot serve leaves a Seq Scan (or a full
Sort) behind, and the test fails. It does not prove the planner picks the index on
production statistics; that depends on data and selectivity, and ``make bench`` measures
it at one million calls. SQLite has no comparable planner: the test is skipped there.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import QueryDict

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.attributes import CALL_BY_NAME, CHILD_NAME, MESSAGE_BY_NAME
from calls.oracle.query import parse_q
from calls.oracle.shaping import parse_order
from calls.sql.scale_data import call_number, interaction_id, load, phone_number

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

END = datetime(2025, 6, 1, tzinfo=UTC)
CALLS = 3_000


@pytest.fixture
def loaded():
    plan = load(connection, calls=CALLS, messages=3, progress=False, end=END)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calls_phonecall")
        cursor.execute("ANALYZE calls_transcriptmessage")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return plan.first_call_id + CALLS // 2


def _calls(q: str, *, version: int = 2, order: str = ""):
    condition = parse_q(
        q,
        version=version,
        attributes=CALL_BY_NAME,
        children={CHILD_NAME: ("messages", MESSAGE_BY_NAME)},
    )
    ordering = parse_order(QueryDict(f"orderBy={order}" if order else ""), CALL_BY_NAME)
    return PhoneCall.objects.filter(condition).order_by(*ordering)[:26]


def _plan(queryset) -> str:
    return queryset.explain()


@pytest.mark.parametrize(
    ("name", "request_q", "order", "index"),
    [
        # Either phone index serves equality; the planner picks one.
        (
            "PhoneNumber =",
            "PhoneNumber = '{phone}'",
            "",
            "call_phone_number_idx|call_phone_prefix_idx",
        ),
        (
            "PhoneNumber LIKE prefix",
            "PhoneNumber LIKE '{phone_prefix}%'",
            "",
            "call_phone_prefix_idx",
        ),
        (
            "ExternalSystemCallId =",
            "ExternalSystemCallId = 'EXT-{call}'",
            "",
            "call_external_id_idx",
        ),
        ("InteractionId =", "InteractionId = {interaction}", "", "call_interaction_idx"),
        ("CallNumber =", "CallNumber = '{number}'", "", "calls_phonecall_call_number"),
        (
            "CreationDate range, newest first",
            "CreationDate >= '{since}' and CreationDate < '{until}'",
            "CreationDate:desc",
            "call_creation_idx",
        ),
        (
            "LastUpdateDate > (incremental sync)",
            "LastUpdateDate > '{since}'",
            "LastUpdateDate",
            "call_update_idx",
        ),
    ],
)
def test_each_filter_the_clients_use_is_an_index_scan(loaded, name, request_q, order, index):
    call = loaded
    q = request_q.format(
        phone=phone_number(call),
        phone_prefix=phone_number(call)[:-2],
        call=call,
        interaction=interaction_id(call),
        number=call_number(call),
        since=(END - timedelta(days=30)).isoformat(),
        until=(END - timedelta(days=20)).isoformat(),
    )

    plan = _plan(_calls(q, order=order))

    assert any(one in plan for one in index.split("|")), f"{name}: {plan}"
    assert "Seq Scan" not in plan


def test_the_default_collection_order_walks_the_primary_key(loaded):
    plan = _plan(PhoneCall.objects.order_by(*parse_order(QueryDict(""), CALL_BY_NAME))[:26])
    assert "calls_phonecall_pkey" in plan
    assert "Sort" not in plan


def test_a_calls_messages_in_order_come_from_the_call_order_index(loaded):
    call = PhoneCall.objects.get(pk=loaded)
    queryset = TranscriptMessage.objects.filter(call=call).order_by("id")

    plan = _plan(queryset)

    assert "message_call_order_idx" in plan
    assert "Sort" not in plan  # the index's (call_id, id) order is the transcript's order


def test_the_staff_search_of_transcript_text_uses_the_full_text_index(loaded):
    from calls.staff.selectors import phone_call_search

    queryset = phone_call_search(PhoneCall.objects.all(), "refund")
    assert "message_content_search_idx" in _plan(queryset)


def test_the_internal_notes_filter_uses_the_partial_index(loaded):
    from calls.staff.selectors import has_internal_messages

    plan = _plan(PhoneCall.objects.filter(has_internal_messages())[:26])
    assert "message_internal_idx" in plan
