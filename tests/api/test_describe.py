"""/phoneCalls/describe and the /describe catalog, checked against the attribute table
(contract §1; issue 4 item 6)."""

import pytest

from calls.oracle.attributes import CHILD_NAME
from calls.oracle.custom import OUT_OF_THE_BOX
from calls.oracle.openapi import openapi_document
from tests.api.helpers import CALLS, DESCRIPTION_TYPE, ROOT, absolute, client_for, user_with
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

# The built-ins and the custom attributes declared out of the box (calls.timing).
CALL_ATTRIBUTES = OUT_OF_THE_BOX.calls
MESSAGE_ATTRIBUTES = OUT_OF_THE_BOX.messages

DESCRIBE_URLS = [f"{CALLS}/describe", f"{ROOT}/describe"]
OPENAPI3_TYPE = "application/vnd.oracle.openapi3+json"


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


# ---------------------------------------------------- metadataMode, item and child paths


@pytest.mark.parametrize("url", DESCRIBE_URLS)
def test_metadata_mode_list_answers_the_resources_links_only(admin_api, url):
    resources = admin_api.get(url, {"metadataMode": "list"}).json()["Resources"]
    assert resources == {
        "phoneCalls": {
            "links": [
                {
                    "rel": "self",
                    "href": absolute(CALLS),
                    "name": "phoneCalls",
                    "kind": "collection",
                },
                {
                    "rel": "describe",
                    "href": absolute(f"{CALLS}/describe"),
                    "name": "phoneCalls",
                    "kind": "describe",
                },
            ]
        }
    }


@pytest.mark.parametrize("url", DESCRIBE_URLS)
def test_metadata_mode_minimal_answers_names_titles_and_types_only(admin_api, url):
    response = admin_api.get(url, {"metadataMode": "minimal"})
    assert response["Content-Type"] == DESCRIPTION_TYPE
    calls = response.json()["Resources"]["phoneCalls"]
    assert set(calls) == {"title", "titlePlural", "attributes", "children"}
    assert calls["attributes"] == [
        {"name": a.name, "title": a.title, "type": a.type} for a in CALL_ATTRIBUTES
    ]
    child = calls["children"][CHILD_NAME]
    assert set(child) == {"title", "titlePlural", "attributes"}
    assert [a["name"] for a in child["attributes"]] == [a.name for a in MESSAGE_ATTRIBUTES]


@pytest.mark.parametrize("mode", ["full", "LIST", "all", "links"])
def test_an_unknown_metadata_mode_is_a_400(admin_api, mode):
    response = admin_api.get(DESCRIBE_URLS[0], {"metadataMode": mode})
    assert response.status_code == 400
    assert "metadataMode must be list or minimal" in response.content.decode()


def test_a_calls_describe_is_the_resources_describe(admin_api, django_assert_num_queries):
    call = PhoneCallFactory()
    # The metadata is the resource's, whatever the row: no query looks the call up.
    with django_assert_num_queries(0):
        response = admin_api.get(f"{CALLS}/{call.id}/describe")
    assert response.status_code == 200
    assert response["Content-Type"] == DESCRIPTION_TYPE
    assert response.json() == admin_api.get(DESCRIBE_URLS[0]).json()
    minimal = admin_api.get(f"{CALLS}/{call.id}/describe", {"metadataMode": "minimal"})
    assert minimal.json() == admin_api.get(DESCRIBE_URLS[0], {"metadataMode": "minimal"}).json()


def test_the_child_describe_answers_the_transcript_message_resource(
    admin_api, django_assert_num_queries
):
    call = PhoneCallFactory()
    url = f"{CALLS}/{call.id}/child/{CHILD_NAME}/describe"
    with django_assert_num_queries(0):
        response = admin_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DESCRIPTION_TYPE
    (name,) = response.json()["Resources"]
    child = response.json()["Resources"][name]
    assert name == CHILD_NAME
    assert_described(child["attributes"], MESSAGE_ATTRIBUTES)
    assert child["collection"]["links"][0]["href"] == absolute(
        f"{CALLS}/{call.id}/child/{CHILD_NAME}"
    )
    listed = admin_api.get(url, {"metadataMode": "list"}).json()["Resources"][CHILD_NAME]
    assert [link["href"] for link in listed["links"]] == [
        absolute(f"{CALLS}/{call.id}/child/{CHILD_NAME}"),
        absolute(f"{CALLS}/{call.id}/child/{CHILD_NAME}/describe"),
    ]


@pytest.mark.parametrize("call_id", ["abc", "+7", "99999999999999999999999"])
def test_a_describe_under_an_id_that_is_no_call_id_is_a_404(admin_api, call_id):
    for url in (f"{CALLS}/{call_id}/describe", f"{CALLS}/{call_id}/child/{CHILD_NAME}/describe"):
        assert admin_api.get(url).status_code == 404, url


@pytest.mark.parametrize("path", ["/describe", "/phoneCalls/describe", "/phoneCalls/7/describe"])
def test_describe_asked_for_openapi3_answers_the_openapi_document(admin_api, path):
    response = admin_api.get(ROOT + path, HTTP_ACCEPT=OPENAPI3_TYPE)
    assert response.status_code == 200
    assert response["Content-Type"] == OPENAPI3_TYPE
    assert response.json() == openapi_document()
    # Only when asked: a weight of 0 refuses it, and plain describe stays the default.
    refused = admin_api.get(ROOT + path, HTTP_ACCEPT=f"{OPENAPI3_TYPE};q=0, application/json")
    assert "Resources" in refused.json()


def test_the_openapi_document_over_describe_needs_the_view_permission(db):
    nobody = client_for(user_with(username="nobody"))
    assert nobody.get(DESCRIBE_URLS[1], HTTP_ACCEPT=OPENAPI3_TYPE).status_code == 403
