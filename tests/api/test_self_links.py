"""A collection's ``self`` link carries the query that produced the page (issue 12.9), so
that a client can fetch the same page again."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.api.helpers import BATCH_TYPE, CALLS, ROOT, absolute, messages_url, version_header
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def self_href(body) -> str:
    (entry,) = [e for e in body["links"] if e["rel"] == "self"]
    return entry["href"]


def test_the_self_link_of_a_page_names_its_query_and_fetches_the_same_page(admin_api):
    PhoneCallFactory.create_batch(5, left_message_flag=True)
    params = {
        "limit": "2",
        "offset": "1",
        "q": "LeftMessageFlag = true",
        "orderBy": "CallId:desc",
        "fields": "CallId,PhoneNumber",
        "totalResults": "true",
    }
    body = admin_api.get(CALLS, params, **version_header(2)).json()
    href = self_href(body)
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == absolute(CALLS)
    assert dict(parse_qsl(parts.query)) == params
    again = admin_api.get(href, **version_header(2)).json()
    assert again["items"] == body["items"]


def test_a_page_without_a_query_links_the_bare_collection(admin_api):
    body = admin_api.get(CALLS).json()
    assert self_href(body) == absolute(CALLS)


def test_the_child_collections_self_link_carries_its_query(admin_api):
    call = PhoneCallFactory(messages=3)
    body = admin_api.get(messages_url(call.id), {"limit": "1", "offset": "2"}).json()
    assert self_href(body) == absolute(messages_url(call.id)) + "?limit=1&offset=2"


def test_a_batch_get_part_links_its_own_query(admin_api):
    PhoneCallFactory.create_batch(2)
    parts = [{"id": "p", "path": "/phoneCalls?limit=1&orderBy=CallId:desc", "operation": "get"}]
    response = admin_api.post(ROOT, json.dumps({"parts": parts}), content_type=BATCH_TYPE)
    payload = response.json()["parts"][0]["payload"]
    assert self_href(payload) == absolute(CALLS) + "?limit=1&orderBy=CallId%3Adesc"


def test_the_query_is_encoded_in_the_link(admin_api):
    body = admin_api.get(CALLS, {"q": "PhoneNumber=+1 415&x"}).json()
    query = urlsplit(self_href(body)).query
    assert "%26x" in query  # the value's ampersand is escaped, not a new parameter
    assert dict(parse_qsl(query)) == {"q": "PhoneNumber=+1 415&x"}
