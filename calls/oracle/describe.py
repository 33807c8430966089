"""``describe``: the resource's metadata, generated from the attribute table.

Three routes answer it: the catalog (``/describe``) and ``/phoneCalls/describe`` (and a
call's ``/phoneCalls/{CallId}/describe``) describe phone calls with their child; a call's
``…/child/TranscriptMessage/describe`` describes the child alone. ``metadataMode`` trims
each as Oracle's does: ``list`` keeps only the resources' links, ``minimal`` only the
names, titles and types of their attributes.
"""

from typing import Any

from . import links as L
from .attributes import (
    BUILT_IN,
    CHILD_NAME,
    DATETIME,
    INT64_MAX,
    INTEGER,
    Attribute,
    AttributeSet,
)
from .errors import bad_request, not_found
from .shaping import DEFAULT_LIMIT, Params

_TYPES = {INTEGER: "integer", DATETIME: "datetime"}
_ITEM_TYPES = ["application/json", "application/vnd.oracle.adf.resourceitem+json"]
_COLLECTION_TYPES = ["application/json", "application/vnd.oracle.adf.resourcecollection+json"]

FULL = "full"  # no metadataMode: everything
METADATA_MODES = ("list", "minimal")

CALLS_TITLE = "Phone Calls"
MESSAGES_TITLE = "Phone Transcript Messages"


def parse_metadata_mode(params: Params) -> str:
    """``metadataMode``: ``list``, ``minimal``, or FULL when absent; anything else → 400."""
    mode = params.get("metadataMode")
    if mode is None or mode == "":
        return FULL
    if mode not in METADATA_MODES:
        raise bad_request(f"metadataMode must be {' or '.join(METADATA_MODES)}.")
    return mode


def _attribute(attribute: Attribute) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": attribute.name,
        "type": _TYPES.get(attribute.type, attribute.type),
        "updatable": attribute.updatable,
        "mandatory": attribute.mandatory,
        "queryable": attribute.queryable,
        "allowChanges": (
            "always" if attribute.updatable else "create" if attribute.creatable else "never"
        ),
        "title": attribute.title,
        "properties": {"fnd:OA_DATA_TYPE": attribute.type},
    }
    if attribute.max_length is not None:
        described["maxLength"] = str(attribute.max_length)
    if attribute.enclosure:
        described["contentType"] = "application/octet-stream"
    return described


def _minimal_attribute(attribute: Attribute) -> dict[str, Any]:
    return {
        "name": attribute.name,
        "title": attribute.title,
        "type": _TYPES.get(attribute.type, attribute.type),
    }


def _resource(
    title: str,
    attributes: tuple[Attribute, ...],
    key: Attribute,
    url: str,
    mode: str,
    name: str,
    children: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if mode == "list":
        return {
            "links": [
                L.link("self", url, name, "collection"),
                L.link("describe", f"{url}/describe", name, "describe"),
            ]
        }
    if mode == "minimal":
        minimal: dict[str, Any] = {
            "title": title,
            "titlePlural": title,
            "attributes": [_minimal_attribute(a) for a in attributes],
        }
        if children:
            minimal["children"] = children
        return minimal
    described: dict[str, Any] = {
        "discrColumnType": False,
        "title": title,
        "titlePlural": title,
        "attributes": [_attribute(a) for a in attributes],
        "collection": {
            "rangeSize": DEFAULT_LIMIT,
            "finders": [
                {
                    "name": "PrimaryKey",
                    "title": "PrimaryKey",
                    "attributes": [
                        {**_attribute(key), "mandatory": True},
                    ],
                }
            ],
            "links": [L.link("self", url, "self", "collection")],
            "actions": [
                {"name": "get", "method": "GET", "responseType": _COLLECTION_TYPES},
                {
                    "name": "create",
                    "method": "POST",
                    "requestType": _ITEM_TYPES,
                    "responseType": _ITEM_TYPES,
                },
            ],
        },
        "item": {
            "actions": [
                {"name": "get", "method": "GET", "responseType": _ITEM_TYPES},
                {
                    "name": "update",
                    "method": "PATCH",
                    "requestType": _ITEM_TYPES,
                    "responseType": _ITEM_TYPES,
                },
                {"name": "delete", "method": "DELETE"},
            ],
        },
    }
    if children:
        described["children"] = children
    return described


def _messages(url: str, mode: str, attributes: AttributeSet) -> dict[str, Any]:
    return _resource(
        MESSAGES_TITLE, attributes.messages, attributes.messages[0], url, mode, CHILD_NAME
    )


def describe_resources(
    root: str, mode: str = FULL, attributes: AttributeSet = BUILT_IN
) -> dict[str, Any]:
    """Phone calls and their child, as the catalog and ``/phoneCalls/describe`` answer, with
    ``attributes``: the built-ins, then the declared custom ones."""
    calls = L.calls_url(root)
    # In list mode a resource is only its links: the child is reached through a call.
    children = None
    if mode != "list":
        template = f"{calls}/{{CallId}}/child/{CHILD_NAME}"
        children = {CHILD_NAME: _messages(template, mode, attributes)}
    resource = _resource(
        CALLS_TITLE, attributes.calls, attributes.calls[0], calls, mode, L.CALLS, children
    )
    return {"Resources": {L.CALLS: resource}}


def describe_messages(
    root: str, call_id: str, mode: str = FULL, attributes: AttributeSet = BUILT_IN
) -> dict[str, Any]:
    """``…/phoneCalls/{CallId}/child/TranscriptMessage/describe``: the child resource,
    with the collection URL of that call."""
    url = L.messages_url(root, _call_id(call_id))
    return {"Resources": {CHILD_NAME: _messages(url, mode, attributes)}}


def _call_id(call_id: str) -> int:
    """The path's CallId. The metadata is the resource's, whatever the row, so no query
    looks the call up; an id that is no int64 in plain ASCII digits is a 404 all the same,
    as it is on every other path of a call (``operations.get_call_object``)."""
    if not (call_id.isascii() and call_id.isdigit()) or int(call_id) > INT64_MAX:
        raise not_found(f"There is no phone call with CallId {call_id}.")
    return int(call_id)


def describe_call(
    root: str, call_id: str, mode: str = FULL, attributes: AttributeSet = BUILT_IN
) -> dict[str, Any]:
    """``…/phoneCalls/{CallId}/describe``: the resource's describe."""
    _call_id(call_id)
    return describe_resources(root, mode, attributes)
