"""The staff list's new sorts and filters and the caller history are index scans (PostgreSQL).

As ``tests/core/test_explain.py``: a few thousand generated calls, ``ANALYZE``d, then the
querysets the pages run ``EXPLAIN``ed with sequential scans priced out. A missing index,
or a query whose expression differs from the index's, leaves a Seq Scan or a full Sort.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import QueryDict

from calls.models import PhoneCall
from calls.sql.scale_data import load, phone_number
from calls.staff import selectors
from calls.staff.filters import PhoneCallFilterSet

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

CALLS = 3_000


@pytest.fixture
def loaded():
    plan = load(
        connection,
        calls=CALLS,
        messages=3,
        progress=False,
        end=datetime(2025, 6, 1, tzinfo=UTC),
        recording="recordings/bench",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calls_phonecall")
        cursor.execute("ANALYZE calls_transcriptmessage")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return plan.first_call_id + CALLS // 2


def _list(params: str):
    filtered = PhoneCallFilterSet(QueryDict(params), queryset=PhoneCall.objects.all()).qs
    return filtered.only("id")[:50]


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ("sort=duration", "call_duration_idx"),
        ("sort=-duration", "call_duration_desc_idx"),
        # When the calls happened (calls.timing), newest first and oldest first.
        ("", "call_time_idx"),
        ("sort=time", "call_time_idx"),
        ("date_from=2025-05-01&date_to=2025-05-02", "call_time_idx"),
    ],
)
def test_the_sorts_read_an_index_in_their_order(loaded, params, index):
    plan = _list(params).explain()
    assert index in plan, plan
    assert "Seq Scan" not in plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan  # the index's order


def test_the_charts_days_are_counted_on_the_call_time_index(loaded):
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    rows = (
        PhoneCall.objects.filter(
            call_time__gte=datetime(2025, 5, 1, tzinfo=UTC),
            call_time__lt=datetime(2025, 6, 1, tzinfo=UTC),
            deleted_flag=False,
        )
        .annotate(day=TruncDate("call_time", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("id"))
    )
    plan = rows.explain()
    assert "call_time_idx" in plan, plan
    assert "Seq Scan" not in plan


def test_a_selective_duration_filter_is_counted_on_the_duration_index(loaded):
    # The list's count (what CappedPaginator runs) of the calls over 19.5 minutes (~2 %).
    filtered = PhoneCallFilterSet(
        QueryDict("longer_than=19.5"), queryset=PhoneCall.objects.all()
    ).qs
    plan = filtered.order_by()[: selectors.COUNT_CAP + 1].explain()
    # Either duration index holds the range; the planner picks one.
    assert "call_duration_idx" in plan or "call_duration_desc_idx" in plan, plan
    assert "Seq Scan" not in plan


def test_the_agent_filter_is_a_semi_join_on_the_agent_index(loaded):
    plan = _list("agent=ann+lee").explain()
    assert "message_agent_idx" in plan, plan


def test_the_caller_filter_and_the_history_read_the_e164_index(loaded):
    call = PhoneCall.objects.get(pk=loaded)
    assert "call_phone_e164_idx" in _list(f"caller={phone_number(call.pk)}").explain()
    others = PhoneCall.objects.filter(phone_number_e164=call.phone_number_e164).exclude(pk=call.pk)
    plan = others.order_by("-call_time", "-id")[:10].explain()
    assert "call_phone_e164_idx" in plan and "Sort" not in plan.replace("Sort Key", ""), plan
    assert selectors.caller_history(call) is not None


def test_a_searched_page_walks_the_newest_calls(loaded):
    # A word every call says: the page is the newest calls read in call_time_idx's order and
    # filtered as they come (a probe per call or, at this small size, a hashed subplan),
    # never every match joined first and sorted (the UNION's plan: 30 s at 200,000 calls).
    plan = _list("q=warranty").explain()
    assert "call_time_idx" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    assert "Hash Join" not in plan and "Unique" not in plan, plan


def test_a_word_said_in_one_call_is_found_through_the_indexes(loaded):
    # Not a walk of every call: each alternative of the search through its own index (the
    # calls' transcript words, the trigrams of the number, call number and external id),
    # then the few calls found are sorted.
    call = PhoneCall.objects.get(pk=loaded)
    call.messages.update(message_content="I want to open a chargeback")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calls_phonecall")
    plan = _list("q=chargeback").explain()
    for index in (
        "call_lexemes_idx",
        "call_phone_number_trgm_idx",
        "call_number_trgm_idx",
        "call_external_id_trgm_idx",
    ):
        assert index in plan, plan
    assert "call_time_idx" not in plan, plan
    assert list(_list("q=chargeback").values_list("id", flat=True)) == [call.pk]
