"""The OpenAPI 3 description of the REST API, served at ``/api/schema/``.

Why a generator of our own rather than drf-spectacular: the views answer with hand-built
ADF dicts (``rendering``), not DRF serializers, and the request serializers are assembled
at run time from ``attributes``; spectacular could introspect almost nothing, so every
component would be hand-written in ``extend_schema`` calls, a second copy of the contract.
Built here from the same sources the API runs on, the document cannot drift from it:

- the attribute table gives every property: type, ``maxLength``, int64 bounds, what a
  create or an update may send, what is read-only; the model gives nullability;
- ``urls.urlpatterns`` gives the operations: each named route with the methods of its view
  (a route without a template in ``PATHS`` is an error, so no route goes undocumented);
- ``media``, ``shaping``, ``versions`` and ``batch`` give the media types, the paging
  defaults, the framework versions and the batch operations.

The schema is public (no authentication): it describes the contract, as Oracle's own REST
documentation does, and no data. It is built once per process.
"""

import functools
import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from calls.models import PhoneCall, TranscriptMessage

from . import media
from .attributes import (
    BOOLEAN,
    BYTES,
    CALL_ATTRIBUTES,
    CHILD_NAME,
    DATETIME,
    INTEGER,
    MESSAGE_ATTRIBUTES,
    STRING,
    Attribute,
)
from .batch import OPERATIONS as BATCH_OPERATIONS
from .links import ROOT_PATH
from .serializers import IGNORED_KEYS, INT64, PUBLIC_IDS
from .shaping import DEFAULT_LIMIT, LINK_RELS, MAX_LIMIT
from .versions import HEADER as VERSION_HEADER
from .versions import SUPPORTED

# Each named route of ``urls.py``: its path below the server URL, and its tag.
CALL = "/phoneCalls/{CallId}"
MESSAGE = f"{CALL}/child/{CHILD_NAME}/{{MessageId}}"
PATHS = {
    "batch": ("/", "batch"),
    "describe": ("/describe", "describe"),
    "calls-describe": ("/phoneCalls/describe", "describe"),
    "calls": ("/phoneCalls", "phoneCalls"),
    "call": (CALL, "phoneCalls"),
    "messages": (f"{CALL}/child/{CHILD_NAME}", CHILD_NAME),
    "message": (MESSAGE, CHILD_NAME),
    "call-recording": (f"{CALL}/enclosure/CallRecording", "enclosures"),
    "message-content": (f"{MESSAGE}/enclosure/MessageContent", "enclosures"),
}
ITEM_TYPES = (media.ITEM, media.JSON)
ERROR_TYPES = (media.ERROR, media.JSON)


def ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def schema(name: str) -> dict:
    return ref("schemas", name)


def _content(types, body: dict) -> dict:
    return {media_type: {"schema": body} for media_type in types}


# Schemas of the attributes


def _model_field(model, path: str):
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(last)


def _property(attribute: Attribute, *, nullable: bool, read_only: bool = False) -> dict:
    prop = {
        STRING: {"type": "string"},
        INTEGER: {"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]},
        BOOLEAN: {"type": "boolean"},
        DATETIME: {"type": "string", "format": "date-time"},
        BYTES: {"type": "string", "format": "byte"},
    }[attribute.type]
    prop["title"] = attribute.title
    if attribute.type == STRING and attribute.max_length:
        prop["maxLength"] = attribute.max_length
    if nullable:
        prop["nullable"] = True
    if read_only:
        prop["readOnly"] = True
    return prop


def _item(attributes, model, child: str | None, *, full: bool) -> dict:
    """An item as answered: every inline attribute, ``links`` or (v6+) ``@context``."""
    inline = [a for a in attributes if a.inline]
    properties = {
        a.name: _property(a, nullable=_model_field(model, a.field).null, read_only=a.read_only)
        for a in inline
    }
    if child:
        properties[CHILD_NAME] = {
            "description": "The expanded (or, on create, the created) messages: an array in "
            "framework versions 1-2, a collection object from version 3.",
            "anyOf": [
                {"type": "array", "items": schema(child)},
                schema("TranscriptMessageCollection"),
            ],
        }
    properties["links"] = {
        "type": "array",
        "items": schema("Link"),
        "description": "Framework versions 1-5.",
    }
    properties["@context"] = schema("Context")
    item = {"type": "object", "properties": properties, "additionalProperties": False}
    if full:
        item["required"] = [a.name for a in inline]
        item["anyOf"] = [{"required": ["links"]}, {"required": ["@context"]}]
    else:
        item["description"] = "An item as shaped by fields, onlyData, links and expand."
    return item


def _request(attributes, *, update: bool, extra=None, child=None, required=True) -> dict:
    """A request body: what the serializer takes (``serializers.field_for``)."""
    properties, mandatory = {}, []
    for a in attributes:
        if a.updatable if update else a.creatable:
            # Booleans are NOT NULL with a default; so are the public ids, which are also never
            # empty; other attributes take null unless mandatory.
            public_id = a.name in PUBLIC_IDS
            properties[a.name] = _property(
                a, nullable=a.type != BOOLEAN and not a.mandatory and not public_id
            )
            if public_id:
                properties[a.name]["minLength"] = 1
            if a.mandatory and required and not update:
                mandatory.append(a.name)
    properties.update(extra or {})
    if child:
        properties[CHILD_NAME] = {"type": "array", "items": schema(child)}
    for key in sorted(IGNORED_KEYS):
        properties[key] = {"description": "Ignored: clients may send back what they read."}
    body = {"type": "object", "properties": properties, "additionalProperties": False}
    if mandatory:
        body["required"] = mandatory
    return body


def _collection(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "count", "hasMore", "limit", "offset", "links"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": schema(item)},
            "totalResults": {
                "type": "integer",
                "minimum": 0,
                "description": "Only with totalResults=true.",
            },
            "count": {"type": "integer", "minimum": 0},
            "hasMore": {"type": "boolean"},
            "limit": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "links": {"type": "array", "items": schema("Link")},
        },
    }


def _schemas() -> dict:
    key = {"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]}
    message_id = {
        **key,
        "title": "Message ID",
        "description": "Names the message to update (upsert, nested in a PATCH).",
    }
    any_value = {"description": "Echoed as the part sent it."}
    return {
        "PhoneCall": _item(CALL_ATTRIBUTES, PhoneCall, "TranscriptMessage", full=True),
        "PhoneCallShaped": _item(CALL_ATTRIBUTES, PhoneCall, "TranscriptMessageShaped", full=False),
        "PhoneCallCreate": _request(CALL_ATTRIBUTES, update=False, child="TranscriptMessageCreate"),
        "PhoneCallUpsert": {
            **_request(
                CALL_ATTRIBUTES,
                update=False,
                child="TranscriptMessageUpsert",
                extra={"CallId": {**key, "title": "Call ID"}},
                required=False,
            ),
            "description": "With Upsert-Mode: true, a call matching CallId, else CallNumber, "
            "is updated; messages match by MessageId, then MessageNumber.",
        },
        "PhoneCallUpdate": _request(CALL_ATTRIBUTES, update=True, child="TranscriptMessageUpsert"),
        "PhoneCallCollection": _collection("PhoneCallShaped"),
        "TranscriptMessage": _item(MESSAGE_ATTRIBUTES, TranscriptMessage, None, full=True),
        "TranscriptMessageShaped": _item(MESSAGE_ATTRIBUTES, TranscriptMessage, None, full=False),
        "TranscriptMessageCreate": _request(MESSAGE_ATTRIBUTES, update=False),
        "TranscriptMessageUpsert": _request(
            MESSAGE_ATTRIBUTES, update=False, extra={"MessageId": message_id}
        ),
        "TranscriptMessageUpdate": _request(MESSAGE_ATTRIBUTES, update=True),
        "TranscriptMessageCollection": _collection("TranscriptMessageShaped"),
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
                    "required": ["phoneCalls"],
                    "properties": {"phoneCalls": schema("DescribedResource")},
                }
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


# Parameters, headers, responses


def _query(name: str, body: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": body,
        "description": description,
    }


def _header(name: str, body: dict, description: str, *, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": body,
        "description": description,
    }


def _parameters() -> dict:
    int64 = {"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]}
    flag = {"type": "boolean"}
    return {
        "CallId": {"name": "CallId", "in": "path", "required": True, "schema": int64},
        "MessageId": {"name": "MessageId", "in": "path", "required": True, "schema": int64},
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
            "v1: query by example, `PhoneNumber 555*;LeftMessageFlag=true`. v2+: "
            "row-match expressions, `PhoneNumber LIKE '555%' and InteractionId > 10`.",
        ),
        "orderBy": _query("orderBy", {"type": "string"}, "`CreationDate:desc,CallId`."),
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
            f"Comma-separated rels to keep: {', '.join(sorted(LINK_RELS))}.",
        ),
        "totalResults": _query("totalResults", flag, "Add totalResults (a COUNT)."),
        "finder": _query(
            "finder",
            {"type": "string", "pattern": r"^PrimaryKey;\w+=-?\d{1,18}$"},
            "`PrimaryKey;CallId=123` (`MessageId` for messages).",
        ),
        "RestFrameworkVersion": _header(
            VERSION_HEADER,
            {"type": "integer", "minimum": SUPPORTED[0], "maximum": SUPPORTED[-1]},
            "1 when absent: v2 switches q to expressions, v3 expands children as collections, "
            "v4 answers JSON errors, v6 moves links and ETag under @context.",
        ),
        "MetadataContext": _header(
            "Metadata-Context", {"type": "string"}, "Accepted and echoed; no effect."
        ),
        "UpsertMode": _header(
            "Upsert-Mode",
            {"type": "string", "enum": ["true", "false"]},
            "true: update the call matching CallId, else CallNumber "
            "(200), or create it (201); the body is a PhoneCallUpsert.",
        ),
        "IfMatch": _header(
            "If-Match",
            {"type": "string"},
            "A quoted ETag (or `*`): 412 when the item changed since.",
        ),
        "IfNoneMatch": _header(
            "If-None-Match", {"type": "string"}, "The current ETag: 304 without a body."
        ),
        "Range": _header(
            "Range",
            {"type": "string", "example": "bytes=0-1023"},
            "One byte range: 206 with Content-Range, 416 when unsatisfiable.",
        ),
    }


def _response_headers() -> dict:
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


ERRORS = {
    400: ("BadRequest", "Invalid request: each problem named, with its attribute path."),
    401: ("Unauthorized", "No or wrong credentials."),
    403: ("Forbidden", "The user lacks the model permission."),
    404: ("NotFound", "No such item (or the message is under another call)."),
    405: ("MethodNotAllowed", "The method is not allowed on this resource."),
    412: ("PreconditionFailed", "If-Match names a stale ETag; nothing was changed."),
    415: ("UnsupportedMediaType", "The body's Content-Type is not accepted."),
    429: ("TooManyRequests", "Throttled, or too many failed logins."),
    503: ("ServiceUnavailable", "The recording could not be stored; retry later."),
}


def _responses() -> dict:
    error_content = {
        "text/plain": {"schema": {"type": "string"}},
        **_content(ERROR_TYPES, schema("Error")),
    }
    responses = {}
    for status, (name, description) in ERRORS.items():
        response = {
            "description": f"{description} Framework versions 1-3: text/plain; 4-9: "
            f"{media.ERROR} (or application/json when that is all the client accepts).",
            "content": error_content,
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": 'Basic realm="…"',
                }
            }
        elif status == 412:
            response["headers"] = {
                "ETag": {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": "The current ETag.",
                }
            }
        elif status in (429, 503):
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        responses[name] = response
    return responses


def _ok(description: str, types, body: dict | None, *, etag=False, location=False) -> dict:
    headers = {
        VERSION_HEADER: ref("headers", "RestFrameworkVersion"),
        "Metadata-Context": ref("headers", "MetadataContext"),
    }
    if etag:
        headers["ETag"] = {
            "description": "The quoted change indicator.",
            "required": True,
            "schema": {"type": "string"},
        }
    if location:
        headers["Location"] = {
            "description": "The item's URL.",
            "required": True,
            "schema": {"type": "string", "format": "uri"},
        }
    response = {"description": description, "headers": headers}
    if body is not None:
        response["content"] = _content(types, body)
    return response


def _errors(*statuses) -> dict:
    return {str(s): ref("responses", ERRORS[s][0]) for s in (400, 401, 403, 429, *statuses)}


# Operations


SHAPE = ["fields", "onlyData", "links"]
PAGE = ["limit", "offset", "q", "orderBy", "totalResults", "finder"]


def _parameter_refs(*names) -> list:
    return [ref("parameters", name) for name in names]


def _body(name: str, types=ITEM_TYPES) -> dict:
    return {"required": True, "content": _content(types, schema(name))}


def _resource_operations(call: bool, item: bool) -> dict:
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
                "parameters": _parameter_refs(*ids, *PAGE, *shape),
                "responses": {
                    "200": _ok(
                        f"A page of {what}s.",
                        (media.COLLECTION, media.JSON),
                        schema(f"{name}Collection"),
                    ),
                    **_errors(*([] if call else [404])),
                },
            },
            "post": {
                "summary": f"Create a {what}" + (" (or upsert it)" if call else ""),
                "parameters": _parameter_refs(*ids, *(["UpsertMode"] if call else [])),
                "requestBody": _body(f"{name}Create"),
                "responses": {
                    "201": _ok(
                        f"The created {what}, with any nested messages.",
                        ITEM_TYPES,
                        schema(name),
                        etag=True,
                        location=True,
                    ),
                    **(
                        {
                            "200": _ok(
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
                    **_errors(415, *([503] if call else [404])),
                },
            },
        }
    update = {
        "parameters": _parameter_refs(*ids, "IfMatch"),
        "requestBody": _body(f"{name}Update"),
        "responses": {
            "200": _ok(f"The full {what} after the update.", ITEM_TYPES, schema(name), etag=True),
            **_errors(404, 412, 415, *([503] if call else [])),
        },
    }
    return {
        "get": {
            "summary": f"Get a {what}",
            "parameters": _parameter_refs(*ids, *shape, "IfNoneMatch"),
            "responses": {
                "200": _ok(f"The {what}.", ITEM_TYPES, schema(f"{name}Shaped"), etag=True),
                "304": {
                    "description": "If-None-Match names the current ETag.",
                    "headers": {"ETag": ref("headers", "ETag")},
                },
                **_errors(404),
            },
        },
        "patch": {"summary": f"Update a {what} (only the attributes sent)", **update},
        "post": {
            "summary": f"Update a {what} through X-HTTP-Method-Override: PATCH",
            **update,
            "parameters": [
                *update["parameters"],
                _header(
                    "X-HTTP-Method-Override",
                    {"type": "string", "enum": ["PATCH"]},
                    "A POST carrying it acts as PATCH (GET and DELETE work too).",
                    required=True,
                ),
            ],
            "responses": {**update["responses"], **_errors(404, 405)},
        },
        "delete": {
            "summary": f"Delete a {what}" + (" and its messages" if call else ""),
            "parameters": _parameter_refs(*ids, "IfMatch"),
            "responses": {"204": _ok("Deleted.", (), None), **_errors(404, 412)},
        },
    }


def _enclosure_operations(name: str, ids: list[str]) -> dict:
    octets = {"type": "string", "format": "binary"}
    ranged = {"Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}}}
    return {
        "get": {
            "summary": f"Read {name} as raw bytes",
            "parameters": _parameter_refs(*ids, "Range"),
            "responses": {
                "200": {
                    "description": "The bytes.",
                    "headers": ranged,
                    "content": _content((media.OCTETS,), octets),
                },
                "206": {
                    "description": "The requested range.",
                    "headers": {
                        **ranged,
                        "Content-Range": {"schema": {"type": "string"}, "required": True},
                    },
                    "content": _content((media.OCTETS,), octets),
                },
                "416": {
                    "description": "The range is not satisfiable; empty body.",
                    "headers": {
                        "Content-Range": {"schema": {"type": "string"}, "example": "bytes */1024"}
                    },
                    "content": _content((media.OCTETS,), {"type": "string", "maxLength": 0}),
                },
                **_errors(404),
            },
        },
        "put": {
            "summary": f"Replace {name} with the raw body",
            "parameters": _parameter_refs(*ids),
            "requestBody": {"required": True, "content": _content((media.OCTETS,), octets)},
            "responses": {
                "204": _ok("Stored.", (), None),
                **_errors(404, *([503] if name == "CallRecording" else [])),
            },
        },
        "delete": {
            "summary": f"Clear {name}",
            "parameters": _parameter_refs(*ids),
            "responses": {"204": _ok("Cleared.", (), None), **_errors(404)},
        },
    }


def _operations(route: str) -> dict:
    describe = {
        "get": {
            "summary": "Describe the resources: attributes, finders, actions, children",
            "responses": {
                "200": _ok("The metadata.", (media.DESCRIPTION, media.JSON), schema("Describe")),
                **_errors(),
            },
        }
    }
    batch_types = (media.BATCH, media.JSON)
    return {
        "batch": {
            "post": {
                "summary": "Run a batch of parts in one transaction, all or nothing",
                "requestBody": _body("BatchRequest", (media.BATCH,)),
                "responses": {
                    "200": _ok("Every part's result.", batch_types, schema("BatchResult")),
                    "400": {
                        **_responses()["BadRequest"],
                        "content": {
                            **_responses()["BadRequest"]["content"],
                            media.BATCH: {"schema": schema("BatchResult")},
                            media.JSON: {
                                "schema": {"anyOf": [schema("BatchResult"), schema("Error")]}
                            },
                        },
                    },
                    **{k: v for k, v in _errors(415).items() if k != "400"},
                },
            }
        },
        "describe": describe,
        "calls-describe": describe,
        "calls": _resource_operations(call=True, item=False),
        "call": _resource_operations(call=True, item=True),
        "messages": _resource_operations(call=False, item=False),
        "message": _resource_operations(call=False, item=True),
        "call-recording": _enclosure_operations("CallRecording", ["CallId"]),
        "message-content": _enclosure_operations("MessageContent", ["CallId", "MessageId"]),
    }[route]


@functools.cache
def openapi_document() -> dict:
    from .urls import urlpatterns  # urls imports the views; the views never import this

    paths = {}
    for pattern in urlpatterns:
        template, tag = PATHS[pattern.name]
        # DRF adds HEAD to a GET route's actions on its first request; HEAD is implied.
        methods = set(pattern.callback.actions) - {"head"}
        operations = _operations(pattern.name)
        documented = {m for m in operations if m in methods or m == "post" and "patch" in methods}
        if methods - documented:
            raise ValueError(f"route {pattern.name}: {sorted(methods - documented)} undocumented")
        paths[template] = {
            method: {
                "operationId": f"{pattern.name}-{method}",
                "tags": [tag],
                **operations[method],
                "parameters": [
                    *operations[method].get("parameters", []),
                    *_parameter_refs("RestFrameworkVersion", "MetadataContext"),
                ],
            }
            for method in sorted(documented)
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Callbook phoneCalls (Oracle Fusion ADF REST)",
            "version": ROOT_PATH.rsplit("/", 1)[-1],
            "description": "Oracle Fusion CX's phoneCalls resource and its TranscriptMessage "
            "child. The REST-Framework-Version header (1-9, default 1) selects the dialect; "
            f"`{ROOT_PATH.rsplit('/', 1)[0]}/latest` is an alias of the release path.",
        },
        "servers": [{"url": ROOT_PATH}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}, {"tokenAuth": []}, {"sessionAuth": []}],
        "tags": [{"name": name} for name in dict.fromkeys(tag for _, tag in PATHS.values())],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "headers": _response_headers(),
            "responses": _responses(),
            "securitySchemes": {
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
            },
        },
    }


def to_yaml(value, indent: str = "") -> str:
    """Block-style YAML of JSON data; scalars are written as JSON, which YAML reads alike."""
    if isinstance(value, dict) and value:
        return "".join(
            f"{indent}{json.dumps(k)}:"
            + (f"\n{to_yaml(v, indent + '  ')}" if _nested(v) else f" {json.dumps(v)}\n")
            for k, v in value.items()
        )
    if isinstance(value, list) and value:
        return "".join(
            f"{indent}-"
            + (f"\n{to_yaml(v, indent + '  ')}" if _nested(v) else f" {json.dumps(v)}\n")
            for v in value
        )
    return f"{indent}{json.dumps(value)}\n"


def _nested(value) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


@require_GET
def openapi_schema(request):
    """``/api/schema/``: JSON, or YAML with ``?format=yaml``. Public: see the module doc."""
    if request.GET.get("format") == "yaml":
        return HttpResponse(
            to_yaml(openapi_document()), content_type="application/yaml; charset=utf-8"
        )
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


# Mounted by crmsite/urls.py at api/schema/.
urlpatterns = [path("", openapi_schema, name="openapi-schema")]
