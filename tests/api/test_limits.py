"""Bounded work for any one request (issue 11, point 4): each limit is a 400 naming it."""

import json
import tracemalloc

import pytest

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.batch import MAX_PARTS
from calls.oracle.budget import BATCH_MAX_EXPANDED_MESSAGES, BATCH_MAX_ITEMS
from calls.oracle.query import MAX_CHILD_CONDITIONS, MAX_CONDITIONS, MAX_DEPTH
from tests.api.helpers import BATCH_TYPE, CALLS, ERROR_TYPE, ROOT
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def details(response) -> list[str]:
    assert response["Content-Type"].startswith(ERROR_TYPE)
    return [d["detail"] for d in response.json()["o:errorDetails"]]


def batch(client, parts):
    return client.post(ROOT, json.dumps({"parts": parts}), content_type=BATCH_TYPE)


def messages(n: int) -> list[dict]:
    return [{"RoleCd": "AGENT", "MessageContent": "aGk="} for _ in range(n)]


# ------------------------------------------------------------------ nested messages


@pytest.mark.parametrize("upsert", ["false", "true"])
def test_a_create_or_upsert_with_more_messages_than_the_limit_is_a_400(
    admin_api4, settings, upsert
):
    settings.CALLBOOK_MAX_MESSAGES_PER_REQUEST = 3
    body = {"InteractionId": 1, "CallNumber": "CN-LIM", "TranscriptMessage": messages(4)}
    response = admin_api4.post(CALLS, body, format="json", HTTP_UPSERT_MODE=upsert)
    assert response.status_code == 400
    (detail,) = details(response)
    assert "at most 3" in detail and "CALLBOOK_MAX_MESSAGES_PER_REQUEST" in detail
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "/TranscriptMessage"
    assert not PhoneCall.objects.exists()


def test_a_create_with_exactly_the_limit_of_messages_succeeds(admin_api4, settings):
    settings.CALLBOOK_MAX_MESSAGES_PER_REQUEST = 3
    body = {"InteractionId": 1, "TranscriptMessage": messages(3)}
    assert admin_api4.post(CALLS, body, format="json").status_code == 201
    assert TranscriptMessage.objects.count() == 3


def test_the_messages_of_all_parts_of_a_batch_count_against_the_one_limit(admin_api4, settings):
    settings.CALLBOOK_MAX_MESSAGES_PER_REQUEST = 3
    part = {"path": "/phoneCalls", "operation": "create"}
    parts = [
        {**part, "id": f"p{i}", "payload": {"InteractionId": i, "TranscriptMessage": messages(2)}}
        for i in range(2)
    ]
    response = batch(admin_api4, parts)
    assert response.status_code == 400
    assert "CALLBOOK_MAX_MESSAGES_PER_REQUEST" in details(response)[0]
    assert not PhoneCall.objects.exists()


# ------------------------------------------------------------------------- batches


def test_a_batch_of_more_than_100_parts_is_a_400_before_any_part_runs(admin_api4):
    call = PhoneCallFactory()
    parts = [
        {"id": f"p{i}", "path": f"/phoneCalls/{call.id}", "operation": "get"}
        for i in range(MAX_PARTS + 1)
    ]
    response = batch(admin_api4, parts)
    assert response.status_code == 400
    assert f"at most {MAX_PARTS} parts" in details(response)[0]
    assert batch(admin_api4, parts[:MAX_PARTS]).status_code == 200


def test_get_parts_rendering_more_items_than_one_page_fail_the_batch(admin_api4):
    """The budget is spent part by part: the part that would pass it is the one refused."""
    assert BATCH_MAX_ITEMS == 500
    PhoneCallFactory.create_batch(5)
    parts = [{"id": f"p{i}", "path": "/phoneCalls?limit=6", "operation": "get"} for i in range(100)]
    assert batch(admin_api4, parts).status_code == 200  # 100 parts of 5 calls: 500 items
    PhoneCallFactory()
    response = batch(admin_api4, parts)  # 6 a part now: part 84 would reach 504
    assert response.status_code == 400
    failed = response.json()["parts"]
    assert failed[0]["id"] == "p83"
    assert f"at most {BATCH_MAX_ITEMS} items" in failed[0]["payload"]["o:errorDetails"][0]["detail"]


def test_get_parts_expanding_more_messages_than_the_budget_fail_the_batch(admin_api4, monkeypatch):
    assert BATCH_MAX_EXPANDED_MESSAGES == 10_000
    monkeypatch.setattr("calls.oracle.budget.BATCH_MAX_EXPANDED_MESSAGES", 10)
    call = PhoneCallFactory(messages=6)
    part = {"path": f"/phoneCalls/{call.id}?expand=all", "operation": "get"}
    response = batch(admin_api4, [{**part, "id": "p1"}, {**part, "id": "p2"}])
    assert response.status_code == 400
    (failed,) = response.json()["parts"]
    assert failed["id"] == "p2"
    assert "expanded messages" in failed["payload"]["o:errorDetails"][0]["detail"]


def test_a_single_get_is_not_charged_to_any_budget(admin_api4):
    PhoneCallFactory.create_batch(3, messages=2)
    response = admin_api4.get(CALLS, {"limit": 500, "expand": "all"})
    assert response.status_code == 200
    assert response.json()["count"] == 3


# ------------------------------------------------------------------------------- q


def test_a_q_of_more_than_50_conditions_is_a_400_naming_the_limit(admin_api4):
    text = " or ".join(["CallId = 1"] * (MAX_CONDITIONS + 1))
    response = admin_api4.get(CALLS, {"q": text})
    assert response.status_code == 400
    assert f"more than {MAX_CONDITIONS} conditions" in details(response)[0]
    allowed = " or ".join(["CallId = 1"] * MAX_CONDITIONS)
    assert admin_api4.get(CALLS, {"q": allowed}).status_code == 200


def test_a_query_by_example_of_more_than_50_clauses_is_a_400(admin_api):
    text = ";".join(["CallId=1"] * (MAX_CONDITIONS + 1))
    response = admin_api.get(CALLS, {"q": text})
    assert response.status_code == 400
    assert f"more than {MAX_CONDITIONS} conditions" in response.content.decode()


def test_a_q_of_more_than_10_conditions_on_child_attributes_is_a_400(admin_api4):
    text = " or ".join(["TranscriptMessage.RoleCd = 'AGENT'"] * (MAX_CHILD_CONDITIONS + 1))
    response = admin_api4.get(CALLS, {"q": text})
    assert response.status_code == 400
    assert f"more than {MAX_CHILD_CONDITIONS} conditions on child" in details(response)[0]
    allowed = " or ".join(["TranscriptMessage.RoleCd = 'AGENT'"] * MAX_CHILD_CONDITIONS)
    assert admin_api4.get(CALLS, {"q": allowed}).status_code == 200


def test_plain_parentheses_nested_past_the_limit_are_a_400(admin_api4):
    """The parser folds plain parentheses away: they are counted in the text."""
    deep = "(" * (MAX_DEPTH + 1) + "CallId = 1" + ")" * (MAX_DEPTH + 1)
    response = admin_api4.get(CALLS, {"q": deep})
    assert response.status_code == 400
    assert f"more than {MAX_DEPTH} levels" in details(response)[0]
    at_the_limit = "(" * MAX_DEPTH + "CallId = 1" + ")" * MAX_DEPTH
    assert admin_api4.get(CALLS, {"q": at_the_limit}).status_code == 200


def test_parentheses_inside_quoted_strings_do_not_count(admin_api4):
    text = "PhoneNumber = '" + "(" * 100 + "'"
    assert admin_api4.get(CALLS, {"q": text}).status_code == 200


def test_the_biggest_reader_batch_stays_within_300_mb(admin_api4):
    """100 parts of limit=500&expand=all over 500 calls of 10 messages: one page renders.

    Without the budget each part would render the whole page again, a hundred times over.
    """
    calls = PhoneCall.objects.bulk_create(PhoneCallFactory.build_batch(500))
    TranscriptMessage.objects.bulk_create(
        TranscriptMessageFactory.build(call=call, message_content="words " * 20)
        for call in calls
        for _ in range(10)
    )
    page = {"path": "/phoneCalls?limit=500&expand=all", "operation": "get"}
    parts = [{**page, "id": f"p{i}"} for i in range(MAX_PARTS)]
    tracemalloc.start()
    try:
        response = batch(admin_api4, parts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    failed = response.json()["parts"]
    assert [part["id"] for part in failed] == [f"p{i}" for i in range(1, MAX_PARTS)]
    assert peak < 300 * 1024 * 1024
