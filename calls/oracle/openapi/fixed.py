"""The schemas that no attribute describes: links, ``@context``, errors, describe, batches.

Hand-written because their shape is the framework's, not the resource's; the values that
can change (link rels, batch operations) still come from the modules that serve them.
"""

from typing import Any

from ..batch import OPERATIONS as BATCH_OPERATIONS
from ..shaping import LINK_RELS
from .refs import schema


def fixed_schemas() -> dict[str, Any]:
    """The framework's own shapes, by component name."""
    any_value = {"description": "Echoed as the part sent it."}
    return {
        "Link": {
            "type": "object",
            "required": ["rel", "href", "name", "kind"],
            "additionalProperties": False,
            "properties": {
                "rel": {"type": "string", "enum": sorted(LINK_RELS)},
                "href": {"type": "string", "format": "uri"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["item", "collection", "other"]},
                "properties": {
                    "type": "object",
                    "required": ["changeIndicator"],
                    "properties": {"changeIndicator": {"type": "string"}},
                },
            },
        },
        "Context": {
            "type": "object",
            "description": "Framework versions 6-9: the key, the ETag and the links.",
            "required": ["key", "headers", "links"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string"},
                "headers": {
                    "type": "object",
                    "required": ["ETag"],
                    "properties": {"ETag": {"type": "string"}},
                },
                "links": {"type": "array", "items": schema("Link")},
            },
        },
        "Error": {
            "type": "object",
            "description": "Framework versions 4-9 (earlier versions answer text/plain).",
            "required": ["type", "title", "status", "o:errorDetails"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string", "example": "Bad Request"},
                "status": {"type": "string", "pattern": "^[45][0-9][0-9]$", "example": "400"},
                "o:errorDetails": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["detail", "o:errorCode"],
                        "additionalProperties": False,
                        "properties": {
                            "detail": {"type": "string"},
                            "o:errorCode": {"type": "string"},
                            "o:errorPath": {
                                "type": "string",
                                "example": "/TranscriptMessage/2/RoleCd",
                            },
                        },
                    },
                },
            },
        },
        "Describe": {
            "type": "object",
            "required": ["Resources"],
            "properties": {
                "Resources": {
                    "type": "object",
                    "description": "phoneCalls (with its child), or TranscriptMessage alone "
                    "on a call's child/TranscriptMessage/describe.",
                    "minProperties": 1,
                    "additionalProperties": {
                        "anyOf": [
                            schema("DescribedResource"),
                            schema("DescribedResourceMinimal"),
                            schema("DescribedResourceList"),
                        ]
                    },
                }
            },
        },
        "DescribedResourceList": {
            "type": "object",
            "description": "metadataMode=list: the resource's links only.",
            "required": ["links"],
            "additionalProperties": False,
            "properties": {"links": {"type": "array", "items": {"type": "object"}}},
        },
        "DescribedResourceMinimal": {
            "type": "object",
            "description": "metadataMode=minimal: the names, titles and types of the attributes.",
            "required": ["title", "attributes"],
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string"},
                "titlePlural": {"type": "string"},
                "attributes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "title", "type"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string"},
                            "title": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                },
                "children": {
                    "type": "object",
                    "additionalProperties": schema("DescribedResourceMinimal"),
                },
            },
        },
        "DescribedResource": {
            "type": "object",
            "required": ["title", "attributes", "collection", "item"],
            "properties": {
                "title": {"type": "string"},
                "titlePlural": {"type": "string"},
                "discrColumnType": {"type": "boolean"},
                "attributes": {"type": "array", "items": schema("DescribedAttribute")},
                "collection": {
                    "type": "object",
                    "properties": {
                        "rangeSize": {"type": "integer"},
                        "finders": {"type": "array"},
                        "links": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "description": "A Link; the child's "
                                "href is a template with {CallId}.",
                            },
                        },
                        "actions": {"type": "array"},
                    },
                },
                "item": {"type": "object", "properties": {"actions": {"type": "array"}}},
                "children": {"type": "object", "additionalProperties": schema("DescribedResource")},
            },
        },
        "DescribedAttribute": {
            "type": "object",
            "required": ["name", "type", "updatable", "mandatory", "queryable", "title"],
            "properties": {
                "name": {"type": "string"},
                "type": {"type": "string"},
                "updatable": {"type": "boolean"},
                "mandatory": {"type": "boolean"},
                "queryable": {"type": "boolean"},
                "allowChanges": {"type": "string", "enum": ["always", "create", "never"]},
                "title": {"type": "string"},
                "maxLength": {"type": "string"},
                "contentType": {"type": "string"},
                "properties": {"type": "object"},
            },
        },
        "BatchRequest": {
            "type": "object",
            "required": ["parts"],
            "properties": {"parts": {"type": "array", "items": schema("BatchPart")}},
        },
        "BatchPart": {
            "type": "object",
            "required": ["id", "path", "operation"],
            "properties": {
                "id": {"type": "string"},
                "path": {"type": "string", "example": "/phoneCalls/123"},
                "operation": {"type": "string", "enum": sorted(BATCH_OPERATIONS)},
                "payload": {"type": "object"},
                "ifMatch": {"type": "string"},
            },
        },
        "BatchResult": {
            "type": "object",
            "description": "200: every part's result. 400: only the failing parts, each "
            "with an Error as its payload; nothing was applied.",
            "required": ["parts"],
            "additionalProperties": False,
            "properties": {
                "parts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "path", "operation"],
                        "properties": {
                            "id": any_value,
                            "path": any_value,
                            "operation": any_value,
                            "payload": {"type": "object"},
                        },
                    },
                }
            },
        },
    }


SECURITY_SCHEMES = {
    "basicAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "What Oracle's clients send.",
    },
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>`, a DRF token.",
    },
    "tokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The same token as `Authorization: Token <key>`.",
    },
    "sessionAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "A signed-in browser session (with CSRF).",
    },
}
