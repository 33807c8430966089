"""Media types of the ADF REST dialect: which the API reads, which it answers with."""

import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.http import HttpRequest
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

JSON = "application/json"
ITEM = "application/vnd.oracle.adf.resourceitem+json"
COLLECTION = "application/vnd.oracle.adf.resourcecollection+json"
DESCRIPTION = "application/vnd.oracle.adf.description+json"
ERROR = "application/vnd.oracle.adf.error+json"
BATCH = "application/vnd.oracle.adf.batch+json"
OCTETS = "application/octet-stream"
# What a describe answers with when asked for it: the OpenAPI document (calls/oracle/openapi).
OPENAPI3 = "application/vnd.oracle.openapi3+json"


# A lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot be encoded as UTF-8. In a value the
# serializers name the attribute (and batch.py checks a part's own strings); in a key, the
# error that names the unknown attribute would raise while rendering, so keys are checked here.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def _has_surrogate_key(data: object) -> bool:
    """Whether any object key holds a surrogate (iterative: the depth is the client's)."""
    stack: list[object] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(has_surrogate(key) for key in value):
                return True
            stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, (dict, list)))
    return False


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, refusing (400) bodies nested too deep to parse and surrogate keys."""

    # Any JSON value: a top-level array parses too, though the stubs say dict.
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if _has_surrogate_key(data):
            raise ParseError("JSON parse error - a key holds a lone UTF-16 surrogate.")
        return data


class PlainJSONParser(StrictJSONParser):
    media_type = JSON


class ItemJSONParser(StrictJSONParser):
    media_type = ITEM


class BatchJSONParser(StrictJSONParser):
    media_type = BATCH


BODY_PARSERS = [PlainJSONParser, ItemJSONParser]


def _accepted(request: HttpRequest | Request) -> list[str]:
    accept = request.headers.get("Accept", "")
    return [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]


def names_type(request: HttpRequest | Request, media_type: str) -> bool:
    """Whether ``Accept`` names ``media_type`` itself (no wildcard) with a weight above 0."""
    for part in request.headers.get("Accept", "").split(","):
        kind, *parameters = part.split(";")
        if kind.strip().lower() != media_type:
            continue
        weights = [p.split("=", 1)[1] for p in parameters if p.strip().lower().startswith("q=")]
        try:
            return not weights or float(weights[0]) > 0
        except ValueError:
            return False
    return False


def response_type(request: HttpRequest | Request, oracle_type: str) -> str:
    """The Oracle media type, unless the client accepts plain JSON and not the Oracle type."""
    accepted = _accepted(request)
    if JSON in accepted and oracle_type not in accepted:
        return JSON
    return oracle_type


class OracleNegotiation(BaseContentNegotiation):
    """Never refuses a request for its Accept header: responses are always JSON-shaped.

    The response media type itself is chosen by ``response_type``; this class only picks
    the parser for the body (DRF answers 415 when none fits).
    """

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        content_type = request.content_type.split(";")[0].strip().lower()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), JSON
