"""A database that cannot be reached answers 503 with Retry-After, in the version's error
format, never a 500 (issue 12.8): clients retry a 503.

The outage is real: the connection is pointed at a database that cannot be opened (a
closed port on PostgreSQL, a path in a missing folder on SQLite) and Django reconnects.
"""

import socket

import pytest
from django.db import connection

from tests.api.helpers import CALLS, ERROR_TYPE, basic_client, call_url, client_for, version_header
from tests.factories import UserFactory


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


class Outage:
    """Points the default connection at a database that cannot be opened, and back."""

    def __init__(self):
        self.saved_connection = connection.connection
        self.saved_settings = dict(connection.settings_dict)

    def start(self) -> None:
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = "/nonexistent-callbook-folder/db.sqlite3"
        else:
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        # Forget the open connection without closing it (an in-memory SQLite database
        # would go with it): the next query connects anew, and fails.
        connection.connection = None

    def end(self) -> None:
        if connection.connection is not None and connection.connection is not (
            self.saved_connection
        ):
            connection.connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved_settings)
        connection.connection = self.saved_connection


@pytest.fixture
def outage(transactional_db):
    """Users made before the outage, which has begun when the test starts."""
    users = {
        "admin": UserFactory(username="admin", is_superuser=True),
        "staff": UserFactory(username="staff", is_staff=True),
    }
    down = Outage()
    down.start()
    yield users
    down.end()


def test_a_read_answers_503_with_retry_after_in_plain_text_before_v4(outage):
    response = client_for(outage["admin"]).get(CALLS)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"database is unavailable" in response.content
    assert response["Cache-Control"] == "no-cache, no-store, must-revalidate"


def test_a_write_answers_503_in_the_error_json_of_v4(outage):
    response = client_for(outage["admin"], 4).post(CALLS, {"InteractionId": 1}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"] == f"{ERROR_TYPE}; charset=utf-8"
    body = response.json()
    assert (body["status"], body["title"]) == ("503", "Service Unavailable")
    assert body["o:errorDetails"][0]["o:errorCode"] == "unavailable"


def test_basic_authentication_against_an_unreachable_database_is_a_503_not_a_401(outage):
    response = basic_client("admin").get(call_url(1), **version_header(4))
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()


def test_a_staff_page_answers_a_plain_503(transactional_db, client):
    client.force_login(UserFactory(username="staff", is_staff=True))
    down = Outage()
    down.start()
    try:
        response = client.get("/")
    finally:
        down.end()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
