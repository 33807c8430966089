"""API throttles (per user, per anonymous address) and login lockouts (django-axes)."""

import base64

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.throttling import SimpleRateThrottle

from calls.security import client_address
from crmsite.settings import envrate
from tests.factories import UserFactory

API = "/crmRestApi/resources/11.13.18.05/phoneCalls"
PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.django_db


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def rates(monkeypatch):
    """Small throttle rates; DRF reads them into the class when it is imported."""
    cache.clear()
    rates = {"anon": "2/min", "user": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    yield rates
    cache.clear()


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def test_rest_framework_keeps_its_keys_and_gains_the_throttles():
    rf = django_settings.REST_FRAMEWORK
    assert rf["DEFAULT_THROTTLE_CLASSES"] == [
        "calls.oracle.throttles.AnonRateThrottle",
        "calls.oracle.throttles.UserRateThrottle",
    ]
    assert set(rf["DEFAULT_THROTTLE_RATES"]) == {"anon", "user"}
    for key in ("DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_PERMISSION_CLASSES"):
        assert key in rf
    assert "EXCEPTION_HANDLER" in rf


def test_throttle_rates_from_the_environment_are_validated(monkeypatch):
    monkeypatch.setenv("CALLBOOK_THROTTLE_USER", "100/Hour")
    assert envrate("CALLBOOK_THROTTLE_USER", "1/s") == "100/hour"
    monkeypatch.setenv("CALLBOOK_THROTTLE_USER", "none")
    assert envrate("CALLBOOK_THROTTLE_USER", "1/s") is None
    monkeypatch.setenv("CALLBOOK_THROTTLE_USER", "lots")
    with pytest.raises(ImproperlyConfigured):
        envrate("CALLBOOK_THROTTLE_USER", "1/s")
    monkeypatch.delenv("CALLBOOK_THROTTLE_USER")
    assert envrate("CALLBOOK_THROTTLE_USER", "1/s") == "1/s"


def test_a_user_over_the_rate_gets_429_with_retry_after(client, rates, superuser):
    auth = basic(superuser.username, PASSWORD)
    for _ in range(3):
        assert client.get(API, HTTP_AUTHORIZATION=auth).status_code == 200
    response = client.get(API, HTTP_AUTHORIZATION=auth, HTTP_REST_FRAMEWORK_VERSION="4")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["status"] == "429" and body["title"] == "Too Many Requests"
    assert body["o:errorDetails"]


def test_the_user_throttle_counts_each_user_separately(client, rates, superuser):
    other = UserFactory(username="other", is_superuser=True)
    mine = basic(superuser.username, PASSWORD)
    for _ in range(3):
        client.get(API, HTTP_AUTHORIZATION=mine)
    assert client.get(API, HTTP_AUTHORIZATION=mine).status_code == 429
    assert client.get(API, HTTP_AUTHORIZATION=basic(other.username, PASSWORD)).status_code == 200


def test_client_address_is_remote_addr_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "10.0.0.5"


def test_client_address_behind_trusted_proxies_is_what_the_outermost_proxy_saw(settings):
    settings.TRUSTED_PROXIES = 1
    # A client may send its own X-Forwarded-For; the load balancer appends the real address.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXIES = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.3"
    )
    assert client_address(request) == "203.0.113.9"


def _form_login(client, path, username, password, address="192.0.2.10"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_repeated_failed_form_logins_lock_out_that_address_and_username(client, lockout, path):
    user = UserFactory(username="staff", is_staff=True, is_superuser=True)
    for _ in range(3):
        response = _form_login(client, path, user.username, "wrong")
        assert response.status_code in (200, 429)
    response = _form_login(client, path, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b"locked" in response.content.lower()
    # Another address is not locked out: the lockout is by address and username.
    response = _form_login(client, path, user.username, PASSWORD, address="192.0.2.99")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_below_the_limit_do_not_lock_out(client, lockout):
    user = UserFactory(username="staff", is_staff=True)
    for _ in range(2):
        _form_login(client, "/accounts/login/", user.username, "wrong")
    assert _form_login(client, "/accounts/login/", user.username, PASSWORD).status_code == 302


def test_repeated_failed_basic_logins_on_the_api_lock_out_that_address(client, lockout, superuser):
    statuses = [
        client.get(
            API, HTTP_AUTHORIZATION=basic(superuser.username, "wrong"), REMOTE_ADDR="192.0.2.20"
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429], "the failure that reaches the limit locks out"
    # The right password from the locked address is refused: 429 with Retry-After.
    response = client.get(
        API,
        HTTP_AUTHORIZATION=basic(superuser.username, PASSWORD),
        REMOTE_ADDR="192.0.2.20",
        HTTP_REST_FRAMEWORK_VERSION="4",
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["title"] == "Too Many Requests"
    response = client.get(
        API, HTTP_AUTHORIZATION=basic(superuser.username, PASSWORD), REMOTE_ADDR="192.0.2.21"
    )
    assert response.status_code == 200


def test_a_form_lockout_holds_for_a_remembered_basic_credential(client, lockout, superuser):
    """Failures of the login form count for the address too: its lockout refuses Basic."""
    address = "192.0.2.30"
    credential = basic(superuser.username, PASSWORD)
    assert client.get(API, HTTP_AUTHORIZATION=credential, REMOTE_ADDR=address).status_code == 200
    for _ in range(3):
        _form_login(client, "/accounts/login/", superuser.username, "wrong", address=address)
    response = client.get(API, HTTP_AUTHORIZATION=credential, REMOTE_ADDR=address)
    assert response.status_code == 429
    response = client.get(API, HTTP_AUTHORIZATION=credential, REMOTE_ADDR="192.0.2.31")
    assert response.status_code == 200


def test_an_address_without_failed_logins_spends_no_query_on_lockouts(
    client, superuser, django_assert_num_queries
):
    credential = basic(superuser.username, PASSWORD)
    assert client.get(API, HTTP_AUTHORIZATION=credential).status_code == 200
    with django_assert_num_queries(1):  # the page of calls alone
        assert client.get(API, HTTP_AUTHORIZATION=credential).status_code == 200
    client.get(API, HTTP_AUTHORIZATION=basic(superuser.username, "wrong"))
    with django_assert_num_queries(2):  # django-axes' failures of the pair, the page
        assert client.get(API, HTTP_AUTHORIZATION=credential).status_code == 200


def test_lockouts_are_always_asked_when_one_may_not_name_the_address(settings):
    from calls.security import _lockouts_name_the_address

    assert _lockouts_name_the_address()
    settings.AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
    assert not _lockouts_name_the_address()
    settings.AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
    settings.AXES_IP_BLACKLIST = ["203.0.113.7"]
    assert not _lockouts_name_the_address()


def test_a_login_without_request_is_not_tracked(client, superuser):
    # Server-side code (the test client's login(), management commands) has no address.
    assert client.login(username=superuser.username, password=PASSWORD)


def test_the_lockout_settings_come_from_the_environment():
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["ip_address", "username"]]
    assert django_settings.AXES_FAILURE_LIMIT == 10
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "calls.security.LoginLockoutBackend"
