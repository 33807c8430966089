"""The operations of each route: parameters, request bodies and responses per method."""

from collections.abc import Iterable
from typing import Any

from .. import media
from ..attributes import CHILD_NAME
from .parameters import header
from .refs import ITEM_TYPES, content, parameter_refs, ref, schema
from .responses import error_responses, errors, ok

SHAPE = ["fields", "onlyData", "links"]
PAGE = ["limit", "offset", "q", "orderBy", "totalResults", "finder"]


def _body(name: str, types: Iterable[str] = ITEM_TYPES) -> dict[str, Any]:
    return {"required": True, "content": content(types, schema(name))}


def _resource_operations(call: bool, item: bool) -> dict[str, Any]:
    """GET/POST of a collection or GET/PATCH/DELETE of an item, of calls or messages."""
    name = "PhoneCall" if call else "TranscriptMessage"
    what = "phone call" if call else "transcript message"
    ids = ["CallId"] if call else ["CallId", "MessageId"]
    shape = SHAPE + (["expand"] if call else [])
    if not item:
        ids = ids[:1] if not call else []
        return {
            "get": {
                "summary": f"List {what}s",
                "parameters": parameter_refs(*ids, *PAGE, *shape),
                "responses": {
                    "200": ok(
                        f"A page of {what}s.",
                        (media.COLLECTION, media.JSON),
                        schema(f"{name}Collection"),
                    ),
                    **errors(*([] if call else [404])),
                },
            },
            "post": {
                "summary": f"Create a {what}" + (" (or upsert it)" if call else ""),
                "parameters": parameter_refs(*ids, *(["UpsertMode"] if call else [])),
                "requestBody": _body(f"{name}Create"),
                "responses": {
                    "201": ok(
                        f"The created {what}, with any nested messages.",
                        ITEM_TYPES,
                        schema(name),
                        etag=True,
                        location=True,
                    ),
                    **(
                        {
                            "200": ok(
                                "Upsert-Mode: true updated the matching call.",
                                ITEM_TYPES,
                                schema(name),
                                etag=True,
                                location=True,
                            )
                        }
                        if call
                        else {}
                    ),
                    **errors(415, *([503] if call else [404])),
                },
            },
        }
    update: dict[str, Any] = {
        "parameters": parameter_refs(*ids, "IfMatch"),
        "requestBody": _body(f"{name}Update"),
        "responses": {
            "200": ok(f"The full {what} after the update.", ITEM_TYPES, schema(name), etag=True),
            **errors(404, 412, 415, *([503] if call else [])),
        },
    }
    return {
        "get": {
            "summary": f"Get a {what}",
            "parameters": parameter_refs(*ids, *shape, "IfNoneMatch"),
            "responses": {
                "200": ok(f"The {what}.", ITEM_TYPES, schema(f"{name}Shaped"), etag=True),
                "304": {
                    "description": "If-None-Match names the current ETag.",
                    "headers": {"ETag": ref("headers", "ETag")},
                },
                **errors(404),
            },
        },
        "patch": {"summary": f"Update a {what} (only the attributes sent)", **update},
        "post": {
            "summary": f"Update a {what} through X-HTTP-Method-Override: PATCH",
            **update,
            "parameters": [
                *update["parameters"],
                header(
                    "X-HTTP-Method-Override",
                    {"type": "string", "enum": ["PATCH"]},
                    "A POST carrying it acts as PATCH (GET and DELETE work too).",
                    required=True,
                ),
            ],
            "responses": {**update["responses"], **errors(404, 405)},
        },
        "delete": {
            "summary": f"Delete a {what}" + (" and its messages" if call else ""),
            "parameters": parameter_refs(*ids, "IfMatch"),
            "responses": {
                "204": ok("Deleted.", (), None),
                # 409: the call (a message's call) is on legal hold.
                **errors(404, 409, 412),
            },
        },
    }


# What an enclosure's GET answers with: a recording its media type (RecordingFormat, else
# sniffed from the bytes, else octets), a message's content octets or, when Accept prefers
# it, UTF-8 text.
ENCLOSURE_TYPES = {
    "CallRecording": ("audio/*", "video/*", "application/ogg", media.OCTETS),
    "MessageContent": (media.OCTETS, "text/plain"),
}


def _enclosure_operations(name: str, ids: list[str]) -> dict[str, Any]:
    octets = {"type": "string", "format": "binary"}
    ranged = {"Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}}}
    served = ENCLOSURE_TYPES[name]
    return {
        "get": {
            "summary": f"Read {name} as raw bytes",
            "parameters": parameter_refs(
                *ids, "Range", *(["original"] if name == "MessageContent" else [])
            ),
            "responses": {
                "200": {
                    "description": "The bytes.",
                    "headers": ranged,
                    "content": content(served, octets),
                },
                "206": {
                    "description": "The requested range.",
                    "headers": {
                        **ranged,
                        "Content-Range": {"schema": {"type": "string"}, "required": True},
                    },
                    "content": content(served, octets),
                },
                "416": {
                    "description": "The range is not satisfiable; empty body.",
                    "headers": {
                        "Content-Range": {"schema": {"type": "string"}, "example": "bytes */1024"}
                    },
                    "content": content(served, {"type": "string", "maxLength": 0}),
                },
                **errors(404),
            },
        },
        "put": {
            "summary": f"Replace {name} with the raw body",
            "parameters": parameter_refs(*ids),
            "requestBody": {"required": True, "content": content((media.OCTETS,), octets)},
            "responses": {
                "204": ok("Stored.", (), None),
                **errors(404, *([503] if name == "CallRecording" else [])),
            },
        },
        "delete": {
            "summary": f"Clear {name}",
            "parameters": parameter_refs(*ids),
            "responses": {"204": ok("Cleared.", (), None), **errors(404)},
        },
    }


def route_operations(route: str) -> dict[str, Any]:
    """The operations of a named route of ``urls.py``, by HTTP method."""

    def describe(summary: str, *ids: str) -> dict[str, Any]:
        described = ok("The metadata.", (media.DESCRIPTION, media.JSON), schema("Describe"))
        described["content"][media.OPENAPI3] = {
            "schema": {"type": "object", "description": "This OpenAPI document."}
        }
        described["description"] += f" With `Accept: {media.OPENAPI3}`: this OpenAPI document."
        return {
            "get": {
                "summary": summary,
                "parameters": parameter_refs(*ids, "metadataMode"),
                "responses": {"200": described, **errors(*([404] if ids else []))},
            }
        }

    resources = "Describe phone calls: attributes, finders, actions, children"
    batch_types = (media.BATCH, media.JSON)
    return {
        "batch": {
            "get": {
                **describe("")["get"],
                "summary": "The resource catalog of this version "
                "(the same as /describe?metadataMode=list)",
            },
            "post": {
                "summary": "Run a batch of parts in one transaction, all or nothing",
                "requestBody": _body("BatchRequest", (media.BATCH,)),
                "responses": {
                    "200": ok("Every part's result.", batch_types, schema("BatchResult")),
                    "400": {
                        **error_responses()["BadRequest"],
                        "content": {
                            **error_responses()["BadRequest"]["content"],
                            media.BATCH: {"schema": schema("BatchResult")},
                            media.JSON: {
                                "schema": {"anyOf": [schema("BatchResult"), schema("Error")]}
                            },
                        },
                    },
                    **{k: v for k, v in errors(415).items() if k != "400"},
                },
            },
        },
        "describe": describe(resources),
        "calls-describe": describe(resources),
        "call-describe": describe(f"{resources} (as /phoneCalls/describe)", "CallId"),
        "messages-describe": describe(f"Describe the {CHILD_NAME} child", "CallId"),
        "calls": _resource_operations(call=True, item=False),
        "call": _resource_operations(call=True, item=True),
        "messages": _resource_operations(call=False, item=False),
        "message": _resource_operations(call=False, item=True),
        "call-recording": _enclosure_operations("CallRecording", ["CallId"]),
        "message-content": _enclosure_operations("MessageContent", ["CallId", "MessageId"]),
    }[route]
