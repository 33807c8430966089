"""The reusable parameters (path ids, query options, request headers) and response headers."""

from typing import Any

from ..attributes import CHILD_NAME, INT64_MAX, INT64_MIN
from ..describe import METADATA_MODES
from ..shaping import DEFAULT_LIMIT, MAX_LIMIT, ORACLE_LINK_RELS
from ..versions import HEADER as VERSION_HEADER
from ..versions import SUPPORTED


def _query(name: str, body: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": body,
        "description": description,
    }


def header(
    name: str, body: dict[str, Any], description: str, *, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": body,
        "description": description,
    }


def parameters() -> dict[str, Any]:
    int64 = {"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX}
    flag = {"type": "boolean"}
    return {
        "CallId": {"name": "CallId", "in": "path", "required": True, "schema": int64},
        "MessageId": {"name": "MessageId", "in": "path", "required": True, "schema": int64},
        "original": _query(
            "original",
            {"type": "string", "enum": ["true"]},
            "`true`: the message's unredacted original (kept under the redaction policy "
            "`redacted+original`) instead of the stored, redacted text, as UTF-8; security "
            "codes stay `[CVV]`. Needs the permission `calls.view_unredacted_transcript` "
            "(else 403); 404 when nothing was redacted or no original was kept. Every read "
            "is an access record of its own. Without it the answer is the redacted text.",
        ),
        "limit": _query(
            "limit",
            {"type": "integer", "minimum": 0, "default": DEFAULT_LIMIT},
            f"Page size; above {MAX_LIMIT} it is {MAX_LIMIT}.",
        ),
        "offset": _query(
            "offset", {"type": "integer", "minimum": 0, "default": 0}, "Rows to skip."
        ),
        "q": _query(
            "q",
            {"type": "string"},
            "v1: query by example, `PhoneNumber 555*;LeftMessageFlag=true`, "
            "`InteractionId>=10 and <= 30;PhoneNumber LIKE '+1415%'` (also NOT LIKE, IS [NOT] "
            "NULL, BETWEEN). v2+: row-match expressions, `PhoneNumber LIKE '555%' and "
            "InteractionId > 10` (`;` between expressions is AND too).",
        ),
        "orderBy": _query(
            "orderBy",
            {"type": "string"},
            "`CreationDate:desc,CallId`; `upper(PhoneNumber):asc` or `lower(…)` sorts a "
            "string attribute case-insensitively.",
        ),
        "fields": _query(
            "fields",
            {"type": "string"},
            "`CallId,PhoneNumber;TranscriptMessage:MessageId`; wins over expand.",
        ),
        "expand": _query(
            "expand",
            {"type": "string", "enum": [CHILD_NAME, "all"]},
            "Include the child collection.",
        ),
        "onlyData": _query("onlyData", flag, "Leave out links."),
        "links": _query(
            "links",
            {"type": "string"},
            f"Comma-separated rels to keep: {', '.join(sorted(ORACLE_LINK_RELS))} (lov, "
            "action and custom never occur here: they match nothing).",
        ),
        "totalResults": _query("totalResults", flag, "Add totalResults (a COUNT)."),
        "finder": _query(
            "finder",
            {"type": "string", "pattern": r"^PrimaryKey;\w+=-?\d{1,18}$"},
            "`PrimaryKey;CallId=123` (`MessageId` for messages).",
        ),
        "metadataMode": _query(
            "metadataMode",
            {"type": "string", "enum": list(METADATA_MODES)},
            "list: only each resource's links; minimal: only the names, titles and types "
            "of the attributes. Absent: the whole description.",
        ),
        "RestFrameworkVersion": header(
            VERSION_HEADER,
            {"type": "integer", "minimum": SUPPORTED[0], "maximum": SUPPORTED[-1]},
            "1 when absent: v2 switches q to expressions, v3 expands children as collections, "
            "v4 answers JSON errors, v6 moves links and ETag under @context.",
        ),
        "MetadataContext": header(
            "Metadata-Context", {"type": "string"}, "Accepted and echoed; no effect."
        ),
        "UpsertMode": header(
            "Upsert-Mode",
            {"type": "string", "enum": ["true", "false"]},
            "true: update the call matching CallId, else CallNumber "
            "(200), or create it (201); the body is a PhoneCallUpsert.",
        ),
        "IfMatch": header(
            "If-Match",
            {"type": "string"},
            "A quoted ETag (or `*`): 412 when the item changed since.",
        ),
        "IfNoneMatch": header(
            "If-None-Match", {"type": "string"}, "The current ETag: 304 without a body."
        ),
        "Range": header(
            "Range",
            {"type": "string", "example": "bytes=0-1023"},
            "One byte range: 206 with Content-Range, 416 when unsatisfiable.",
        ),
    }


def response_headers() -> dict[str, Any]:
    return {
        "RestFrameworkVersion": {
            "description": "The framework version in effect.",
            "schema": {"type": "integer"},
        },
        "MetadataContext": {
            "description": "Echoed when the request sent it.",
            "schema": {"type": "string"},
        },
        "ETag": {"description": "The quoted change indicator.", "schema": {"type": "string"}},
    }
