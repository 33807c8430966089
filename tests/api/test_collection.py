"""GET /phoneCalls: the envelope, paging, shaping parameters, q, media types, query counts
(contract §4, §7)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    CALL_KEYS,
    CALLS,
    COLLECTION_TYPE,
    ENVELOPE_KEYS,
    MESSAGE_KEYS,
    absolute,
    call_url,
    messages_url,
    rels,
    version_header,
)
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def ids(body) -> list[int]:
    return [item["CallId"] for item in body["items"]]


def bulk_calls(count: int, messages: int = 0) -> list[PhoneCall]:
    """``count`` calls (and ``messages`` messages each) in a few INSERTs."""
    calls = PhoneCall.objects.bulk_create(PhoneCallFactory.build_batch(count))
    TranscriptMessage.objects.bulk_create(
        TranscriptMessageFactory.build(call=call) for call in calls for _ in range(messages)
    )
    return calls


def has_links_inside(value) -> bool:
    if isinstance(value, dict):
        return "links" in value or any(has_links_inside(v) for v in value.values())
    if isinstance(value, list):
        return any(has_links_inside(v) for v in value)
    return False


# The envelope and paging


def test_the_collection_is_the_oracle_envelope_with_exactly_its_keys(admin_api):
    first, second = PhoneCallFactory(), PhoneCallFactory()
    response = admin_api.get(CALLS)
    assert response.status_code == 200
    assert response["Content-Type"] == COLLECTION_TYPE
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert ids(body) == [first.id, second.id]
    assert (body["count"], body["hasMore"], body["limit"], body["offset"]) == (2, False, 25, 0)
    assert body["links"] == [
        {"rel": "self", "href": absolute(CALLS), "name": "phoneCalls", "kind": "collection"}
    ]
    assert all(set(item) == CALL_KEYS for item in body["items"])


def test_an_empty_collection_is_an_envelope_without_items(admin_api):
    body = admin_api.get(CALLS).json()
    assert (body["items"], body["count"], body["hasMore"]) == ([], 0, False)


def test_the_limit_defaults_to_25_and_has_more_says_that_more_follow(admin_api):
    calls = bulk_calls(26)
    body = admin_api.get(CALLS).json()
    assert ids(body) == [c.id for c in calls[:25]]
    assert (body["count"], body["hasMore"], body["limit"]) == (25, True, 25)


def test_a_limit_above_500_is_clamped_to_500(admin_api):
    PhoneCallFactory()
    body = admin_api.get(CALLS, {"limit": "100000"}).json()
    assert (body["limit"], body["count"]) == (500, 1)


def test_limit_and_offset_page_through_the_calls(admin_api):
    calls = bulk_calls(5)
    middle = admin_api.get(CALLS, {"limit": "2", "offset": "2"}).json()
    assert ids(middle) == [calls[2].id, calls[3].id]
    assert (middle["count"], middle["hasMore"], middle["limit"], middle["offset"]) == (
        2,
        True,
        2,
        2,
    )
    last = admin_api.get(CALLS, {"limit": "2", "offset": "4"}).json()
    assert (ids(last), last["hasMore"]) == ([calls[4].id], False)
    exact = admin_api.get(CALLS, {"limit": "5"}).json()
    assert (exact["count"], exact["hasMore"]) == (5, False)


def test_an_offset_past_the_end_is_an_empty_page(admin_api):
    PhoneCallFactory()
    body = admin_api.get(CALLS, {"offset": "10"}).json()
    assert (body["items"], body["count"], body["hasMore"], body["offset"]) == ([], 0, False, 10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "-1"),
        ("limit", "ten"),
        ("limit", "2.5"),
        ("limit", "0x10"),
        ("limit", "²"),
        ("offset", "-5"),
        ("offset", "1e3"),
        ("offset", "²"),
    ],
)
def test_a_negative_or_non_numeric_limit_or_offset_is_a_400(admin_api, name, value):
    response = admin_api.get(CALLS, {name: value})
    assert response.status_code == 400
    assert name in response.content.decode()


def test_an_offset_beyond_any_row_count_is_an_empty_page_not_a_server_error(admin_api):
    PhoneCallFactory()
    response = admin_api.get(CALLS, {"offset": str(10**30)})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["items"] == []


def test_has_more_is_known_without_a_count_query(admin_api):
    bulk_calls(3)
    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get(CALLS, {"limit": "2"}).json()
    assert body["hasMore"] is True
    assert "totalResults" not in body
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_total_results_true_adds_the_total_with_one_count_query(admin_api):
    bulk_calls(3)
    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get(CALLS, {"limit": "2", "totalResults": "true"}).json()
    assert set(body) == ENVELOPE_KEYS | {"totalResults"}
    assert (body["totalResults"], body["count"], body["hasMore"]) == (3, 2, True)
    assert len([q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]) == 1


def test_total_results_counts_what_q_matches(admin_api):
    PhoneCallFactory(left_message_flag=True)
    PhoneCallFactory(left_message_flag=False)
    body = admin_api.get(CALLS, {"totalResults": "true", "q": "LeftMessageFlag=true"}).json()
    assert (body["totalResults"], body["count"]) == (1, 1)


def test_total_results_false_leaves_the_total_out(admin_api):
    assert "totalResults" not in admin_api.get(CALLS, {"totalResults": "false"}).json()


def test_total_results_that_is_not_a_boolean_is_a_400(admin_api):
    assert admin_api.get(CALLS, {"totalResults": "yes"}).status_code == 400


# Order


def test_the_default_order_is_call_id_ascending_whatever_the_creation_dates(admin_api):
    now = datetime(2024, 5, 16, 10, 20, tzinfo=UTC)
    calls = [PhoneCallFactory(creation_date=now - timedelta(days=i)) for i in range(4)]
    assert ids(admin_api.get(CALLS).json()) == [c.id for c in calls]


def test_order_by_sorts_descending_and_by_several_attributes(admin_api):
    a = PhoneCallFactory(interaction_id=2, phone_number="+1000")
    b = PhoneCallFactory(interaction_id=1, phone_number="+3000")
    c = PhoneCallFactory(interaction_id=2, phone_number="+2000")
    d = PhoneCallFactory(interaction_id=1, phone_number="+1000")
    body = admin_api.get(CALLS, {"orderBy": "InteractionId:desc,PhoneNumber"}).json()
    assert ids(body) == [a.id, c.id, d.id, b.id]
    body = admin_api.get(CALLS, {"orderBy": "PhoneNumber:desc,CallId:desc"}).json()
    assert ids(body) == [b.id, c.id, d.id, a.id]
    body = admin_api.get(CALLS, {"orderBy": "InteractionId:asc"}).json()
    assert ids(body) == [b.id, d.id, a.id, c.id]


def test_order_by_creation_date_descending(admin_api):
    now = datetime(2024, 5, 16, 10, 20, tzinfo=UTC)
    old = PhoneCallFactory(creation_date=now - timedelta(hours=2))
    new = PhoneCallFactory(creation_date=now)
    middle = PhoneCallFactory(creation_date=now - timedelta(hours=1))
    body = admin_api.get(CALLS, {"orderBy": "CreationDate:desc"}).json()
    assert ids(body) == [new.id, middle.id, old.id]


@pytest.mark.parametrize(
    "order_by",
    ["Nope", "PhoneNumber:sideways", "phonenumber", "CallRecording", "TranscriptMessage"],
)
def test_order_by_an_unknown_or_unsortable_attribute_or_direction_is_a_400(admin_api, order_by):
    assert admin_api.get(CALLS, {"orderBy": order_by}).status_code == 400


def test_order_by_upper_or_lower_sorts_case_insensitively(admin_api, django_assert_num_queries):
    names = ["beta", "Alpha", "gamma", "Delta", "ALPHA"]
    calls = {name: PhoneCallFactory(external_system_call_id=name) for name in names}
    folded = ["Alpha", "ALPHA", "beta", "Delta", "gamma"]  # equal folds: by CallId
    # 1. SELECT the page of calls, ordered by UPPER(external_system_call_id), id
    with django_assert_num_queries(1):
        body = admin_api.get(CALLS, {"orderBy": "upper(ExternalSystemCallId)"}).json()
    assert ids(body) == [calls[name].id for name in folded]
    for order_by in ("lower(ExternalSystemCallId):asc", "UPPER( ExternalSystemCallId ):ASC"):
        assert ids(admin_api.get(CALLS, {"orderBy": order_by}).json()) == ids(body)
    descending = admin_api.get(CALLS, {"orderBy": "Lower(ExternalSystemCallId):desc,CallId:desc"})
    assert ids(descending.json()) == [calls[name].id for name in reversed(folded)]


def test_order_by_upper_works_on_the_child_collection(admin_api):
    call = PhoneCallFactory()
    roles = ["agent", "SUPERVISOR", "Customer"]
    made = [TranscriptMessageFactory(call=call, role_cd=role) for role in roles]
    body = admin_api.get(messages_url(call.id), {"orderBy": "upper(RoleCd):desc"}).json()
    assert [item["MessageId"] for item in body["items"]] == [made[1].id, made[2].id, made[0].id]


@pytest.mark.parametrize(
    "order_by",
    [
        "upper(CallId)",
        "lower(CreationDate):desc",
        "upper(Nope)",
        "upper(PhoneNumber):up",
        "upper(phoneNumber)",
        "upper(upper(PhoneNumber))",
        "trim(PhoneNumber)",
        "upper()",
    ],
)
def test_order_by_upper_of_a_non_string_or_unknown_attribute_is_a_400(admin_api, order_by):
    response = admin_api.get(CALLS, {"orderBy": order_by})
    assert response.status_code == 400
    assert response.content.decode().startswith("orderBy:")


# fields, expand, onlyData, links


def test_fields_keeps_only_the_attributes_named_and_the_links(admin_api):
    call = PhoneCallFactory()
    (item,) = admin_api.get(CALLS, {"fields": "CallId,PhoneNumber"}).json()["items"]
    assert item.keys() == {"CallId", "PhoneNumber", "links"}
    assert (item["CallId"], item["PhoneNumber"]) == (call.id, call.phone_number)


def test_empty_fields_leaves_only_the_links(admin_api):
    PhoneCallFactory()
    (item,) = admin_api.get(CALLS, {"fields": ""}).json()["items"]
    assert item.keys() == {"links"}


def test_fields_with_child_fields_expands_the_child_with_only_those_fields(admin_api):
    call = PhoneCallFactory(messages=2)
    message_ids = list(call.messages.values_list("id", flat=True))
    body = admin_api.get(CALLS, {"fields": "CallId;TranscriptMessage:MessageId,RoleCd"}).json()
    (item,) = body["items"]
    assert item.keys() == {"CallId", "TranscriptMessage", "links"}
    assert [m["MessageId"] for m in item["TranscriptMessage"]] == message_ids
    assert [m.keys() for m in item["TranscriptMessage"]] == [{"MessageId", "RoleCd", "links"}] * 2


def test_fields_wins_over_expand(admin_api):
    PhoneCallFactory(messages=1)
    params = {"fields": "CallId", "expand": "TranscriptMessage"}
    (item,) = admin_api.get(CALLS, params).json()["items"]
    assert item.keys() == {"CallId", "links"}


@pytest.mark.parametrize(
    "fields", ["CallId,Nope", "callid", "CallId;Nope:MessageId", "CallId;TranscriptMessage:Nope"]
)
def test_fields_naming_an_unknown_attribute_is_a_400(admin_api, fields):
    assert admin_api.get(CALLS, {"fields": fields}).status_code == 400


def test_only_data_removes_the_links_of_every_item(admin_api):
    PhoneCallFactory(), PhoneCallFactory()
    body = admin_api.get(CALLS, {"onlyData": "true"}).json()
    assert [item.keys() for item in body["items"]] == [CALL_KEYS - {"links"}] * 2
    assert set(body) == ENVELOPE_KEYS


@pytest.mark.parametrize("version", [1, 3, 6])
def test_only_data_removes_the_links_of_expanded_children_too(admin_api, version):
    PhoneCallFactory(messages=2)
    params = {"onlyData": "true", "expand": "TranscriptMessage"}
    body = admin_api.get(CALLS, params, **version_header(version)).json()
    assert not has_links_inside(body["items"])


def test_only_data_false_keeps_the_links(admin_api):
    PhoneCallFactory()
    (item,) = admin_api.get(CALLS, {"onlyData": "false"}).json()["items"]
    assert "links" in item


@pytest.mark.parametrize("version", [None, 1, 2])
def test_expand_gives_the_messages_as_an_array_before_version_3(admin_api, version):
    call = PhoneCallFactory(messages=2)
    PhoneCallFactory()  # a call without messages gets an empty array
    headers = version_header(version) if version else {}
    body = admin_api.get(CALLS, {"expand": "TranscriptMessage"}, **headers).json()
    first, second = body["items"]
    assert [m["MessageId"] for m in first["TranscriptMessage"]] == list(
        call.messages.values_list("id", flat=True)
    )
    assert all(m.keys() == MESSAGE_KEYS for m in first["TranscriptMessage"])
    assert second["TranscriptMessage"] == []


@pytest.mark.parametrize("version", [3, 4, 5])
def test_expand_gives_the_messages_as_a_collection_from_version_3(admin_api, version):
    call = PhoneCallFactory(messages=2)
    body = admin_api.get(CALLS, {"expand": "all"}, **version_header(version)).json()
    (item,) = body["items"]
    child = item["TranscriptMessage"]
    assert set(child) == ENVELOPE_KEYS
    assert [m["MessageId"] for m in child["items"]] == list(
        call.messages.values_list("id", flat=True)
    )
    assert (child["count"], child["hasMore"], child["offset"]) == (2, False, 0)
    assert child["links"] == [
        {
            "rel": "self",
            "href": absolute(messages_url(call.id)),
            "name": "TranscriptMessage",
            "kind": "collection",
        }
    ]


def test_expand_all_and_expand_by_name_are_the_same(admin_api):
    PhoneCallFactory(messages=1)
    by_name = admin_api.get(CALLS, {"expand": "TranscriptMessage"}).json()
    by_all = admin_api.get(CALLS, {"expand": "all"}).json()
    # The envelopes differ only by their self links, which carry the query as sent.
    assert by_all["items"] == by_name["items"]
    assert by_all["links"][0]["href"].endswith("?expand=all")


def test_expand_of_an_unknown_child_is_a_400(admin_api):
    assert admin_api.get(CALLS, {"expand": "Recordings"}).status_code == 400


def test_links_keeps_only_the_relations_named(admin_api):
    PhoneCallFactory()
    (item,) = admin_api.get(CALLS, {"links": "self,canonical"}).json()["items"]
    assert rels(item) == ["self", "canonical"]
    (item,) = admin_api.get(CALLS, {"links": "child"}).json()["items"]
    assert rels(item) == ["child"]


@pytest.mark.parametrize("rel", ["lov", "action", "custom"])
def test_links_takes_every_oracle_relation_and_one_that_never_occurs_matches_nothing(
    admin_api, rel
):
    PhoneCallFactory()
    (item,) = admin_api.get(CALLS, {"links": rel}).json()["items"]
    assert item["links"] == []
    (item,) = admin_api.get(CALLS, {"links": f"self,{rel}"}).json()["items"]
    assert rels(item) == ["self"]


def test_links_parent_matches_the_parent_of_a_message_and_nothing_on_a_call(admin_api):
    call = PhoneCallFactory(messages=1)
    (item,) = admin_api.get(CALLS, {"links": "parent"}).json()["items"]
    assert item["links"] == []
    (message,) = admin_api.get(messages_url(call.id), {"links": "parent"}).json()["items"]
    assert rels(message) == ["parent"]


def test_links_naming_an_unknown_relation_is_a_400(admin_api):
    assert admin_api.get(CALLS, {"links": "self,friend"}).status_code == 400


# finder and q


def test_the_primary_key_finder_answers_the_one_call(admin_api):
    PhoneCallFactory()
    wanted = PhoneCallFactory()
    body = admin_api.get(CALLS, {"finder": f"PrimaryKey;CallId={wanted.id}"}).json()
    assert (ids(body), body["count"], body["hasMore"]) == ([wanted.id], 1, False)


def test_the_primary_key_finder_of_a_missing_call_is_an_empty_collection(admin_api):
    call = PhoneCallFactory()
    body = admin_api.get(CALLS, {"finder": f"PrimaryKey;CallId={call.id + 1000}"}).json()
    assert body["items"] == []


@pytest.mark.parametrize(
    "finder",
    [
        "ByNumber;CallId=1",
        "PrimaryKey;CallNumber=1",
        "PrimaryKey;CallId=one",
        "PrimaryKey;CallId=99999999999999999999",
    ],
)
def test_an_unknown_finder_or_bad_key_is_a_400(admin_api, finder):
    assert admin_api.get(CALLS, {"finder": finder}).status_code == 400


def test_q_in_version_1_is_query_by_example(admin_api):
    match = PhoneCallFactory(phone_number="+14155550100", left_message_flag=True)
    PhoneCallFactory(phone_number="+14155550101", left_message_flag=False)
    PhoneCallFactory(phone_number="+16505550100", left_message_flag=True)
    body = admin_api.get(CALLS, {"q": "PhoneNumber +1415*;LeftMessageFlag=true"}).json()
    assert ids(body) == [match.id]


def test_q_in_version_2_is_a_row_match_expression(admin_api):
    a = PhoneCallFactory(phone_number="+14155550100", left_message_flag=False, interaction_id=50)
    b = PhoneCallFactory(phone_number="+14155550100", left_message_flag=True, interaction_id=5)
    PhoneCallFactory(phone_number="+14155550100", left_message_flag=False, interaction_id=5)
    PhoneCallFactory(phone_number="+16505550100", left_message_flag=True, interaction_id=500)
    q = "PhoneNumber = '+14155550100' and (LeftMessageFlag = true or InteractionId > 10)"
    body = admin_api.get(CALLS, {"q": q}, **version_header(2)).json()
    assert ids(body) == [a.id, b.id]


def test_q_filters_calls_by_their_messages_without_repeating_a_call(admin_api):
    both = PhoneCallFactory(messages=2)  # an AGENT and a CUSTOMER message
    PhoneCallFactory(messages=0)
    body = admin_api.get(
        CALLS, {"q": "TranscriptMessage.RoleCd IN ('AGENT', 'CUSTOMER')"}, **version_header(2)
    ).json()
    assert ids(body) == [both.id]


@pytest.mark.parametrize(
    ("version", "q"),
    [
        (1, "Nope=1"),
        (2, "Nope = 1"),
        (2, "PhoneNumber = "),
        (2, "(CallId = 1"),
        (2, "CallId = 'x' ) or 1=1 --"),
        (2, "CallRecording IS NULL"),
    ],
)
def test_a_malformed_q_or_unknown_attribute_is_a_400_through_http(admin_api, version, q):
    response = admin_api.get(CALLS, {"q": q}, **version_header(version))
    assert response.status_code == 400
    assert response.content.decode().startswith("q:")


def test_the_version_decides_the_q_syntax(admin_api):
    PhoneCallFactory(phone_number="+14155550100")
    expression = {"q": "PhoneNumber = '+14155550100'"}
    assert admin_api.get(CALLS, expression, **version_header(2)).json()["count"] == 1
    assert admin_api.get(CALLS, {"q": "PhoneNumber=+14155550100"}).json()["count"] == 1


def test_unknown_query_parameters_are_ignored(admin_api):
    calls = bulk_calls(3)
    body = admin_api.get(CALLS, {"limit": "2", "colour": "blue", "Limit": "1"}).json()
    assert ids(body) == [calls[0].id, calls[1].id]


def test_the_child_collection_takes_the_same_parameters(admin_api):
    call = PhoneCallFactory(messages=3)
    agent = list(call.messages.filter(role_cd="AGENT").values_list("id", flat=True))
    body = admin_api.get(
        messages_url(call.id),
        {
            "q": "RoleCd = 'AGENT'",
            "orderBy": "MessageId:desc",
            "fields": "MessageId",
            "onlyData": "true",
            "totalResults": "true",
            "limit": "1",
        },
        **version_header(2),
    ).json()
    assert body["items"] == [{"MessageId": max(agent)}]
    assert (body["totalResults"], body["hasMore"]) == (2, True)


# Media types


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, COLLECTION_TYPE),
        ("*/*", COLLECTION_TYPE),
        (COLLECTION_TYPE, COLLECTION_TYPE),
        ("application/json", "application/json"),
        (f"application/json, {COLLECTION_TYPE}", COLLECTION_TYPE),
    ],
)
def test_the_collection_media_type_unless_the_client_accepts_only_json(admin_api, accept, expected):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    assert admin_api.get(CALLS, **headers)["Content-Type"] == expected


def test_the_latest_alias_serves_the_same_collection(admin_api):
    PhoneCallFactory()
    aliased = admin_api.get(CALLS.replace("11.13.18.05", "latest")).json()
    assert ids(aliased) == ids(admin_api.get(CALLS).json())


def test_items_link_to_themselves_with_absolute_hrefs(admin_api):
    call = PhoneCallFactory()
    (item,) = admin_api.get(CALLS).json()["items"]
    assert item["links"][0] == {
        "rel": "self",
        "href": absolute(call_url(call.id)),
        "name": "phoneCalls",
        "kind": "item",
        "properties": {"changeIndicator": str(call.version)},
    }


# Query counts


@pytest.mark.parametrize("size", [25, 500])
def test_a_page_costs_one_query_whatever_its_size(admin_api, django_assert_num_queries, size):
    bulk_calls(size + 1, messages=1)
    # 1. SELECT the page of calls (limit + 1 rows, for hasMore)
    with django_assert_num_queries(1):
        body = admin_api.get(CALLS, {"limit": str(size)}).json()
    assert (body["count"], body["hasMore"]) == (size, True)


@pytest.mark.parametrize("size", [25, 500])
def test_an_expanded_page_costs_three_queries_whatever_its_size(
    admin_api, django_assert_num_queries, size
):
    bulk_calls(size, messages=2)
    # 1. SELECT the page of calls
    # 2. SELECT the messages of those calls (one prefetch, ordered by MessageId)
    # 3. INSERT the access records of the transcripts read (one bulk INSERT)
    with django_assert_num_queries(3):
        body = admin_api.get(CALLS, {"limit": str(size), "expand": "TranscriptMessage"}).json()
    assert body["count"] == size
    assert all(len(item["TranscriptMessage"]) == 2 for item in body["items"])


@pytest.mark.parametrize("size", [25, 500])
def test_an_expanded_collection_object_costs_the_same_in_version_3(
    admin_api, django_assert_num_queries, size
):
    bulk_calls(size, messages=2)
    # 1. SELECT the page of calls
    # 2. SELECT the messages of those calls
    # 3. INSERT the access records
    with django_assert_num_queries(3):
        body = admin_api.get(
            CALLS, {"limit": str(size), "expand": "all"}, **version_header(3)
        ).json()
    assert all(item["TranscriptMessage"]["count"] == 2 for item in body["items"])


def test_total_results_adds_exactly_one_query(admin_api, django_assert_num_queries):
    bulk_calls(30, messages=1)
    # 1. SELECT the page of calls
    # 2. SELECT the messages of those calls
    # 3. INSERT the access records
    # 4. SELECT COUNT(*) of the calls q matches
    with django_assert_num_queries(4):
        body = admin_api.get(CALLS, {"expand": "TranscriptMessage", "totalResults": "true"}).json()
    assert body["totalResults"] == 30
