"""Media types of the ADF REST dialect: which the API reads, which it answers with."""

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

JSON = "application/json"
ITEM = "application/vnd.oracle.adf.resourceitem+json"
COLLECTION = "application/vnd.oracle.adf.resourcecollection+json"
DESCRIPTION = "application/vnd.oracle.adf.description+json"
ERROR = "application/vnd.oracle.adf.error+json"
BATCH = "application/vnd.oracle.adf.batch+json"
OCTETS = "application/octet-stream"


class ItemJSONParser(JSONParser):
    media_type = ITEM


class BatchJSONParser(JSONParser):
    media_type = BATCH


BODY_PARSERS = [JSONParser, ItemJSONParser]


def _accepted(request) -> list[str]:
    accept = request.headers.get("Accept", "")
    return [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]


def response_type(request, oracle_type: str) -> str:
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

    def select_parser(self, request, parsers):
        content_type = request.content_type.split(";")[0].strip().lower()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSON
