"""Every request runs under CALLBOOK_STATEMENT_TIMEOUT_MS on PostgreSQL (issue 11, point 4)."""

import pytest
from django.db import connection

from calls import timeouts
from calls.models import PhoneCall
from tests.api.helpers import CALLS, ERROR_TYPE, client_for
from tests.factories import PhoneCallFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="statement_timeout is PostgreSQL's; SQLite has no per-statement timeout",
    ),
    # Autocommit, as in production: a cancelled statement must not abort the test's
    # own transaction, and the RESET at the end of the request must run.
    pytest.mark.django_db(transaction=True),
]


def slow_queryset():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")
    return PhoneCall.objects.all()


def session_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.fixture
def tiny_timeout(settings):
    settings.CALLBOOK_STATEMENT_TIMEOUT_MS = 50


def test_an_api_request_past_the_timeout_is_a_503_in_the_error_format(
    superuser, tiny_timeout, monkeypatch
):
    monkeypatch.setattr("calls.oracle.operations.call_queryset", slow_queryset)
    response = client_for(superuser, 4).get(CALLS)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert response["Retry-After"] == str(timeouts.RETRY_AFTER_SECONDS)
    assert "took too long" in response.json()["o:errorDetails"][0]["detail"]


def test_in_version_1_the_503_is_plain_text(superuser, tiny_timeout, monkeypatch):
    monkeypatch.setattr("calls.oracle.operations.call_queryset", slow_queryset)
    response = client_for(superuser).get(CALLS)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")


def test_a_staff_page_past_the_timeout_is_a_plain_503(client, superuser, tiny_timeout, monkeypatch):
    client.force_login(superuser)
    monkeypatch.setattr(
        "calls.staff.views.selectors.phone_call_page",
        lambda *args, **kwargs: slow_queryset(),
    )
    response = client.get("/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "took too long" in response.content.decode()


def test_the_timeout_ends_with_the_request(superuser, tiny_timeout, monkeypatch):
    """Connections outlive requests: what runs after one (commands too) has no timeout."""
    PhoneCallFactory()
    default = session_timeout()
    during = []

    def observed_queryset():
        during.append(session_timeout())
        return PhoneCall.objects.all()

    monkeypatch.setattr("calls.oracle.operations.call_queryset", observed_queryset)
    assert client_for(superuser).get(CALLS).status_code == 200
    assert during == ["50ms"]
    assert session_timeout() == default


def test_zero_disables_the_timeout(superuser, settings, monkeypatch):
    settings.CALLBOOK_STATEMENT_TIMEOUT_MS = 0
    monkeypatch.setattr("calls.oracle.operations.call_queryset", slow_queryset)
    assert client_for(superuser).get(CALLS).status_code == 200
