"""A statement timeout for every request on PostgreSQL (README "Limits").

``CALLBOOK_STATEMENT_TIMEOUT_MS`` caps each SQL statement a request runs, so one expensive
query cannot hold a worker and a connection for minutes. It is set per request, not in the
connection's ``OPTIONS``: migrations, ``purge_calls`` and other commands must not inherit
it. The first statement of a request sets it on the session through the driver's own
cursor (invisible to Django's query log, so query counts do not change); the end of the
request resets it, because connections outlive requests (``CONN_MAX_AGE``).

A cancelled statement is PostgreSQL's ``query_canceled`` (SQLSTATE 57014): the API answers
503 in the version's error format (``calls.oracle.errors``), other pages a plain 503 page.
So does a database that cannot be reached or that dropped the connection (any other
``OperationalError`` or an ``InterfaceError``): clients retry a 503, not a 500.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"
RETRY_AFTER_SECONDS = 5

# What ``connection.execute_wrapper`` hands on: the next wrapper, or the cursor's execute.
_Execute = Callable[[str, Any, bool, dict[str, Any]], Any]


def is_statement_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is a statement PostgreSQL cancelled (the timeout's SQLSTATE)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code == QUERY_CANCELED


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot answer now: unreachable, restarting, the
    connection lost, a lock or a serialisation conflict. None of them is the request's fault.
    """
    return isinstance(exc, OperationalError | InterfaceError)


class _SessionTimeout:
    """An execute wrapper: sets the timeout before a request's first statement."""

    def __init__(self, milliseconds: int) -> None:
        self.milliseconds = milliseconds
        # The driver connection the timeout was set on (PostgreSQL only: psycopg's).
        self.applied_to: psycopg.Connection[Any] | None = None

    def __call__(
        self, execute: _Execute, sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        db = context["connection"]
        if db.vendor == "postgresql" and self.applied_to is not db.connection:
            with db.connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(self.milliseconds)}")
            self.applied_to = db.connection
        return execute(sql, params, many, context)

    def reset(self) -> None:
        if self.applied_to is None or self.applied_to is not connection.connection:
            return  # never set, or that connection is closed already
        try:
            with connection.connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except Exception:
            # An aborted transaction refuses the RESET; outside one, drop the connection
            # rather than leave its next user (a request or not) under this timeout.
            logger.warning("Could not reset statement_timeout", exc_info=True)
            if not connection.in_atomic_block:
                connection.close()


class StatementTimeoutMiddleware:
    """Runs each request under ``CALLBOOK_STATEMENT_TIMEOUT_MS`` (0 disables it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        milliseconds = settings.CALLBOOK_STATEMENT_TIMEOUT_MS
        if not milliseconds:
            return self.get_response(request)
        timeout = _SessionTimeout(milliseconds)
        try:
            with connection.execute_wrapper(timeout):
                return self.get_response(request)
        finally:
            timeout.reset()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # API views answer in their own error format (calls.oracle.errors); this is the
        # rest: staff pages and the admin.
        if is_statement_timeout(exception):
            logger.warning("Statement timeout on %s", request.path)
            text = "The database took too long to answer. Please try again in a moment.\n"
        elif is_database_unavailable(exception):
            logger.error("Database unavailable on %s", request.path, exc_info=exception)
            text = "The database is unavailable. Please try again in a moment.\n"
        else:
            return None
        response = HttpResponse(text, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
