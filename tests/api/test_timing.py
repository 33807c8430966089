"""The timing attributes over HTTP (calls.timing): declared out of the box, validated like
any attribute plus 0 <= start <= end on every write, and everywhere custom attributes are
(items, ``fields``, ``q``, ``orderBy``, describe, the OpenAPI document, batch)."""

import json

import pytest

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import BATCH_TYPE, CALLS, ROOT, call_url, message_url, messages_url
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

START, END = "StartOffsetMs_c", "EndOffsetMs_c"
V4 = {"HTTP_REST_FRAMEWORK_VERSION": "4"}


def details(response):
    return [(d.get("o:errorPath"), d["detail"]) for d in response.json()["o:errorDetails"]]


def test_a_create_carries_the_call_start_and_the_message_offsets(admin_api):
    body = {
        "InteractionId": 1,
        "CallStartTime_c": "2025-03-04T10:15:00+01:00",
        "TranscriptMessage": [
            {"RoleCd": "AGENT", START: 0, END: 2_500},
            {"RoleCd": "CUSTOMER", START: 2_500, END: 2_500},  # start = end is allowed
            {"RoleCd": "AGENT"},  # untimed
        ],
    }

    response = admin_api.post(CALLS, body, format="json")

    assert response.status_code == 201, response.content
    item = response.json()
    assert item["CallStartTime_c"] == "2025-03-04T09:15:00.000+00:00"
    # An untimed message leaves the out-of-the-box attributes out (Oracle's standard item).
    assert [(m.get(START), m.get(END)) for m in item["TranscriptMessage"]] == [
        (0, 2_500),
        (2_500, 2_500),
        (None, None),
    ]
    assert START not in item["TranscriptMessage"][2]


@pytest.mark.parametrize(
    ("message", "path", "detail"),
    [
        ({START: -1}, "/TranscriptMessage/1/StartOffsetMs_c", "must be 0 or more"),
        ({END: -5}, "/TranscriptMessage/1/EndOffsetMs_c", "must be 0 or more"),
        (
            {START: 2_000, END: 1_999},
            "/TranscriptMessage/1/EndOffsetMs_c",
            "must not be before StartOffsetMs_c (2000)",
        ),
    ],
)
def test_times_out_of_order_refuse_the_create_naming_the_attribute(
    admin_api, message, path, detail
):
    body = {"InteractionId": 1, "TranscriptMessage": [{START: 0, END: 1}, message]}

    response = admin_api.post(CALLS, body, format="json", **V4)

    assert response.status_code == 400
    ((got_path, got_detail),) = details(response)
    assert got_path == path and detail in got_detail
    assert not PhoneCall.objects.exists() and not TranscriptMessage.objects.exists()


def test_a_string_offset_is_refused_like_any_integer_attribute(admin_api):
    body = {"InteractionId": 1, "TranscriptMessage": [{START: "soon"}]}
    response = admin_api.post(CALLS, body, format="json", **V4)
    assert response.status_code == 400
    assert details(response)[0][0] == "/TranscriptMessage/0/StartOffsetMs_c"


def test_a_patch_of_the_end_alone_is_checked_against_the_stored_start(admin_api):
    message = TranscriptMessageFactory(custom={START: 5_000, END: 6_000})
    url = message_url(message.call_id, message.id)

    refused = admin_api.patch(url, {END: 4_999}, format="json", **V4)
    accepted = admin_api.patch(url, {END: 7_000}, format="json", **V4)

    assert refused.status_code == 400
    assert details(refused)[0][0] == "/EndOffsetMs_c"
    assert accepted.status_code == 200
    message.refresh_from_db()
    assert message.custom == {START: 5_000, END: 7_000}


def test_the_child_post_and_a_nested_upsert_are_checked_too(admin_api):
    call = PhoneCallFactory()
    child = admin_api.post(messages_url(call.id), {START: 9, END: 3}, format="json", **V4)
    assert child.status_code == 400
    assert details(child)[0][0] == "/EndOffsetMs_c"

    TranscriptMessageFactory(call=call, message_number="MN-1", custom={START: 1_000})
    nested = admin_api.patch(
        call_url(call.id),
        {"TranscriptMessage": [{"MessageNumber": "MN-1", END: 999}]},
        format="json",
        **V4,
    )
    assert nested.status_code == 400
    assert details(nested)[0][0] == "/TranscriptMessage/0/EndOffsetMs_c"
    assert TranscriptMessage.objects.get(message_number="MN-1").custom == {START: 1_000}


def test_a_batch_part_with_times_out_of_order_fails_the_batch(admin_api4):
    call = PhoneCallFactory()
    body = {
        "parts": [
            {
                "id": "ok",
                "path": "/phoneCalls",
                "operation": "create",
                "payload": {"InteractionId": 1},
            },
            {
                "id": "bad",
                "path": f"/phoneCalls/{call.id}/child/TranscriptMessage",
                "operation": "create",
                "payload": {START: 10, END: 0},
            },
        ]
    }

    response = admin_api4.post(ROOT, json.dumps(body), content_type=BATCH_TYPE)

    assert response.status_code == 400
    (part,) = response.json()["parts"]
    assert part["payload"]["o:errorDetails"][0]["o:errorPath"] == "/EndOffsetMs_c"
    assert PhoneCall.objects.count() == 1


def test_q_fields_and_order_by_know_the_offsets(admin_api):
    call = PhoneCallFactory()
    late = TranscriptMessageFactory(call=call, custom={START: 90_000, END: 95_000})
    early = TranscriptMessageFactory(call=call, custom={START: 1_000, END: 4_000})
    TranscriptMessageFactory(call=call)
    other = PhoneCallFactory()
    TranscriptMessageFactory(call=other, custom={START: 10})

    listed = admin_api.get(
        messages_url(call.id),
        {"q": f"{START} >= 1000", "orderBy": f"{START}:desc", "fields": f"MessageId,{START}"},
    ).json()
    calls = admin_api.get(CALLS, {"q": f"TranscriptMessage.{START} > 60000"}).json()

    assert [(m["MessageId"], m[START]) for m in listed["items"]] == [
        (late.id, 90_000),
        (early.id, 1_000),
    ]
    assert set(listed["items"][0]) == {"MessageId", START, "links"}
    assert [c["CallId"] for c in calls["items"]] == [call.id]


def test_the_calls_start_is_queryable_as_a_time(admin_api):
    PhoneCallFactory(custom={"CallStartTime_c": "2025-03-04T09:15:00.000+00:00"})
    later = PhoneCallFactory(custom={"CallStartTime_c": "2025-03-05T09:15:00.000+00:00"})

    body = admin_api.get(CALLS, {"q": "CallStartTime_c > '2025-03-04T12:00:00Z'"}).json()

    assert [c["CallId"] for c in body["items"]] == [later.id]


def test_describe_and_the_openapi_document_name_the_timing_attributes(admin_api, client):
    described = admin_api.get(f"{CALLS}/describe").json()["Resources"]["phoneCalls"]
    names = {a["name"]: a["type"] for a in described["attributes"]}
    child = described["children"]["TranscriptMessage"]["attributes"]
    schemas = client.get("/api/schema/").json()["components"]["schemas"]

    assert names["CallStartTime_c"] == "datetime"
    assert {a["name"]: a["type"] for a in child}[START] == "integer"
    assert schemas["PhoneCall"]["properties"]["CallStartTime_c"]["format"] == "date-time"
    assert schemas["TranscriptMessage"]["properties"][END]["type"] == "integer"
    assert START in schemas["TranscriptMessageCreate"]["properties"]


def test_a_setting_points_the_times_at_the_tenants_own_attribute(settings):
    from calls import timing

    settings.CALLBOOK_MESSAGE_START_ATTRIBUTE = "StartTime_c"
    assert timing.offsets({"StartTime_c": 1_500, START: 9}).start == 1_500
    assert timing.problem({"StartTime_c": 2_000, END: 1_000}).name == END


@pytest.mark.parametrize("size", [5, 50])
def test_a_page_of_timed_messages_costs_one_query_whatever_its_size(
    admin_api, django_assert_num_queries, size
):
    call = PhoneCallFactory()
    for i in range(size):
        TranscriptMessageFactory(call=call, custom={START: i * 1_000, END: i * 1_000 + 900})
    admin_api.get(messages_url(call.id))
    # 1 the call (404 otherwise), 2 the page of messages (times are a column of the rows),
    # 3 the access record of the transcript's read
    with django_assert_num_queries(3):
        body = admin_api.get(messages_url(call.id), {"limit": str(size)}).json()
    assert body["items"][-1][END] == (size - 1) * 1_000 + 900
