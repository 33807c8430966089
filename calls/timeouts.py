"""A statement timeout for every request on PostgreSQL (README "Limits").

``CALLBOOK_STATEMENT_TIMEOUT_MS`` caps each SQL statement a request runs, so one expensive
query cannot hold a worker and a connection for minutes. It is set per request, not in the
connection's ``OPTIONS``: migrations, ``purge_calls`` and other commands must not inherit
it. The first statement of a request sets it on the session through the driver's own
cursor (invisible to Django's query log, so query counts do not change). Connections
outlive requests (``CONN_MAX_AGE``): the session keeps the timeout for the next request,
and the first statement run outside a request resets it (``_SessionTimeout``).

A cancelled statement is PostgreSQL's ``query_canceled`` (SQLSTATE 57014): the API answers
503 in the version's error format (``calls.oracle.errors``), other pages a plain 503 page.
So does a database that cannot be reached or that dropped the connection (any other
``OperationalError`` or an ``InterfaceError``): clients retry a 503, not a 500.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase

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
    """An execute wrapper, installed once on a connection: before each statement, brings the
    session's ``statement_timeout`` to what the code running wants (the request's inside one,
    the server's default outside), and does nothing when the session holds it already.

    So a web worker sets the timeout once per database connection, not twice per request:
    the session keeps it between requests, and the first statement run outside a request
    (a command, a test's own query) resets it first. A change made while a transaction is
    open could be rolled back with it, so it is only tentative: the request ends by resetting
    it, as it did before. Django starts a transaction lazily, so at the first statement of a
    request's ``atomic()`` block none is open yet, and the change is made durable outside it.
    """

    def __init__(self) -> None:
        # The driver connection whose session holds ``held`` (None: the server's default),
        # and whether a transaction may still undo it.
        self.session: psycopg.Connection[Any] | None = None
        self.held: int | None = None
        self.tentative = False

    def __call__(
        self, execute: _Execute, sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        db = context["connection"]
        if db.vendor == "postgresql":
            self.apply(db.connection, _wanted.get())
        return execute(sql, params, many, context)

    def apply(self, driver: "psycopg.Connection[Any]", wanted: int | None) -> None:
        held = self.held if self.session is driver else None
        if held == wanted:
            return
        statement = (
            f"SET statement_timeout = {int(wanted)}" if wanted else "RESET statement_timeout"
        )
        idle = driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if idle and not driver.autocommit:
            # Inside atomic(), before its first statement: set it outside the transaction.
            driver.autocommit = True
            try:
                with driver.cursor() as cursor:
                    cursor.execute(statement)
            finally:
                driver.autocommit = False
        else:
            with driver.cursor() as cursor:
                cursor.execute(statement)
        self.session, self.held, self.tentative = driver, wanted, not idle

    def end_of_request(self) -> None:
        """Undo a tentative change now (a rollback would leave the session unknown)."""
        if not self.tentative:
            return
        self.tentative = False
        if self.session is None or self.session is not connection.connection:
            self.session, self.held = None, None
            return  # that connection is closed already
        try:
            self.apply(self.session, None)
        except Exception:
            # An aborted transaction refuses the RESET; outside one, drop the connection
            # rather than leave its next user (a request or not) under this timeout.
            logger.warning("Could not reset statement_timeout", exc_info=True)
            self.session, self.held = None, None
            if not connection.in_atomic_block:
                connection.close()


# The timeout the running code wants: set by the middleware for the request it serves.
_wanted: ContextVar[int | None] = ContextVar("callbook_statement_timeout", default=None)


def _installed() -> _SessionTimeout:
    """This thread's connection's wrapper, installed on its first request."""
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, _SessionTimeout):
            return wrapper
    wrapper = _SessionTimeout()
    connection.execute_wrappers.insert(0, wrapper)
    return wrapper


class StatementTimeoutMiddleware:
    """Runs each request under ``CALLBOOK_STATEMENT_TIMEOUT_MS`` (0 disables it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        milliseconds = settings.CALLBOOK_STATEMENT_TIMEOUT_MS
        if not milliseconds:
            return self.get_response(request)
        timeout = _installed()
        token = _wanted.set(milliseconds)
        try:
            return self.get_response(request)
        finally:
            _wanted.reset(token)
            timeout.end_of_request()

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
