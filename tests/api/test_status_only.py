"""``Accept`` weights: q=0 on every type the resource answers asks for the status and
headers alone (issue 12.4; Oracle recommends it for bulk upserts)."""

import json

import pytest

from calls.models import PhoneCall
from tests.api.helpers import (
    BATCH_TYPE,
    CALLS,
    COLLECTION_TYPE,
    ERROR_TYPE,
    ITEM_TYPE,
    ROOT,
    call_url,
    create_statements,
    messages_url,
    version_header,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

STATUS_ONLY = f"{ITEM_TYPE};q=0"


def test_a_create_with_the_item_type_at_q0_answers_201_with_headers_and_no_body(admin_api):
    response = admin_api.post(CALLS, {"InteractionId": 1}, format="json", HTTP_ACCEPT=STATUS_ONLY)
    assert response.status_code == 201
    assert response.content == b""
    assert "Content-Type" not in response
    call = PhoneCall.objects.get()
    assert response["Location"].endswith(call_url(call.id))
    assert response["ETag"] == f'"{call.version}"'


def test_a_bulk_upsert_with_q0_answers_200_on_update_without_a_body(admin_api):
    PhoneCallFactory(call_number="S-1")
    response = admin_api.post(
        CALLS,
        {"CallNumber": "S-1", "PhoneNumber": "+2"},
        format="json",
        HTTP_UPSERT_MODE="true",
        HTTP_ACCEPT=STATUS_ONLY,
    )
    assert (response.status_code, response.content) == (200, b"")
    assert response["ETag"] == '"2"'
    assert PhoneCall.objects.get().phone_number == "+2"


def test_a_message_create_with_q0_answers_without_a_body(admin_api):
    call = PhoneCallFactory()
    response = admin_api.post(
        messages_url(call.id), {"RoleCd": "AGENT"}, format="json", HTTP_ACCEPT=STATUS_ONLY
    )
    assert (response.status_code, response.content) == (201, b"")
    assert response["Location"]


@pytest.mark.parametrize(
    "accept",
    ["*/*;q=0", "application/*;q=0", f"application/json;q=0, {ITEM_TYPE};q=0"],
)
def test_every_answerable_type_at_q0_is_status_only(admin_api, accept):
    call = PhoneCallFactory()
    response = admin_api.get(call_url(call.id), HTTP_ACCEPT=accept)
    assert (response.status_code, response.content) == (200, b"")
    assert response["ETag"] == f'"{call.version}"'


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"application/json;q=0.9, {ITEM_TYPE};q=0.5", "application/json"),
        (f"application/json;q=0.5, {ITEM_TYPE};q=0.9", ITEM_TYPE),
        (f"{ITEM_TYPE};q=0, application/json", "application/json"),
        (f"*/*;q=0.1, {ITEM_TYPE};q=0", "application/json"),
        ("application/json, */*", "application/json"),
        ("*/*", ITEM_TYPE),
        ("application/*", ITEM_TYPE),
        # Accepting nothing the resource answers is not a 406: the resource's own type.
        ("text/html", ITEM_TYPE),
        ("", ITEM_TYPE),
    ],
)
def test_weights_choose_the_media_type(admin_api, accept, expected):
    call = PhoneCallFactory()
    response = admin_api.get(call_url(call.id), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == expected
    assert response.json()["CallId"] == call.id


def test_a_collection_weighs_its_own_type(admin_api):
    response = admin_api.get(CALLS, HTTP_ACCEPT=f"{COLLECTION_TYPE};q=0.2, application/json;q=0.1")
    assert response["Content-Type"] == COLLECTION_TYPE
    assert admin_api.get(CALLS, HTTP_ACCEPT=f"{COLLECTION_TYPE};q=0").content == b""


def test_an_error_keeps_its_body_in_the_versions_format_whatever_accept_says(admin_api):
    response = admin_api.post(
        CALLS,
        {"Nope": 1},
        format="json",
        HTTP_ACCEPT="*/*;q=0",
        **version_header(4),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == f"{ERROR_TYPE}; charset=utf-8"
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "/Nope"
    plain = admin_api.post(CALLS, {"Nope": 1}, format="json", HTTP_ACCEPT="*/*;q=0")
    assert plain["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Nope" in plain.content


def test_a_batch_with_its_type_at_q0_answers_the_status_alone(admin_api):
    body = {"parts": [{"id": "p", "path": "/phoneCalls", "operation": "create",
                       "payload": {"InteractionId": 1}}]}  # fmt: skip
    response = admin_api.post(
        ROOT, json.dumps(body), content_type=BATCH_TYPE, HTTP_ACCEPT=f"{BATCH_TYPE};q=0"
    )
    assert (response.status_code, response.content) == (200, b"")
    assert PhoneCall.objects.count() == 1


@pytest.mark.parametrize("calls", [1, 50])
def test_a_status_only_create_costs_what_a_create_costs(
    admin_api, django_assert_num_queries, calls
):
    PhoneCallFactory.create_batch(calls)
    # 1. SAVEPOINT  2. INSERT the call  3. INSERT its history row  4. RELEASE SAVEPOINT
    # (2 and 3 in one statement on PostgreSQL)
    with django_assert_num_queries(create_statements(messages=False)):
        response = admin_api.post(
            CALLS, {"InteractionId": 1}, format="json", HTTP_ACCEPT=STATUS_ONLY
        )
    assert response.status_code == 201
