"""/phoneCalls/describe and the /describe catalog, checked against the attribute table
(contract §1; issue 4 item 6)."""

import pytest

from calls.oracle.attributes import CALL_ATTRIBUTES, CHILD_NAME, MESSAGE_ATTRIBUTES
from tests.api.helpers import CALLS, DESCRIPTION_TYPE, ROOT, absolute, client_for, user_with

pytestmark = pytest.mark.django_db

DESCRIBE_URLS = [f"{CALLS}/describe", f"{ROOT}/describe"]


def resources(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["Resources"]


def assert_described(described: list[dict], table) -> None:
    """Every attribute of the table, in its order, with the rules the table gives it."""
    assert [a["name"] for a in described] == [a.name for a in table]
    for entry, attribute in zip(described, table, strict=True):
        assert entry["type"] == attribute.type, attribute.name
        assert entry.get("maxLength") == (
            str(attribute.max_length) if attribute.max_length is not None else None
        ), attribute.name
        assert entry["updatable"] is attribute.updatable, attribute.name
        assert entry["mandatory"] is attribute.mandatory, attribute.name
        assert entry["queryable"] is attribute.queryable, attribute.name
        assert entry["title"] == attribute.title, attribute.name
        allowed = "always" if attribute.updatable else "create" if attribute.creatable else "never"
        assert entry["allowChanges"] == allowed, attribute.name
        assert (entry.get("contentType") == "application/octet-stream") is attribute.enclosure


@pytest.mark.parametrize("url", DESCRIBE_URLS)
def test_describe_answers_the_description_media_type(admin_api, url):
    response = admin_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DESCRIPTION_TYPE
    assert admin_api.get(url, HTTP_ACCEPT="application/json")["Content-Type"] == (
        "application/json"
    )


def test_the_catalog_and_the_resource_describe_the_same(admin_api):
    assert admin_api.get(DESCRIBE_URLS[0]).json() == admin_api.get(DESCRIBE_URLS[1]).json()


@pytest.mark.parametrize("url", DESCRIBE_URLS)
def test_every_call_attribute_is_described_as_the_table_defines_it(admin_api, url):
    assert_described(resources(admin_api, url)["phoneCalls"]["attributes"], CALL_ATTRIBUTES)


@pytest.mark.parametrize("url", DESCRIBE_URLS)
def test_the_transcript_message_child_is_described_as_the_table_defines_it(admin_api, url):
    calls = resources(admin_api, url)["phoneCalls"]
    assert list(calls["children"]) == [CHILD_NAME]
    child = calls["children"][CHILD_NAME]
    assert_described(child["attributes"], MESSAGE_ATTRIBUTES)
    assert child["collection"]["links"][0]["href"] == absolute(
        f"{CALLS}/{{CallId}}/child/{CHILD_NAME}"
    )


def test_the_primary_key_finders_name_the_keys(admin_api):
    calls = resources(admin_api, DESCRIBE_URLS[0])["phoneCalls"]
    for resource, key in ((calls, "CallId"), (calls["children"][CHILD_NAME], "MessageId")):
        (finder,) = resource["collection"]["finders"]
        assert finder["name"] == "PrimaryKey"
        assert [(a["name"], a["mandatory"]) for a in finder["attributes"]] == [(key, True)]


def test_the_collection_describes_its_page_size_and_actions(admin_api):
    calls = resources(admin_api, DESCRIBE_URLS[0])["phoneCalls"]
    assert calls["collection"]["rangeSize"] == 25
    assert calls["collection"]["links"][0]["href"] == absolute(CALLS)
    assert {a["name"]: a["method"] for a in calls["collection"]["actions"]} == {
        "get": "GET",
        "create": "POST",
    }
    assert {a["name"]: a["method"] for a in calls["item"]["actions"]} == {
        "get": "GET",
        "update": "PATCH",
        "delete": "DELETE",
    }


def test_describe_needs_the_view_permission(db):
    viewer = user_with("view_phonecall", username="reader")
    assert client_for(viewer).get(DESCRIBE_URLS[0]).status_code == 200
    assert client_for(user_with(username="nobody")).get(DESCRIBE_URLS[0]).status_code == 403


def test_describe_costs_no_query(admin_api, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert admin_api.get(DESCRIBE_URLS[0]).status_code == 200
