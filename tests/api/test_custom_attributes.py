"""Custom attributes (Oracle's ``_c`` fields) over HTTP: declared ones behave like built-ins.

Create, upsert, PATCH, the child, batch, validation and errors, items and ``fields``, ``q``
(both versions) and ``orderBy``, describe and the OpenAPI document; undeclared ``_c`` names
are a 400; a removed declaration keeps its values; a new declaration is seen by the next
request without a restart, at the cost of one query once.
"""

import json

import pytest
from django.core.exceptions import ValidationError

from calls import declarations, services
from calls.models import CustomAttribute, PhoneCall, TranscriptMessage
from calls.oracle import custom
from tests.api.helpers import (
    BATCH_TYPE,
    CALL_KEYS,
    CALLS,
    MESSAGE_KEYS,
    ROOT,
    call_url,
    create_statements,
    messages_url,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

CALL_CUSTOMS = {"AgentId_c", "Disposition_c", "FollowUpAt_c", "Score_c", "Rating_c", "Vip_c"}


def _declare(name, resource="phoneCalls", type="string", max_length=None, title=None):
    services.custom_attribute_save(
        attribute=CustomAttribute(
            name=name,
            resource=resource,
            type=type,
            max_length=max_length,
            title=title or name.removesuffix("_c"),
        )
    )


@pytest.fixture
def declare(django_capture_on_commit_callbacks):
    """Declare a custom attribute as the admin would; its commit tells every worker."""

    def declare(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            _declare(*args, **kwargs)

    return declare


@pytest.fixture
def declared(declare):
    declare("Disposition_c", max_length=20, title="Disposition")
    declare("AgentId_c", max_length=30)
    declare("Score_c", type="integer")
    declare("Rating_c", type="number")
    declare("Vip_c", type="boolean")
    declare("FollowUpAt_c", type="datetime")
    declare("Sentiment_c", resource="TranscriptMessage", max_length=10)
    declare("Confidence_c", resource="TranscriptMessage", type="number")


def post(client, body, **headers):
    return client.post(CALLS, body, format="json", **headers)


def v(version):
    return {"HTTP_REST_FRAMEWORK_VERSION": str(version)}


def get(client, url=CALLS, version=None, **params):
    return client.get(url, params, **(v(version) if version else {}))


def details(response):
    return [(d.get("o:errorPath"), d["detail"]) for d in response.json()["o:errorDetails"]]


ORACLE_BODY = {
    "InteractionId": 300100200300,
    "PhoneNumber": "+14155550100",
    "Disposition_c": "SALE",
    "AgentId_c": "A-17",
    "Score_c": 87,
    "Rating_c": 4.5,
    "Vip_c": True,
    "FollowUpAt_c": "2024-05-16T12:20:25.453+02:00",
    "TranscriptMessage": [
        {"RoleCd": "AGENT", "Sentiment_c": "POSITIVE", "Confidence_c": 0.93},
        {"RoleCd": "CUSTOMER"},
    ],
}


# Create and read


def test_a_create_with_declared_custom_attributes_answers_them_like_built_ins(admin_api, declared):
    response = post(admin_api, ORACLE_BODY)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == CALL_KEYS | CALL_CUSTOMS | {"TranscriptMessage"}
    assert body["Disposition_c"] == "SALE"
    assert body["Score_c"] == 87
    assert body["Rating_c"] == 4.5
    assert body["Vip_c"] is True
    # A date-time is stored and answered as the built-ins are: UTC, milliseconds.
    assert body["FollowUpAt_c"] == "2024-05-16T10:20:25.453+00:00"
    first, second = body["TranscriptMessage"]
    assert set(first) == MESSAGE_KEYS | {"Sentiment_c", "Confidence_c"}
    assert (first["Sentiment_c"], first["Confidence_c"]) == ("POSITIVE", 0.93)
    assert (second["Sentiment_c"], second["Confidence_c"]) == (None, None)
    call = PhoneCall.objects.get()
    assert call.custom["Disposition_c"] == "SALE"
    assert TranscriptMessage.objects.get(pk=second["MessageId"]).custom == {}


def test_an_item_answers_null_for_custom_attributes_it_has_no_value_of(admin_api, declared):
    call = PhoneCallFactory()

    body = get(admin_api, call_url(call.id)).json()

    assert {name: body[name] for name in CALL_CUSTOMS} == dict.fromkeys(CALL_CUSTOMS)


def test_fields_names_custom_attributes_of_the_call_and_the_child(admin_api, declared):
    call_id = post(admin_api, ORACLE_BODY).json()["CallId"]

    body = get(
        admin_api,
        call_url(call_id),
        fields="CallId,Disposition_c;TranscriptMessage:RoleCd,Sentiment_c",
        onlyData="true",
    ).json()

    assert body == {
        "CallId": call_id,
        "Disposition_c": "SALE",
        "TranscriptMessage": [
            {"RoleCd": "AGENT", "Sentiment_c": "POSITIVE"},
            {"RoleCd": "CUSTOMER", "Sentiment_c": None},
        ],
    }


# Undeclared names and validation


def test_an_undeclared_custom_attribute_is_a_400_naming_it(admin_api4, declared):
    response = post(admin_api4, {"InteractionId": 1, "CallDirection_c": "INBOUND"})

    assert response.status_code == 400
    assert details(response) == [
        ("/CallDirection_c", "CallDirection_c is not an attribute of this resource.")
    ]
    assert not PhoneCall.objects.exists()


def test_without_declarations_a_custom_attribute_is_a_400_as_before(admin_api):
    response = post(admin_api, {"InteractionId": 1, "Disposition_c": "SALE"})

    assert response.status_code == 400
    assert "Disposition_c is not an attribute of this resource." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Disposition_c", "X" * 21, "Ensure this field has no more than 20 characters."),
        # A JSON integer for a string is its decimal text (Oracle's conversion); not an array.
        ("Disposition_c", ["x"], "must be a string"),
        ("Score_c", 1.5, "must be an integer"),
        ("Score_c", 2**63, "must be a 64-bit integer."),
        ("Rating_c", "4.5", "must be a number."),
        ("Rating_c", True, "must be a number."),
        ("Vip_c", "yes", "must be true or false"),
        ("FollowUpAt_c", "tomorrow", "must be an ISO 8601 date-time string"),
        ("FollowUpAt_c", 1715855025, "must be an ISO 8601 date-time string"),
    ],
)
def test_a_custom_value_of_the_wrong_type_is_a_400_naming_the_attribute(
    admin_api4, declared, name, value, message
):
    response = post(admin_api4, {"InteractionId": 1, name: value})

    assert response.status_code == 400
    ((path, detail),) = details(response)
    assert path == f"/{name}"
    assert message in detail
    assert not PhoneCall.objects.exists()


def test_a_nested_message_s_custom_value_is_named_with_its_path(admin_api4, declared):
    body = {"InteractionId": 1, "TranscriptMessage": [{}, {"Confidence_c": "high"}]}

    response = post(admin_api4, body)

    assert response.status_code == 400
    assert details(response) == [
        ("/TranscriptMessage/1/Confidence_c", "Confidence_c: must be a number.")
    ]


# Writes


def test_patch_changes_only_the_custom_attributes_sent_and_null_clears_one(admin_api, declared):
    call_id = post(admin_api, ORACLE_BODY).json()["CallId"]

    response = admin_api.patch(
        call_url(call_id), {"Disposition_c": "NO_SALE", "AgentId_c": None}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["Disposition_c"], body["AgentId_c"], body["Score_c"]) == ("NO_SALE", None, 87)
    assert "AgentId_c" not in PhoneCall.objects.get().custom


def test_upsert_updates_the_custom_attributes_of_the_matching_call(admin_api, declared):
    post(admin_api, {"CallNumber": "CTI-1", "InteractionId": 1, "Score_c": 1, "Vip_c": False})

    response = post(
        admin_api,
        {"CallNumber": "CTI-1", "Score_c": 2, "TranscriptMessage": [{"Sentiment_c": "NEUTRAL"}]},
        HTTP_UPSERT_MODE="true",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["Score_c"], body["Vip_c"]) == (2, False)
    assert body["TranscriptMessage"][0]["Sentiment_c"] == "NEUTRAL"


def test_the_child_creates_and_patches_messages_with_custom_attributes(admin_api, declared):
    call = PhoneCallFactory()
    created = admin_api.post(
        messages_url(call.id), {"RoleCd": "AGENT", "Confidence_c": 0.5}, format="json"
    )
    assert created.status_code == 201
    message_id = created.json()["MessageId"]

    patched = admin_api.patch(
        f"{messages_url(call.id)}/{message_id}", {"Sentiment_c": "NEGATIVE"}, format="json"
    )

    assert patched.status_code == 200
    assert (patched.json()["Confidence_c"], patched.json()["Sentiment_c"]) == (0.5, "NEGATIVE")
    listed = get(admin_api, messages_url(call.id), q="Sentiment_c=NEGATIVE").json()
    assert [m["MessageId"] for m in listed["items"]] == [message_id]


def test_a_batch_creates_and_updates_custom_attributes(admin_api, declared):
    call = PhoneCallFactory()
    body = {
        "parts": [
            {
                "id": "p1",
                "path": "/phoneCalls",
                "operation": "create",
                "payload": {"InteractionId": 1, "Disposition_c": "SALE"},
            },
            {
                "id": "p2",
                "path": f"/phoneCalls/{call.id}",
                "operation": "update",
                "payload": {"Score_c": 3},
            },
        ]
    }

    response = admin_api.post(ROOT, json.dumps(body), content_type=BATCH_TYPE)

    assert response.status_code == 200, response.content
    first, second = response.json()["parts"]
    assert first["payload"]["Disposition_c"] == "SALE"
    assert second["payload"]["Score_c"] == 3


def test_a_batch_part_with_a_bad_custom_value_fails_the_batch(admin_api4, declared):
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
                "path": "/phoneCalls",
                "operation": "create",
                "payload": {"InteractionId": 2, "Vip_c": "maybe"},
            },
        ]
    }

    response = admin_api4.post(ROOT, json.dumps(body), content_type=BATCH_TYPE)

    assert response.status_code == 400
    (part,) = response.json()["parts"]
    assert part["id"] == "bad"
    assert part["payload"]["o:errorDetails"][0]["o:errorPath"] == "/Vip_c"
    assert not PhoneCall.objects.exists()


# q and orderBy


@pytest.fixture
def three_calls(admin_api, declared):
    """Three calls: SALE/10/4.5/VIP, NO_SALE/20/2/not VIP, and one with no custom values."""
    ids = [
        post(admin_api, body).json()["CallId"]
        for body in (
            {
                "InteractionId": 1,
                "Disposition_c": "SALE",
                "Score_c": 10,
                "Rating_c": 4.5,
                "Vip_c": True,
                "FollowUpAt_c": "2024-05-01T09:00:00Z",
                "TranscriptMessage": [{"Sentiment_c": "POSITIVE"}],
            },
            {
                "InteractionId": 2,
                "Disposition_c": "NO_SALE",
                "Score_c": 20,
                "Rating_c": 2,
                "Vip_c": False,
                "FollowUpAt_c": "2024-06-01T09:00:00Z",
                "TranscriptMessage": [{"Sentiment_c": "NEGATIVE"}],
            },
            {"InteractionId": 3},
        )
    ]
    return ids


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["CallId"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Disposition_c = 'SALE'", [0]),
        ("Disposition_c LIKE 'NO%'", [1]),
        ("UPPER(Disposition_c) = 'SALE'", [0]),
        ("Disposition_c != 'SALE'", [1]),  # never the call without a value (SQL nulls)
        ("NOT (Disposition_c = 'SALE')", [1]),
        ("Disposition_c IS NULL", [2]),
        ("Disposition_c IN ('SALE', 'NO_SALE')", [0, 1]),
        ("Score_c > 15", [1]),
        ("Score_c BETWEEN 5 AND 10", [0]),
        ("Rating_c >= 3.5", [0]),
        ("Rating_c = 2", [1]),
        ("Vip_c = true", [0]),
        ("Vip_c = false", [1]),
        ("FollowUpAt_c >= '2024-05-15'", [1]),
        ("FollowUpAt_c < '2024-05-01T09:00:00.001+00:00'", [0]),
        ("FollowUpAt_c = '2024-05-01T11:00:00+02:00'", [0]),
        ("Score_c > 5 and Vip_c = true or Disposition_c IS NULL", [0, 2]),
        ("TranscriptMessage.Sentiment_c = 'NEGATIVE'", [1]),
    ],
)
def test_q_in_version_2_filters_on_custom_attributes(admin_api, three_calls, q, expected):
    assert _ids(get(admin_api, version=2, q=q)) == [three_calls[i] for i in expected]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Disposition_c=SALE", [0]),
        ("Disposition_c NO*", [1]),
        ("Score_c>=20", [1]),
        ("Vip_c=true;Score_c<20", [0]),
        ("Rating_c<3", [1]),
        ("FollowUpAt_c>'2024-05-15'", [1]),
    ],
)
def test_q_in_version_1_filters_on_custom_attributes(admin_api, three_calls, q, expected):
    assert _ids(get(admin_api, q=q)) == [three_calls[i] for i in expected]


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("Score_c = 'ten'", "Score_c is an integer; 'ten' is not"),
        ("Rating_c = 'NaN'", "Rating_c is a number; 'NaN' is not"),
        ("Vip_c > true", "Vip_c is a boolean: only = and != apply"),
        ("FollowUpAt_c > 'soon'", "FollowUpAt_c is a date-time"),
        ("Unknown_c = 1", "unknown attribute 'Unknown_c'"),
    ],
)
def test_a_bad_q_on_a_custom_attribute_is_a_400(admin_api4, three_calls, q, message):
    response = get(admin_api4, version=4, q=q)

    assert response.status_code == 400
    assert message in response.json()["o:errorDetails"][0]["detail"]


def test_order_by_sorts_by_a_custom_attribute(admin_api, three_calls):
    first, second, third = three_calls

    descending = _ids(get(admin_api, orderBy="Score_c:desc", q="Score_c IS NOT NULL", version=2))
    ascending = _ids(get(admin_api, orderBy="Disposition_c", q="Disposition_c>''", version=2))

    assert descending == [second, first]
    assert ascending == [second, first]  # "NO_SALE" < "SALE"


@pytest.mark.parametrize("parameter", ["orderBy", "fields"])
def test_an_undeclared_custom_attribute_in_order_by_or_fields_is_a_400(
    admin_api, three_calls, parameter
):
    response = get(admin_api, **{parameter: "Unknown_c"})

    assert response.status_code == 400
    assert "Unknown_c" in response.content.decode()


# describe and OpenAPI


def test_describe_lists_the_custom_attributes_after_the_built_ins(admin_api, declared):
    body = get(admin_api, f"{CALLS}/describe").json()
    calls = body["Resources"]["phoneCalls"]
    attributes = {a["name"]: a for a in calls["attributes"]}

    assert attributes["Disposition_c"] == {
        "name": "Disposition_c",
        "type": "string",
        "updatable": True,
        "mandatory": False,
        "queryable": True,
        "allowChanges": "always",
        "title": "Disposition",
        "properties": {"fnd:OA_DATA_TYPE": "string"},
        "maxLength": "20",
    }
    assert attributes["Rating_c"]["type"] == "number"
    assert attributes["FollowUpAt_c"]["type"] == "datetime"
    assert calls["attributes"][-1]["name"] == "Vip_c"  # custom ones follow, by name
    child = calls["children"]["TranscriptMessage"]["attributes"]
    assert {"Sentiment_c", "Confidence_c"} <= {a["name"] for a in child}


def test_the_served_openapi_document_has_the_custom_attributes(client, declared):
    schemas = client.get("/api/schema/").json()["components"]["schemas"]

    assert schemas["PhoneCall"]["properties"]["Rating_c"] == {
        "type": "number",
        "format": "double",
        "title": "Rating",
        "nullable": True,
    }
    assert schemas["PhoneCallCreate"]["properties"]["Disposition_c"]["maxLength"] == 20
    assert schemas["PhoneCallUpdate"]["properties"]["Vip_c"]["nullable"] is True
    assert "Sentiment_c" in schemas["TranscriptMessageCreate"]["properties"]


def test_the_committed_openapi_document_documents_what_is_declared_out_of_the_box(declared):
    from calls.oracle.openapi.document import openapi_document

    schemas = openapi_document()["components"]["schemas"]
    customs = {name for name in schemas["PhoneCall"]["properties"] if name.endswith("_c")}
    assert customs == {"CallStartTime_c"}  # the defaults (calls.timing), not Disposition_c


# Declarations over time


def test_a_declaration_is_seen_by_the_next_request_without_a_restart(admin_api, declare):
    assert post(admin_api, {"InteractionId": 1, "Disposition_c": "SALE"}).status_code == 400

    declare("Disposition_c", max_length=20)

    assert post(admin_api, {"InteractionId": 1, "Disposition_c": "SALE"}).status_code == 201


def test_a_declaration_made_by_another_worker_is_seen_through_the_shared_stamp(admin_api):
    get(admin_api)  # this worker has loaded the (empty) declarations
    # Another process declares: its row, and after its commit a new stamp in the cache.
    CustomAttribute.objects.create(
        name="Disposition_c", resource="phoneCalls", type="string", max_length=9, title="D"
    )
    declarations.changed()

    assert "Disposition_c" in get(admin_api, f"{CALLS}/describe").content.decode()


def test_removing_a_declaration_keeps_the_values_and_re_declaring_shows_them(
    admin_api, declared, declare, django_capture_on_commit_callbacks
):
    call_id = post(admin_api, ORACLE_BODY).json()["CallId"]
    with django_capture_on_commit_callbacks(execute=True):
        services.custom_attribute_delete(attribute=CustomAttribute.objects.get(name="Score_c"))

    body = get(admin_api, call_url(call_id)).json()
    assert "Score_c" not in body
    assert get(admin_api, q="Score_c=87").status_code == 400
    assert post(admin_api, {"InteractionId": 1, "Score_c": 1}).status_code == 400
    assert PhoneCall.objects.get(pk=call_id).custom["Score_c"] == 87
    # A PATCH of other attributes leaves the undeclared value alone.
    admin_api.patch(call_url(call_id), {"Disposition_c": "LATER"}, format="json")
    assert PhoneCall.objects.get(pk=call_id).custom["Score_c"] == 87

    declare("Score_c", type="integer")

    assert get(admin_api, call_url(call_id)).json()["Score_c"] == 87


def test_values_stored_under_another_type_read_as_null_and_never_fail_a_query(
    admin_api, declared, django_capture_on_commit_callbacks
):
    call_id = post(admin_api, {"InteractionId": 1, "Disposition_c": "SALE"}).json()["CallId"]
    attribute = CustomAttribute.objects.get(name="Disposition_c")
    attribute.type, attribute.max_length = "integer", None
    with django_capture_on_commit_callbacks(execute=True):
        services.custom_attribute_save(attribute=attribute)

    assert get(admin_api, call_url(call_id)).json()["Disposition_c"] is None
    assert _ids(get(admin_api, version=2, q="Disposition_c > 1")) == []
    assert _ids(get(admin_api, version=2, q="Disposition_c IS NULL")) == [call_id]
    assert _ids(get(admin_api, orderBy="Disposition_c")) == [call_id]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "Disposition"}, "name"),
        ({"name": "2nd_c"}, "name"),
        ({"name": "Bad-Name_c"}, "name"),
        ({"type": "string", "max_length": None}, "max_length"),
        ({"type": "string", "max_length": 4001}, "max_length"),
        ({"type": "integer", "max_length": 10}, "max_length"),
        ({"resource": "contacts"}, "resource"),
        ({"type": "date"}, "type"),
    ],
)
def test_an_invalid_declaration_is_refused(db, fields, problem):
    values = {"name": "Ok_c", "resource": "phoneCalls", "type": "string", "max_length": 10}
    values.update(fields)

    with pytest.raises(ValidationError) as refused:
        services.custom_attribute_save(attribute=CustomAttribute(title="T", **values))

    assert problem in refused.value.message_dict
    assert not CustomAttribute.objects.exists()


# Query counts


@pytest.mark.parametrize("size", [5, 50])
def test_a_page_with_custom_attributes_costs_one_query_whatever_its_size(
    admin_api, declared, django_assert_num_queries, size
):
    for i in range(size):
        PhoneCallFactory(custom={"Disposition_c": f"D{i}", "Score_c": i})
    get(admin_api)  # the first request after the declarations loads them: the steady state
    # 1. SELECT the page of calls (their custom values are a column of the row)
    with django_assert_num_queries(1):
        body = get(admin_api, q="Score_c>=0", orderBy="Score_c:desc", limit=str(size)).json()
    assert body["count"] == size
    assert body["items"][0]["Score_c"] == size - 1


def test_a_create_with_custom_attributes_costs_what_one_without_costs(
    admin_api, declared, django_assert_num_queries
):
    get(admin_api)
    # 1 SAVEPOINT, 2 INSERT the call, 3 its history row, 4 the messages, 5 their history
    # rows, 6 RELEASE SAVEPOINT (2 and 3, 4 and 5 are one statement each on PostgreSQL):
    # custom values are columns of the rows already inserted.
    with django_assert_num_queries(create_statements(messages=True)):
        assert post(admin_api, ORACLE_BODY).status_code == 201


def test_a_new_declaration_costs_each_worker_one_query_once(
    admin_api, declare, django_assert_num_queries
):
    get(admin_api)
    declare("Disposition_c", max_length=20)
    # 1. SELECT the declarations (the stamp moved), 2. SELECT the page
    with django_assert_num_queries(2):
        get(admin_api)
    with django_assert_num_queries(1):
        get(admin_api)


def test_the_attribute_set_is_built_once_per_stamp(declared):
    assert custom.current() is custom.current()
