"""Absolute hrefs and the ``{"rel", "href", "name", "kind"}`` links of the ADF dialect."""

from typing import Any

from django.http import HttpRequest
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
    return f'"{change_indicator(version)}"'
