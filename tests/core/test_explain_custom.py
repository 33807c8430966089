"""``q`` and ``orderBy`` on a custom attribute are index scans once it is indexed (PostgreSQL).

As ``test_explain.py``: scale data (``calls.sql.scale_data``), ``ANALYZE``, then ``EXPLAIN``
of the querysets the API builds, with ``enable_seqscan = off``. Each call gets custom values;
``manage.py custom_attributes index`` builds the expression indexes, over exactly the SQL
``CustomValue`` compiles to, so the plan names them. Without the index the same queries
are sequential scans (the first test shows it), which is what an undeclared index costs.
"""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import Cast, Concat, JSONObject
from django.http import QueryDict

from calls import declarations
from calls.models import CustomAttribute, PhoneCall, TranscriptMessage
from calls.oracle import custom
from calls.oracle.query import parse_q
from calls.oracle.shaping import parse_order
from calls.sql.custom import index_name
from calls.sql.scale_data import load

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

CALLS = 3_000


def _declare() -> None:
    for name, resource, kind, length in (
        ("Disposition_c", "phoneCalls", "string", 20),
        ("Score_c", "phoneCalls", "integer", None),
        ("Rating_c", "phoneCalls", "number", None),
        ("FollowUpAt_c", "phoneCalls", "datetime", None),
        ("Sentiment_c", "TranscriptMessage", "string", 10),
    ):
        CustomAttribute.objects.create(
            name=name, resource=resource, type=kind, max_length=length, title=name
        )


def _fill() -> None:
    PhoneCall.objects.update(
        custom=JSONObject(
            Disposition_c=Concat(Value("D"), Cast(F("id") % 100, CharField())),
            Score_c=F("id"),
            Rating_c=Cast(F("id") % 500, IntegerField()),
            FollowUpAt_c=Concat(
                Value("2024-05-"),
                Cast(10 + F("id") % 20, CharField()),
                Value("T10:00:00.000+00:00"),
            ),
        )
    )
    # Unique values: a child condition is worth an index when it is selective.
    TranscriptMessage.objects.update(
        custom=JSONObject(Sentiment_c=Concat(Value("S"), Cast(F("id"), CharField())))
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calls_phonecall")
        cursor.execute("ANALYZE calls_transcriptmessage")
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.fixture
def loaded():
    load(connection, calls=CALLS, messages=2, progress=False, end=datetime(2025, 6, 1, tzinfo=UTC))
    _declare()
    declarations.changed()  # as the commit would: the declarations are loaded anew
    return PhoneCall.objects.order_by("id").values_list("id", flat=True)[CALLS // 2]


@pytest.fixture
def indexed(loaded):
    """The indexes built first: built after an UPDATE in the same transaction (HOT chains
    the build finds broken), PostgreSQL would not let that transaction use them."""
    with connection.cursor() as cursor:
        # The load's deferred foreign key checks, run now: an index cannot be built over a
        # table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("custom_attributes", "index", stdout=io.StringIO())
    _fill()
    return loaded


@pytest.fixture
def unindexed(loaded):
    _fill()
    return loaded


def _plan(q: str, order: str = "") -> str:
    attributes = custom.current()
    condition = parse_q(
        q, version=2, attributes=attributes.call_by_name, children=attributes.children
    )
    ordering = parse_order(QueryDict(f"orderBy={order}" if order else ""), attributes.call_by_name)
    return PhoneCall.objects.filter(condition).order_by(*ordering)[:26].explain()


def test_without_its_index_a_custom_attribute_is_a_scan_of_every_row(unindexed):
    plan = _plan(f"Score_c = {unindexed}")

    # Sequential scans priced out, the planner walks the primary key and filters each row.
    assert "custom_phonecal" not in plan
    assert "Index Scan using calls_phonecall_pkey" in plan and "Filter" in plan


@pytest.mark.parametrize(
    ("name", "q", "order", "attribute"),
    [
        ("string =", "Disposition_c = 'D7'", "", "Disposition_c"),
        ("integer =", "Score_c = {call}", "", "Score_c"),
        ("integer range", "Score_c >= {call} and Score_c < {call} + 20", "", "Score_c"),
        ("number range, sorted", "Rating_c > 490", "Rating_c", "Rating_c"),
        (
            "date-time range, newest first",
            "FollowUpAt_c >= '2024-05-28'",
            "FollowUpAt_c:desc",
            "FollowUpAt_c",
        ),
        ("orderBy a custom attribute", "", "Score_c:desc", "Score_c"),
    ],
)
def test_an_indexed_custom_attribute_is_an_index_scan(indexed, name, q, order, attribute):
    loaded = indexed
    kind = CustomAttribute.objects.get(name=attribute).type

    plan = _plan(q.format(call=loaded).replace(f"{loaded} + 20", str(loaded + 20)), order)

    assert index_name(PhoneCall, attribute, kind) in plan, f"{name}: {plan}"
    assert "Seq Scan" not in plan, f"{name}: {plan}"


def test_a_child_custom_attribute_is_an_index_scan_of_the_messages(indexed):
    message = TranscriptMessage.objects.order_by("id").values_list("id", flat=True)[CALLS]

    plan = _plan(f"TranscriptMessage.Sentiment_c = 'S{message}'")

    assert index_name(TranscriptMessage, "Sentiment_c", "string") in plan, plan
    assert "Seq Scan" not in plan, plan
