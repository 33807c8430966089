"""The responses: each error status with its body per framework version, and success ones."""

from collections.abc import Iterable
from typing import Any

from .. import media
from ..versions import HEADER as VERSION_HEADER
from .refs import ERROR_TYPES, content, ref, schema

ERRORS = {
    400: ("BadRequest", "Invalid request: each problem named, with its attribute path."),
    401: ("Unauthorized", "No or wrong credentials."),
    403: ("Forbidden", "The user lacks the model permission."),
    404: ("NotFound", "No such item (or the message is under another call)."),
    405: ("MethodNotAllowed", "The method is not allowed on this resource."),
    409: ("Conflict", "The call is on legal hold: neither it nor its messages can be deleted."),
    412: ("PreconditionFailed", "If-Match names a stale ETag; nothing was changed."),
    415: ("UnsupportedMediaType", "The body's Content-Type is not accepted."),
    429: ("TooManyRequests", "Throttled, or too many failed logins."),
    503: (
        "ServiceUnavailable",
        "The database (or the recording's storage) is unavailable; retry after Retry-After.",
    ),
}


def error_responses() -> dict[str, Any]:
    """One response per error status, by component name (``BadRequest``…)."""
    error_content = {
        "text/plain": {"schema": {"type": "string"}},
        **content(ERROR_TYPES, schema("Error")),
    }
    responses = {}
    for status, (name, description) in ERRORS.items():
        response = {
            "description": f"{description} Framework versions 1-3: text/plain; 4-9: "
            f"{media.ERROR} (or application/json when that is all the client accepts).",
            "content": error_content,
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": 'Basic realm="…"',
                }
            }
        elif status == 412:
            response["headers"] = {
                "ETag": {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": "The current ETag.",
                }
            }
        elif status in (429, 503):
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        responses[name] = response
    return responses


def ok(
    description: str,
    types: Iterable[str],
    body: dict[str, Any] | None,
    *,
    etag: bool = False,
    location: bool = False,
) -> dict[str, Any]:
    headers = {
        VERSION_HEADER: ref("headers", "RestFrameworkVersion"),
        "Metadata-Context": ref("headers", "MetadataContext"),
    }
    if etag:
        headers["ETag"] = {
            "description": "The quoted change indicator.",
            "required": True,
            "schema": {"type": "string"},
        }
    if location:
        headers["Location"] = {
            "description": "The item's URL.",
            "required": True,
            "schema": {"type": "string", "format": "uri"},
        }
    response = {"description": description, "headers": headers}
    if body is not None:
        response["content"] = content(types, body)
    return response


def errors(*statuses: int) -> dict[str, Any]:
    # Every operation may meet an unreachable database: 503 with Retry-After.
    everywhere = (400, 401, 403, 429, 503)
    return {str(s): ref("responses", ERRORS[s][0]) for s in dict.fromkeys((*everywhere, *statuses))}
