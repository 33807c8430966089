"""API answers are never kept by a browser or proxy (no-store); the ETag still validates."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import CALLS, call_url
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response["Cache-Control"].replace(" ", "").split(",")


def test_an_item_is_no_store_and_keeps_its_etag(admin_api):
    call = PhoneCallFactory()
    response = admin_api.get(call_url(call.id))
    assert response.status_code == 200
    assert no_store(response)
    assert response["ETag"] == f'"{call.version}"'


def test_the_collection_is_no_store(admin_api):
    PhoneCallFactory.create_batch(2)
    response = admin_api.get(CALLS)
    assert response.status_code == 200
    assert no_store(response)


def test_a_304_for_the_current_etag_is_no_store_with_the_etag(admin_api):
    call = PhoneCallFactory()
    etag = admin_api.get(call_url(call.id))["ETag"]
    response = admin_api.get(call_url(call.id), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert no_store(response)


def test_an_error_answer_is_no_store(db):
    response = APIClient().get(CALLS)
    assert response.status_code == 401
    assert no_store(response)
