"""The schemas built from the attribute table: what an item answers, what a request sends.

Every property comes from ``attributes`` (type, ``maxLength``, int64 bounds, creatable or
updatable, read-only) and the model (nullability), so these schemas follow the contract the
serializers enforce.
"""

from typing import Any

from django.db.models import Field, Model

from calls.models import PhoneCall, TranscriptMessage

from ..attributes import (
    BOOLEAN,
    BUILT_IN,
    BYTES,
    CHILD_NAME,
    DATETIME,
    INT64_MAX,
    INT64_MIN,
    INTEGER,
    NUMBER,
    STRING,
    Attribute,
    AttributeSet,
)
from ..serializers import IGNORED_KEYS, PUBLIC_IDS
from .refs import schema


def _model_field(model: type[Model], path: str) -> "Field[Any, Any]":
    *hops, last = path.split("__")
    for hop in hops:
        related = model._meta.get_field(hop).related_model
        if not isinstance(related, type):
            raise ValueError(f"{path}: {hop} is no relation to a model")
        model = related
    field = model._meta.get_field(last)
    if not isinstance(field, Field):
        raise ValueError(f"{path} is no concrete field")
    return field


def _property(attribute: Attribute, *, nullable: bool, read_only: bool = False) -> dict[str, Any]:
    by_type: dict[str, dict[str, Any]] = {
        STRING: {"type": "string"},
        INTEGER: {"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX},
        BOOLEAN: {"type": "boolean"},
        DATETIME: {"type": "string", "format": "date-time"},
        BYTES: {"type": "string", "format": "byte"},
        NUMBER: {"type": "number", "format": "double"},
    }
    prop = by_type[attribute.type]
    prop["title"] = attribute.title
    if attribute.type == STRING and attribute.max_length:
        prop["maxLength"] = attribute.max_length
    if nullable:
        prop["nullable"] = True
    if read_only:
        prop["readOnly"] = True
    return prop


def _item(
    attributes: tuple[Attribute, ...], model: type[Model], child: str | None, *, full: bool
) -> dict[str, Any]:
    """An item as answered: every inline attribute, ``links`` or (v6+) ``@context``."""
    inline = [a for a in attributes if a.inline]
    properties = {
        # A custom attribute is optional: null when the call has no value for it.
        a.name: _property(
            a,
            nullable=a.custom or _model_field(model, a.field).null,
            read_only=a.read_only,
        )
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
        item["required"] = [a.name for a in inline if a.rendered_when_null]
        item["anyOf"] = [{"required": ["links"]}, {"required": ["@context"]}]
    else:
        item["description"] = "An item as shaped by fields, onlyData, links and expand."
    return item


def _request(
    attributes: tuple[Attribute, ...],
    *,
    update: bool,
    extra: dict[str, Any] | None = None,
    child: str | None = None,
    required: bool = True,
) -> dict[str, Any]:
    """A request body: what the serializer takes (``serializers.field_for``)."""
    properties, mandatory = {}, []
    for a in attributes:
        if a.updatable if update else a.creatable:
            # Booleans are NOT NULL with a default; so are the public ids, which are also never
            # empty; other attributes take null unless mandatory.
            public_id = a.name in PUBLIC_IDS
            properties[a.name] = _property(
                a,
                nullable=(a.type != BOOLEAN or a.custom) and not a.mandatory and not public_id,
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


def _collection(item: str) -> dict[str, Any]:
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


def attribute_schemas(attributes: AttributeSet = BUILT_IN) -> dict[str, Any]:
    """Items, shaped items, request bodies and collections of calls and messages."""
    CALL_ATTRIBUTES, MESSAGE_ATTRIBUTES = attributes.calls, attributes.messages  # noqa: N806
    key = {"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX}
    message_id = {
        **key,
        "title": "Message ID",
        "description": "Names the message to update (upsert, nested in a PATCH).",
    }
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
    }
