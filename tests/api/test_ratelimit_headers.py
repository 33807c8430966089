"""``RateLimit-Policy`` and ``RateLimit`` (the IETF httpapi draft) from the DRF throttles."""

import base64

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from tests.api.helpers import CALLS, ERROR_TYPE
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    cache.clear()
    rates = {"anon": "2/min", "user": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    yield rates
    cache.clear()


def basic(user) -> dict:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_REST_FRAMEWORK_VERSION": "4"}


def test_each_answer_names_the_users_policy_and_what_is_left(client, rates):
    user = UserFactory(username="cti", is_superuser=True)
    first = client.get(CALLS, **basic(user))
    assert first.status_code == 200
    assert first["RateLimit-Policy"] == '"user";q=3;w=60'
    assert first["RateLimit"] == '"user";r=2;t=60'
    second = client.post(CALLS, {"Nope": 1}, content_type="application/json", **basic(user))
    assert second.status_code == 400  # errors carry them too
    assert second["RateLimit"].startswith('"user";r=1;t=')


def test_a_429_says_nothing_is_left_with_retry_after_and_the_error_body(client, rates):
    user = UserFactory(username="cti", is_superuser=True)
    for _ in range(3):
        client.get(CALLS, **basic(user))
    response = client.get(CALLS, **basic(user))
    assert response.status_code == 429
    assert response["RateLimit-Policy"] == '"user";q=3;w=60'
    remaining, reset = response["RateLimit"].split(";")[1:]
    assert remaining == "r=0"
    assert 0 < int(reset[2:]) <= 60
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert response.json()["status"] == "429"


def test_a_401_names_no_policy_as_no_throttle_ran(client, rates):
    # DRF throttles after authentication and permissions: every API request needs a user.
    response = client.get(CALLS)
    assert response.status_code == 401
    assert "RateLimit" not in response


def test_the_anonymous_throttle_notes_its_policy_for_anonymous_requests(rates):
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from calls.oracle.ratelimit import add_headers
    from calls.oracle.throttles import AnonRateThrottle

    request = APIView().initialize_request(APIRequestFactory().get(CALLS))
    request.user = AnonymousUser()
    assert AnonRateThrottle().allow_request(request, APIView())
    from django.http import HttpResponse

    response = HttpResponse()
    add_headers(request, response)
    assert response["RateLimit-Policy"] == '"anon";q=2;w=60'
    assert response["RateLimit"] == '"anon";r=1;t=60'


def test_a_throttle_that_is_off_adds_no_header(client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    user = UserFactory(username="cti", is_superuser=True)
    response = client.get(CALLS, **basic(user))
    assert response.status_code == 200
    assert "RateLimit" not in response and "RateLimit-Policy" not in response
