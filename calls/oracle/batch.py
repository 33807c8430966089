"""Batch requests (contract §9): all parts in one transaction, all or nothing.

Each part runs exactly as the request it stands for (the same ``operations``), in a
savepoint of its own so the next part still runs and every failing part is reported;
if any part failed, the whole transaction is rolled back and only the failures answer.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import QueryDict

from calls import services

from . import links as L
from . import media, operations
from .attributes import CHILD_NAME
from .budget import RenderBudget
from .errors import OracleError, Problem, as_oracle_error, bad_request, error_body

# Parts of one batch: each runs in a savepoint of the one transaction (README "Limits").
MAX_PARTS = 100
OPERATIONS = {"get", "create", "update", "replace", "delete", "upsert"}
# Which model permissions each operation needs (any one of them). An upsert needs ``add``
# to create and ``change`` to update: the operation decides which once it knows
# (operations._authorize_*_upsert), before it writes.
PERMISSIONS = {
    "get": ("view",),
    "create": ("add",),
    "upsert": ("add", "change"),
    "update": ("change",),
    "replace": ("change",),
    "delete": ("delete",),
}
# A part's preconditions, by the name in the part and the header it stands for.
CONDITIONS = ("ifMatch", "ifNoneMatch")


class _Rollback(Exception):
    pass


def _route(path: str) -> tuple[str | None, str | None, bool, QueryDict]:
    """``(call_id, message_id, is_child_collection, query)`` of a part's path."""
    parts = urlsplit(path)
    route = parts.path
    marker = route.find("/phoneCalls")
    if marker < 0:
        raise bad_request(f"path {path!r} is not a phoneCalls resource.", "path")
    route = route[marker:]
    segments = [s for s in route.split("/") if s]
    call_id = segments[1] if len(segments) > 1 else None
    child = len(segments) > 2
    if child and (
        segments[2] != "child"
        or len(segments) < 4
        or segments[3] != "TranscriptMessage"
        or len(segments) > 5
    ):
        raise bad_request(f"path {path!r} is not a phoneCalls resource.", "path")
    message_id = segments[4] if len(segments) > 4 else None
    return call_id, message_id, child, QueryDict(parts.query)


class _Precondition:
    """What a part's ``ifMatch``/``ifNoneMatch`` came to: ``succeeded`` stays None until the
    current ETag has been compared (a part that fails before that reports false)."""

    def __init__(self, part: dict[str, Any]) -> None:
        self.sent = {key: part[key] for key in CONDITIONS if part.get(key) is not None}
        self.succeeded: bool | None = None


def _current_etag(call_id: str, message_id: str | None) -> str:
    call = operations.get_call_object(call_id)
    if message_id is None:
        return L.etag(call.version)
    return L.etag(operations.get_message_object(call, message_id).version)


def _evaluate(
    precondition: _Precondition, operation: str, call_id: str, message_id: str | None
) -> bool:
    """Compare the part's preconditions with the item's ETag: whether the part should run.

    ``ifMatch`` that names another ETag fails the part with 412. ``ifNoneMatch`` naming the
    current ETag answers a get with 304 (the client's copy is current); on a write it is
    refused, as is any precondition on a collection (there is no ETag to compare).
    """
    if "ifNoneMatch" in precondition.sent and operation != "get":
        raise bad_request("ifNoneMatch applies to get parts.", "ifNoneMatch")
    precondition.succeeded = False  # until the comparison below has shown otherwise
    current = _current_etag(call_id, message_id)
    if_match = precondition.sent.get("ifMatch")
    if if_match is not None:
        versions = L.if_match_versions(if_match)
        if versions is not None and int(current.strip('"')) not in versions:
            raise OracleError(
                412,
                [Problem("The resource was changed by another request.", "precondition_failed")],
                {"ETag": current},
            )
    if_none_match = precondition.sent.get("ifNoneMatch")
    if if_none_match is not None and L.if_none_match_hits(if_none_match, current):
        return False
    precondition.succeeded = True
    return True


def _run(
    ctx: operations.Context, part: dict[str, Any], precondition: _Precondition
) -> operations.Outcome:
    for key in ("id", "path", "operation"):
        if isinstance(part.get(key), str) and media.has_surrogate(part[key]):
            raise bad_request(f"{key} holds a lone UTF-16 surrogate.", key)
    operation = part.get("operation")
    if operation not in OPERATIONS:
        raise bad_request(f"operation must be one of {', '.join(sorted(OPERATIONS))}.", "operation")
    path = part.get("path")
    if not isinstance(path, str):
        raise bad_request("path must be a string.", "path")
    call_id, message_id, child, query = _route(path)
    ctx = operations.Context(ctx.request, ctx.version, ctx.root, query, ctx.budget)
    model = "transcriptmessage" if child else "phonecall"
    if not any(ctx.may(action, model) for action in PERMISSIONS[operation]):
        raise OracleError(403, "You do not have permission to perform this operation.")
    payload = part.get("payload")
    needs_payload = operation in ("create", "update", "upsert")
    if needs_payload and not isinstance(payload, dict):
        raise bad_request("payload must be a JSON object.", "payload")
    if operation == "replace":
        raise OracleError(405, "replace (PUT) is not supported on this resource; use update.")
    for key, value in precondition.sent.items():
        if not isinstance(value, str):
            raise bad_request(f"{key} must be a string.", key)
    if precondition.sent:
        if call_id is None or (child and message_id is None):  # a collection's path
            raise bad_request("ifMatch and ifNoneMatch apply to an item's path.", "path")
        if not _evaluate(precondition, operation, call_id, message_id):
            return operations.Outcome(304)
    if_match = precondition.sent.get("ifMatch")

    # A child's path always names its call (``_route``): no call id, the calls collection.
    if call_id is None:
        if operation == "get":
            return operations.list_calls(ctx)
        if operation in ("create", "upsert"):
            return operations.create_call(ctx, payload, upsert=operation == "upsert")
    elif not child:
        if operation == "get":
            return operations.get_call(ctx, call_id)
        if operation == "update":
            return operations.update_call(ctx, call_id, payload, if_match=if_match)
        if operation == "delete":
            return operations.delete_call(ctx, call_id, if_match=if_match)
    elif message_id is None:
        if operation == "get":
            return operations.list_messages(ctx, call_id)
        if operation in ("create", "upsert"):
            return operations.create_message(ctx, call_id, payload, upsert=operation == "upsert")
    else:
        if operation == "get":
            return operations.get_message(ctx, call_id, message_id)
        if operation == "update":
            return operations.update_message(ctx, call_id, message_id, payload, if_match=if_match)
        if operation == "delete":
            return operations.delete_message(ctx, call_id, message_id, if_match=if_match)
    raise OracleError(405, f"{operation} is not allowed on {path}.")


def run_batch(ctx: operations.Context, body: object) -> tuple[int, dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("parts"), list):
        raise bad_request('A batch body is {"parts": [...]}.', "parts")
    parts = body["parts"]
    _check_size(parts)
    # One budget for all GET parts: together they render at most one heavy page.
    ctx = operations.Context(ctx.request, ctx.version, ctx.root, budget=RenderBudget())
    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    try:
        with services.recordings_stored_during() as stored, transaction.atomic():
            for index, part in enumerate(parts):
                if not isinstance(part, dict):
                    failures.append(
                        _failure(
                            {"id": None},
                            bad_request("Each part must be a JSON object.", f"/parts/{index}"),
                        )
                    )
                    continue
                precondition = _Precondition(part)
                try:
                    with transaction.atomic():
                        outcome = _run(ctx, part, precondition)
                except Exception as exc:  # every part's failure is reported, not raised
                    failures.append(_failure(part, as_oracle_error(exc), precondition))
                    continue
                results.append(_result(part, outcome, precondition))
            if failures:
                raise _Rollback
    except _Rollback:
        services.discard_recordings(stored)  # their rows were rolled back with the batch
        return 400, {"parts": failures}
    return 200, {"parts": results}


def _check_size(parts: list[Any]) -> None:
    """Refuse a batch too big for one transaction before running any part of it.

    The messages nested in all parts count against the one request's limit, as they
    would in a single create: a batch is one request and one transaction.
    """
    if len(parts) > MAX_PARTS:
        raise bad_request(
            f"A batch has at most {MAX_PARTS} parts; this one has {len(parts)}.",
            "parts",
            code="batch_too_large",
        )
    limit = settings.CALLBOOK_MAX_MESSAGES_PER_REQUEST
    messages = 0
    for part in parts:
        payload = part.get("payload") if isinstance(part, dict) else None
        nested = payload.get(CHILD_NAME) if isinstance(payload, dict) else None
        messages += len(nested) if isinstance(nested, list) else 0
    if messages > limit:
        raise bad_request(
            f"The parts of a batch carry {messages} messages; one request may carry at most "
            f"{limit} (CALLBOOK_MAX_MESSAGES_PER_REQUEST).",
            "parts",
            code="too_many_messages",
        )


def _echo(part: dict[str, Any]) -> dict[str, Any]:
    """The part's own id, path and operation; a lone surrogate (refused) echoed as "?"."""
    echo = {key: part.get(key) for key in ("id", "path", "operation")}
    return {
        key: value.encode("utf-8", "replace").decode() if isinstance(value, str) else value
        for key, value in echo.items()
    }


def _result(
    part: dict[str, Any], outcome: operations.Outcome, precondition: _Precondition
) -> dict[str, Any]:
    result = _echo(part)
    if precondition.sent:
        result["preconditionSucceeded"] = bool(precondition.succeeded)
    if outcome.body is not None:  # none after a 304, a delete, or for a writer without view
        result["payload"] = outcome.body
    return result


def _failure(
    part: dict[str, Any], error: OracleError, precondition: _Precondition | None = None
) -> dict[str, Any]:
    failure = _echo(part)
    if precondition is not None and precondition.sent:
        # A 412 from the write itself (a change between the comparison and its lock) too.
        failure["preconditionSucceeded"] = bool(precondition.succeeded) and error.status != 412
    failure["payload"] = error_body(error)
    return failure
