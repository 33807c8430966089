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


@pytest.fixture
def timeout_statements(monkeypatch):
    """The SET and RESET statements of statement_timeout the driver is sent."""
    import psycopg

    sent = []
    original = psycopg.Cursor.execute

    def execute(self, query, *args, **kwargs):
        if "statement_timeout" in str(query) and not str(query).startswith("SHOW"):
            sent.append(str(query).split(" statement_timeout")[0])
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    return sent


def test_the_session_keeps_the_timeout_from_one_request_to_the_next(
    superuser, tiny_timeout, monkeypatch, timeout_statements
):
    """Set once per connection, not twice per request; what runs outside resets it first."""
    PhoneCallFactory()
    during = []

    def observed_queryset():
        during.append(session_timeout())
        return PhoneCall.objects.all()

    monkeypatch.setattr("calls.oracle.operations.call_queryset", observed_queryset)
    client = client_for(superuser)
    for _ in range(3):
        assert client.get(CALLS).status_code == 200
    assert during == ["50ms"] * 3
    assert timeout_statements == ["SET"]
    assert session_timeout() == "0"
    assert timeout_statements == ["SET", "RESET"]


def test_a_request_that_starts_in_a_transaction_sets_the_timeout_outside_it(
    superuser, tiny_timeout, timeout_statements
):
    """A create's first statement is inside atomic(): the SET must outlive a rollback."""
    client = client_for(superuser)
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 201
    invalid = client.post(CALLS, {"InteractionId": "not a number"}, format="json")
    assert invalid.status_code == 400
    assert client.post(CALLS, {"InteractionId": 2}, format="json").status_code == 201
    assert timeout_statements == ["SET"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert timeout_statements == ["SET", "RESET"]


@pytest.mark.django_db(transaction=False)
def test_inside_an_open_transaction_the_timeout_ends_with_the_request(
    superuser, tiny_timeout, timeout_statements
):
    """A SET inside a transaction could be rolled back with it: the request resets it."""
    assert connection.in_atomic_block  # the test's own transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the transaction is open before the request
    assert client_for(superuser).get(CALLS).status_code == 200
    assert timeout_statements == ["SET", "RESET"]
    assert session_timeout() == "0"
