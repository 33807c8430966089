"""Errors in the format of the framework version (contract §8).

v1–v3: the status and a ``text/plain`` message. v4+: Oracle's error JSON with one
``o:errorDetails`` entry per problem, each naming the attribute path when there is one.
No error ever carries a stack trace, SQL or a setting.
"""

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.request import Request

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from calls.timeouts import RETRY_AFTER_SECONDS, is_database_unavailable, is_statement_timeout

from . import media
from .attributes import CALL_ATTRIBUTES, CHILD_NAME, MESSAGE_ATTRIBUTES
from .links import etag
from .versions import default_version, errors_as_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    detail: str
    code: str = "invalid"
    path: str | None = None  # "/TranscriptMessage/2/RoleCd"


class OracleError(Exception):
    """An error answer: a status, one or more problems and extra headers."""

    def __init__(
        self, status: int, problems: list[Problem] | str, headers: dict[str, str] | None = None
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, HTTPStatus(status).name.lower())]
        super().__init__(problems[0].detail if problems else HTTPStatus(status).phrase)
        self.status = status
        self.problems = problems
        self.headers = headers or {}


def bad_request(detail: str, path: str | None = None, code: str = "invalid") -> OracleError:
    return OracleError(400, [Problem(detail, code, path)])


def not_found(what: str = "The requested resource was not found.") -> OracleError:
    return OracleError(404, [Problem(what, "not_found")])


def request_too_large() -> OracleError:
    # CALLBOOK_MAX_REQUEST_BYTES is DATA_UPLOAD_MAX_MEMORY_SIZE (crmsite/settings.py).
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return OracleError(
        413, [Problem(f"The request body is larger than {limit} bytes.", "request_too_large")]
    )


def _flatten(detail: object, path: str = "") -> list[Problem]:
    """DRF's nested ``{"Attr": [..], "Child": [{}, {"Attr": [..]}]}`` as path-named problems."""
    problems: list[Problem]
    if isinstance(detail, dict):
        problems = []
        for key, value in detail.items():
            sub = path if key == "non_field_errors" else f"{path}/{key}"
            problems += _flatten(value, sub)
        return problems
    if isinstance(detail, list):
        if all(isinstance(item, (dict, list)) for item in detail) and detail:
            problems = []
            for index, item in enumerate(detail):
                problems += _flatten(item, f"{path}/{index}")
            return problems
        return [_problem(item, path) for item in detail]
    return [_problem(detail, path)]


def _problem(item: object, path: str) -> Problem:
    code = getattr(item, "code", "invalid") or "invalid"
    text = str(item)
    if path:
        name = path.rsplit("/", 1)[-1]
        text = f"{name}: {text}" if not text.startswith(name) else text
    return Problem(text, str(code), path or None)


def _from_drf(exc: exceptions.APIException) -> OracleError:
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.ValidationError):
        return OracleError(400, _flatten(exc.detail) or [Problem("Invalid request.")])
    if isinstance(exc, exceptions.Throttled):
        # Throttled.__init__ sets ``wait`` (seconds, or None); the DRF stubs leave it out.
        wait: float | None = exc.wait  # type: ignore[attr-defined]
        if wait is not None:
            headers["Retry-After"] = str(int(wait) + (wait % 1 > 0))
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        headers["WWW-Authenticate"] = f'Basic realm="{settings.CALLBOOK_AUTH_REALM}"'
        return OracleError(401, [Problem(str(exc.detail), exc.default_code)], headers)
    return OracleError(exc.status_code, [Problem(str(exc.detail), exc.default_code)], headers)


def render_error(request: HttpRequest | Request, error: OracleError) -> HttpResponse:
    version = getattr(request, "oracle_version", None) or default_version()
    status = HTTPStatus(error.status)
    if errors_as_json(version):
        response = HttpResponse(
            json.dumps(error_body(error), ensure_ascii=False),
            status=status.value,
            content_type=media.response_type(request, media.ERROR) + "; charset=utf-8",
        )
    else:
        text = "\n".join(p.detail for p in error.problems) or status.phrase
        response = HttpResponse(
            text + "\n", status=status.value, content_type="text/plain; charset=utf-8"
        )
    for name, value in error.headers.items():
        response[name] = value
    return response


_NAMES = {
    PhoneCall: {a.field: a.name for a in CALL_ATTRIBUTES},
    TranscriptMessage: {a.field: a.name for a in MESSAGE_ATTRIBUTES},
}


def _name(model: type[PhoneCall | TranscriptMessage], field: str) -> str:
    return _NAMES[model].get(field, field)


def _from_service(exc: services.ServiceError) -> OracleError:
    """A refused write, in the attribute names of the contract."""
    match exc:
        case services.DuplicateNumber(model=model, field=field, value=value):
            return bad_request(f"{_name(model, field)} {value} already exists.", code="duplicate")
        case services.MessageNotFound(index=index, message_id=message_id):
            return bad_request(
                f"MessageId {message_id} is not a message of this call.",
                f"/{CHILD_NAME}/{index}/MessageId",
                code="not_found",
            )
        case services.InvalidTiming(index=index, name=name, detail=detail):
            path = f"/{CHILD_NAME}/{index}/{name}" if index is not None else f"/{name}"
            return bad_request(f"{name} {detail}", path)
        case services.MissingValue(field=field):
            name = _name(PhoneCall, field)
            return bad_request(f"{name} is required.", f"/{name}", code="required")
        case services.CallOnHold(call_number=number, messages=messages):
            what = "its transcript messages cannot be deleted" if messages else "cannot be deleted"
            return OracleError(
                409, [Problem(f"Phone call {number} is on legal hold and {what}.", "legal_hold")]
            )
        case services.StorageUnavailable():
            return OracleError(
                503,
                [Problem("The recording could not be stored; try again later.", "unavailable")],
                {"Retry-After": "30"},
            )
        case services.VersionMismatch(current=current):
            return OracleError(
                412,
                [Problem("The resource was changed by another request.", "precondition_failed")],
                {"ETag": etag(current)},
            )
    raise TypeError(f"no Oracle error for {exc!r}")


def as_oracle_error(exc: Exception) -> OracleError:
    """Any exception as the error the client sees; unexpected ones are logged, not shown."""
    if isinstance(exc, OracleError):
        return exc
    if isinstance(exc, services.ServiceError):
        return _from_service(exc)
    if isinstance(exc, PhoneCall.DoesNotExist | TranscriptMessage.DoesNotExist):
        # Found by the request, then deleted by another before the write took its lock.
        return not_found("The resource was deleted by another request.")
    if isinstance(exc, exceptions.APIException):
        return _from_drf(exc)
    if isinstance(exc, Http404):
        return not_found()
    if is_statement_timeout(exc):
        logger.warning("Statement timeout in the REST API")
        return OracleError(
            503,
            [Problem("The database took too long to answer; try again later.", "timeout")],
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if is_database_unavailable(exc):
        logger.error("Database unavailable in the REST API", exc_info=exc)
        return OracleError(
            503,
            [Problem("The database is unavailable; try again later.", "unavailable")],
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RequestDataTooBig):  # Django's own read of a body (request.body)
        return request_too_large()
    logger.error("Unhandled error in the REST API", exc_info=exc)
    return OracleError(500, [Problem("The server could not complete the request.", "error")])


def error_body(error: OracleError) -> dict[str, Any]:
    status = HTTPStatus(error.status)
    return {
        "type": f"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec{status.value}",
        "title": status.phrase,
        "status": str(status.value),
        "o:errorDetails": [
            {
                "detail": p.detail,
                "o:errorCode": p.code,
                **({"o:errorPath": p.path} if p.path else {}),
            }
            for p in error.problems
        ],
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """DRF's EXCEPTION_HANDLER: every failure of an API view ends here."""
    # APIView.get_exception_handler_context always holds the view's request.
    request: Request = context["request"]
    return render_error(request, as_oracle_error(exc))
