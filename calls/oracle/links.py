"""Absolute hrefs, the ``{"rel", "href", "name", "kind"}`` links of the ADF dialect, and the
ETags that carry an item's change indicator."""

from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.http import parse_etags, quote_etag
from rest_framework.request import Request

RESOURCE_VERSION = "11.13.18.05"
ROOT_PATH = f"/crmRestApi/resources/{RESOURCE_VERSION}"
CALLS = "phoneCalls"


def root_url(request: HttpRequest | Request) -> str:
    return request.build_absolute_uri(ROOT_PATH)


def calls_url(root: str) -> str:
    return f"{root}/{CALLS}"


def call_url(root: str, call_id: int) -> str:
    return f"{root}/{CALLS}/{call_id}"


def messages_url(root: str, call_id: int) -> str:
    return f"{call_url(root, call_id)}/child/TranscriptMessage"


def message_url(root: str, call_id: int, message_id: int) -> str:
    return f"{messages_url(root, call_id)}/{message_id}"


def with_query(url: str, params: QueryDict) -> str:
    """A collection's URL with the query that produced the page (``limit``, ``offset``,
    ``q``, ``orderBy``, ``fields``…, as the client sent them), so that its ``self`` link
    fetches the same page again."""
    query = params.urlencode()
    return f"{url}?{query}" if query else url


def link(
    rel: str, href: str, name: str, kind: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"rel": rel, "href": href, "name": name, "kind": kind}
    if properties is not None:
        entry["properties"] = properties
    return entry


def change_indicator(version: int) -> str:
    return str(version)


def etag(version: int) -> str:
    return quote_etag(change_indicator(version))


def if_match_versions(header: str) -> set[int] | None:
    """The versions an ``If-Match`` accepts: None for ``*``, else those its tags name.

    Weak tags count (the change indicator is the only validator), and so does a bare
    number: some clients send the change indicator without the quotes of an ETag.
    """
    tokens = [token.strip() for token in header.split(",")]
    if "*" in tokens:
        return None
    tags = parse_etags(", ".join(t if t.endswith('"') else quote_etag(t) for t in tokens if t))
    values = (tag.removeprefix("W/").strip('"') for tag in tags)
    return {int(v) for v in values if v.isascii() and v.isdigit()}


def if_none_match_hits(header: str, current: str) -> bool:
    """Whether ``If-None-Match`` names the ETag ``current`` (weak comparison) or ``*``."""
    tags = parse_etags(header)
    return "*" in tags or current in {tag.removeprefix("W/") for tag in tags}
