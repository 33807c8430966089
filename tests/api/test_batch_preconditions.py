"""Batch parts' ``ifMatch`` and ``ifNoneMatch`` and the ``preconditionSucceeded`` they answer
(issue 12.5)."""

import json

import pytest

from calls.models import PhoneCall
from tests.api.helpers import BATCH_TYPE, ROOT, version_header
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def batch(client, *parts):
    return client.post(
        ROOT, json.dumps({"parts": list(parts)}), content_type=BATCH_TYPE, **version_header(4)
    )


def etag(call) -> str:
    return f'"{PhoneCall.objects.get(pk=call.pk).version}"'


def test_a_get_whose_if_none_match_matches_answers_without_payload_and_the_batch_succeeds(
    admin_api,
):
    call, other = PhoneCallFactory(), PhoneCallFactory()
    response = batch(
        admin_api,
        {"id": "cached", "path": f"/phoneCalls/{call.id}", "operation": "get",
         "ifNoneMatch": etag(call)},
        {"id": "stale", "path": f"/phoneCalls/{other.id}", "operation": "get",
         "ifNoneMatch": '"999"'},
        {"id": "plain", "path": f"/phoneCalls/{other.id}", "operation": "get"},
    )  # fmt: skip
    assert response.status_code == 200
    cached, stale, plain = response.json()["parts"]
    assert cached == {
        "id": "cached",
        "path": f"/phoneCalls/{call.id}",
        "operation": "get",
        "preconditionSucceeded": False,
    }
    assert stale["preconditionSucceeded"] is True
    assert stale["payload"]["CallId"] == other.id
    assert "preconditionSucceeded" not in plain


def test_an_update_whose_if_match_holds_reports_success(admin_api):
    call = PhoneCallFactory()
    response = batch(
        admin_api,
        {"id": "p", "path": f"/phoneCalls/{call.id}", "operation": "update",
         "ifMatch": etag(call), "payload": {"PhoneNumber": "+9"}},
    )  # fmt: skip
    assert response.status_code == 200
    (part,) = response.json()["parts"]
    assert part["preconditionSucceeded"] is True
    assert part["payload"]["PhoneNumber"] == "+9"


def test_a_stale_if_match_fails_the_batch_with_precondition_succeeded_false(admin_api):
    call = PhoneCallFactory(phone_number="+1")
    response = batch(
        admin_api,
        {"id": "new", "path": "/phoneCalls", "operation": "create",
         "payload": {"InteractionId": 1}},
        {"id": "p", "path": f"/phoneCalls/{call.id}", "operation": "update",
         "ifMatch": '"999"', "payload": {"PhoneNumber": "+9"}},
    )  # fmt: skip
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert failure["id"] == "p"
    assert failure["preconditionSucceeded"] is False
    assert failure["payload"]["status"] == "412"
    assert PhoneCall.objects.count() == 1
    assert PhoneCall.objects.get().phone_number == "+1"


def test_a_get_with_a_stale_if_match_is_a_412(admin_api):
    call = PhoneCallFactory()
    response = batch(
        admin_api,
        {"id": "p", "path": f"/phoneCalls/{call.id}", "operation": "get", "ifMatch": '"999"'},
    )
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert (failure["preconditionSucceeded"], failure["payload"]["status"]) == (False, "412")


def test_a_message_part_compares_the_messages_own_etag(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    path = f"/phoneCalls/{call.id}/child/TranscriptMessage/{message.id}"
    response = batch(
        admin_api,
        {"id": "p", "path": path, "operation": "get", "ifNoneMatch": f'"{message.version}"'},
        {"id": "q", "path": path, "operation": "delete", "ifMatch": f'"{message.version}"'},
    )
    assert response.status_code == 200
    got, deleted = response.json()["parts"]
    assert got["preconditionSucceeded"] is False and "payload" not in got
    assert deleted["preconditionSucceeded"] is True
    assert not call.messages.exists()


def test_a_missing_item_reports_the_precondition_as_failed(admin_api):
    missing = PhoneCallFactory().id + 100
    response = batch(
        admin_api,
        {"id": "p", "path": f"/phoneCalls/{missing}", "operation": "get", "ifMatch": "*"},
    )
    (failure,) = response.json()["parts"]
    assert (failure["preconditionSucceeded"], failure["payload"]["status"]) == (False, "404")


@pytest.mark.parametrize(
    "part",
    [
        {"id": "p", "path": "/phoneCalls", "operation": "get", "ifNoneMatch": '"1"'},
        {"id": "p", "path": "/phoneCalls", "operation": "create", "ifMatch": "*",
         "payload": {"InteractionId": 1}},
        {"id": "p", "path": "/phoneCalls/{id}", "operation": "update", "ifNoneMatch": '"1"',
         "payload": {}},
        {"id": "p", "path": "/phoneCalls/{id}", "operation": "get", "ifMatch": 1},
    ],
)  # fmt: skip
def test_a_precondition_that_cannot_apply_is_a_400(admin_api, part):
    call = PhoneCallFactory()
    part = {**part, "path": part["path"].format(id=call.id)}
    response = batch(admin_api, part)
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert failure["payload"]["status"] == "400"
    assert failure["preconditionSucceeded"] is False


@pytest.mark.parametrize("calls", [1, 50])
def test_a_cached_get_part_costs_one_query(admin_api, django_assert_num_queries, calls):
    rows = PhoneCallFactory.create_batch(calls, messages=2)
    call = rows[-1]
    current = etag(call)
    # 1. SAVEPOINT of the batch  2. SAVEPOINT of the part  3. SELECT the call
    # 4. RELEASE the part's  5. RELEASE the batch's (a 304 renders and audits nothing)
    with django_assert_num_queries(5):
        response = batch(
            admin_api,
            {"id": "p", "path": f"/phoneCalls/{call.id}?expand=all", "operation": "get",
             "ifNoneMatch": current},
        )  # fmt: skip
    assert response.json()["parts"][0]["preconditionSucceeded"] is False
