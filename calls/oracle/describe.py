"""``describe``: the resource's metadata, generated from the attribute table."""

from typing import Any

from . import links as L
from .attributes import (
    BUILT_IN,
    CHILD_NAME,
    DATETIME,
    INTEGER,
    Attribute,
    AttributeSet,
)
from .shaping import DEFAULT_LIMIT

_TYPES = {INTEGER: "integer", DATETIME: "datetime"}
_ITEM_TYPES = ["application/json", "application/vnd.oracle.adf.resourceitem+json"]
_COLLECTION_TYPES = ["application/json", "application/vnd.oracle.adf.resourcecollection+json"]


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


def _resource(
    title: str,
    attributes: tuple[Attribute, ...],
    key: Attribute,
    url: str,
    children: dict[str, Any] | None = None,
) -> dict[str, Any]:
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


def describe_resources(root: str, attributes: AttributeSet = BUILT_IN) -> dict[str, Any]:
    """Both resources with ``attributes``: the built-ins, then the declared custom ones."""
    calls = L.calls_url(root)
    message_template = f"{calls}/{{CallId}}/child/{CHILD_NAME}"
    child = _resource(
        "Phone Transcript Messages", attributes.messages, attributes.messages[0], message_template
    )
    return {
        "Resources": {
            "phoneCalls": _resource(
                "Phone Calls",
                attributes.calls,
                attributes.calls[0],
                calls,
                children={CHILD_NAME: child},
            )
        }
    }
