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
    """DRF's JSON parser, refusing (400) bodies nested too deep to parse and surrogate keys.

    A gzip or deflate body is decompressed while JSON reads it, within the size limit
    (``bodies.decoded``).
    """

    # Any JSON value: a top-level array parses too, though the stubs say dict.
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # Imported here: bodies answers with errors, and errors reads this module's types.
        from .bodies import decoded

        request = (parser_context or {}).get("request")
        # JSONParser only calls read() on its stream, which DecodedBody provides.
        body: Any = stream if request is None else decoded(request, stream)
        try:
            data = super().parse(body, media_type, parser_context)
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


def _quality(params: list[str]) -> float:
    """The ``q`` of one Accept entry (1 when absent; an unreadable weight counts as 1)."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                return 1.0
            return min(max(weight, 0.0), 1.0)
    return 1.0


def _ranges(request: HttpRequest | Request) -> list[tuple[str, float]]:
    """The media ranges of ``Accept`` with their weights, in the order given."""
    accept = request.headers.get("Accept", "")
    ranges = []
    for entry in accept.split(","):
        media_range, *params = entry.split(";")
        media_range = media_range.strip().lower()
        if media_range:
            ranges.append((media_range, _quality(params)))
    return ranges


def _weight(ranges: list[tuple[str, float]], media_type: str) -> tuple[float, int] | None:
    """How much ``Accept`` wants ``media_type``: (q, specificity) of the most specific range
    that matches it (RFC 9110 §12.5.1), None when no range matches."""
    kind = media_type.split("/", 1)[0]
    best: tuple[float, int] | None = None
    for media_range, weight in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[1]:
            best = (weight, specificity)
    return best


def negotiate(request: HttpRequest | Request, oracle_type: str) -> str | None:
    """The media type to answer with: the Oracle type or plain JSON, as ``Accept`` weighs them.

    None means the client gave every type the resource answers ``q=0``: it asks for the
    status and headers alone (Oracle recommends ``…resourceitem+json;q=0`` for bulk
    upserts). An ``Accept`` naming neither type (``text/html``) still gets the Oracle type,
    as every request did before weights counted: the API never answers 406.
    """
    ranges = _ranges(request)
    if not ranges:
        return oracle_type
    weights = {candidate: _weight(ranges, candidate) for candidate in (oracle_type, JSON)}
    wanted = {t: w for t, w in weights.items() if w is not None and w[0] > 0}
    if wanted:
        # The higher weight wins; on a tie the type named outright, then the Oracle type.
        return max(wanted, key=lambda t: (wanted[t], t == oracle_type))
    if any(w is not None for w in weights.values()):
        return None
    return oracle_type


def preferred(request: HttpRequest | Request, candidates: list[str]) -> str:
    """Of ``candidates`` (the server's order of preference), the one ``Accept`` weighs most.

    Ties, an absent ``Accept`` and one that accepts none of them go to the first: the API
    never answers 406. For an enclosure, whose bytes are the same whatever it is called.
    """
    ranges = _ranges(request)
    weights = {c: _weight(ranges, c.split(";", 1)[0].strip()) for c in candidates}
    wanted = {c: w for c, w in weights.items() if w is not None and w[0] > 0}
    if not ranges or not wanted:
        return candidates[0]
    return max(wanted, key=lambda c: (wanted[c], -candidates.index(c)))


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
    """The media type of an answer that always has a body (an error, a describe)."""
    return negotiate(request, oracle_type) or oracle_type


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
