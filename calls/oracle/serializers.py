"""Validation of request bodies, built from the attribute table.

Fields take values as Oracle's type conversion does for the clients in the wild: a string
holding a canonical integer for an integer (JavaScript cannot hold an int64, so ids travel
as strings), an integer for a string (kept as its decimal text: party ids are often sent as
numbers), and ``"true"``/``"false"`` for a boolean. Everything else is strict: fractions,
other text, objects and arrays where a scalar belongs, lengths and int64 ranges are refused,
and every unknown or read-only attribute is named. The fields validate only: the views hand
``validated_data`` (Python names) to the services.
"""

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.settings import api_settings

from .attributes import (
    BOOLEAN,
    BYTES,
    CALL_ATTRIBUTES,
    CHILD_NAME,
    INT64_MAX,
    INT64_MIN,
    INTEGER,
    MESSAGE_ATTRIBUTES,
    STRING,
    Attribute,
)

# The public unique ids: NOT NULL, generated when left out; null or "" is refused.
PUBLIC_IDS = {"CallNumber", "MessageNumber"}
# Clients send back what they read: these keys are ignored, not refused.
IGNORED_KEYS = {"links", "@context"}
# The strings a boolean attribute takes besides JSON's true and false.
BOOLEAN_TEXT = {"true": True, "false": False}
# An integer's canonical decimal text: no sign but a minus, no leading zero, no "-0".
_CANONICAL_INTEGER = re.compile(r"(?:-?[1-9][0-9]*|0)")
# Python reads at most 4,300 digits; an int64 has 19, so longer text is only refused sooner.
_MAX_INTEGER_TEXT = 4000


def integer_value(data: object) -> int | None:
    """``data`` as an integer attribute takes it, or None: a JSON integer (not a boolean),
    or a string holding an integer in its canonical decimal form (``"300100200300"``,
    ``"-5"``; not ``"+5"``, ``" 5"``, ``"05"``, ``"5.0"`` or ``"1e3"``). The range is not
    checked here."""
    if isinstance(data, bool):
        return None
    if isinstance(data, int):
        return data
    if not isinstance(data, str) or len(data) > _MAX_INTEGER_TEXT:
        return None
    # [0-9], not \d: Python's \d and int() also read other scripts' digits.
    if _CANONICAL_INTEGER.fullmatch(data) is None:
        return None
    return int(data)


class StrictCharField(serializers.CharField):
    default_error_messages = {
        "invalid": "must be a string (or an integer, kept as its decimal text).",
        "nul": "must not contain NUL characters.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            # A party id sent as a number is its decimal text; the length still applies.
            if isinstance(data, bool) or not isinstance(data, int):
                self.fail("invalid")
            return str(data)
        if "\x00" in data:
            self.fail("nul")
        return data

    def run_validators(self, value: str) -> None:
        # CharField's validator objects (length, surrogates) as two inline checks: every
        # string of a request passes here, 80 of them in a create with 20 messages.
        errors: list[str] = []
        if self.max_length is not None and len(value) > self.max_length:
            errors.append(self.error_messages["max_length"].format(max_length=self.max_length))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate, which JSON may carry
            errors.append(f"Surrogate characters are not allowed: U+{ord(value[error.start]):X}.")
        if errors:
            raise serializers.ValidationError(errors)


class StrictIntegerField(serializers.Field):
    default_error_messages = {
        "invalid": "must be an integer (a JSON number, or a string holding one).",
        "range": "must be a 64-bit integer.",
    }

    def to_internal_value(self, data: object) -> int:
        value = integer_value(data)
        if value is None:
            self.fail("invalid")
        if not INT64_MIN <= value <= INT64_MAX:
            self.fail("range")
        return value

    def to_representation(self, value: int) -> int:
        return value


class StrictBooleanField(serializers.Field):
    default_error_messages = {"invalid": 'must be true or false (or the string "true" or "false").'}

    def to_internal_value(self, data: object) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in BOOLEAN_TEXT:
            return BOOLEAN_TEXT[data]
        self.fail("invalid")

    def to_representation(self, value: bool) -> bool:
        return value


class Base64Field(serializers.Field):
    """``byte`` attributes: base64 text in JSON; bytes (or UTF-8 text) inside."""

    default_error_messages = {
        "invalid": "must be a base64-encoded string.",
        "utf8": "must be base64 of UTF-8 text.",
        "nul": "must not contain NUL characters.",
    }

    def __init__(self, *, text: bool, **kwargs: Any) -> None:
        self.text = text
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> bytes | str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            raw = base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")
        if not self.text:
            return raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("utf8")
        if "\x00" in text:
            self.fail("nul")
        return text

    def to_representation(self, value: bytes | str) -> bytes | str:
        return value


def field_for(attribute: Attribute, *, required: bool) -> serializers.Field:
    if attribute.custom:  # a declared _c attribute: optional, and null clears it
        from .custom_fields import custom_field  # it builds on the fields above

        return custom_field(attribute)
    nullable = not attribute.mandatory
    common: dict[str, Any] = {
        "source": attribute.field,
        "required": required,
        "allow_null": nullable,
    }
    if attribute.type == STRING:
        if attribute.name in PUBLIC_IDS:
            common.update(allow_null=False, allow_blank=False)
        return StrictCharField(max_length=attribute.max_length, **common)
    if attribute.type == INTEGER:
        return StrictIntegerField(**common)
    if attribute.type == BOOLEAN:
        # The flags are NOT NULL with a default of false: null is not a value for them.
        return StrictBooleanField(source=attribute.field, required=False)
    if attribute.type == BYTES:
        return Base64Field(text=attribute.name == "MessageContent", **common)
    raise ValueError(f"no writable field for {attribute.name}")


class OracleSerializer(serializers.Serializer):
    """Refuses unknown and read-only attributes by name; ignores ``links``/``@context``."""

    attributes: tuple[Attribute, ...] = ()

    def __init__(
        self, *args: Any, attributes: tuple[Attribute, ...] | None = None, **kwargs: Any
    ) -> None:
        # The request's attributes (built-ins and declared custom ones); default: built-ins.
        if attributes is not None:
            self.attributes = attributes
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data: object) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["must be a JSON object."]}
            )
        known = {a.name for a in self.attributes}
        errors: dict[str, Any] = {}  # DRF's detail: lists of messages, nested for children
        for key in data:
            if key in IGNORED_KEYS or key in self.fields:
                continue
            if key in known:
                errors[key] = [f"{key} is read-only."]
            else:
                errors[key] = [f"{key} is not an attribute of this resource."]
        if not errors:
            return self._values(data)
        # One entry per problem (contract §8): the attributes sent are checked as well.
        try:
            self._values({k: v for k, v in data.items() if k not in errors})
        except serializers.ValidationError as invalid:
            if isinstance(invalid.detail, dict):
                errors.update(invalid.detail)
        raise serializers.ValidationError(errors)

    def _plan(self) -> tuple[tuple[str, serializers.Field, bool], ...]:
        """The writable fields, with whether each skips itself when left out: made once per
        serializer (a list's child validates every item with the same one)."""
        plan: tuple[tuple[str, serializers.Field, bool], ...] | None = getattr(
            self, "_callbook_plan", None
        )
        if plan is None:
            plan = tuple(
                (str(field.field_name), field, not field.required and field.default is empty)
                for field in self._writable_fields  # bound: field_name is set
            )
            self._callbook_plan = plan
        return plan

    def _values(self, data: dict[str, Any]) -> dict[str, Any]:
        """DRF's ``Serializer.to_internal_value`` for a dict, without the fields ``data``
        leaves out that would only skip themselves.

        A field given no value, not required and without a default raises ``SkipField``
        in DRF (an exception per field): a message sends 5 of its 12 attributes, so a
        create with 20 messages raised some 150 of them. Every other field runs as in DRF.
        """
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        partial = getattr(self.root, "partial", False)
        for name, field, optional in self._plan():
            if name not in data and (partial or optional):
                continue  # what validate_empty_values would do: SkipField
            try:
                validated = field.run_validation(field.get_value(data))
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(values, field.source_attrs, validated)
        if errors:
            raise serializers.ValidationError(errors)
        return values


def _writable(attributes: Iterable[Attribute], *, update: bool) -> Iterator[Attribute]:
    for attribute in attributes:
        if attribute.updatable if update else attribute.creatable:
            yield attribute


class MessageSerializer(OracleSerializer):
    """A transcript message; ``context["call_id"]`` is the parent's id when it exists.

    With ``matching``, ``MessageId`` may be sent to name the message to update (upsert).
    """

    attributes = MESSAGE_ATTRIBUTES

    def __init__(
        self, *args: Any, update: bool = False, matching: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for attribute in _writable(self.attributes, update=update):
            self.fields[attribute.name] = field_for(attribute, required=False)
        if matching:
            self.fields["MessageId"] = StrictIntegerField(source="id", required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # CallId comes from the path (or the parent); the body may only repeat it.
        given = attrs.pop("call_id", None)
        if given is not None and given != self.context.get("call_id"):
            raise serializers.ValidationError({"CallId": "must be the CallId of the parent call."})
        return attrs


class CallSerializer(OracleSerializer):
    """A phone call, with nested ``TranscriptMessage`` items.

    ``update``: a PATCH (only updatable attributes, nothing required). ``upsert``: nothing
    required yet (the service decides create or update), ``CallId`` names the match.
    """

    attributes = CALL_ATTRIBUTES

    def __init__(
        self,
        *args: Any,
        update: bool = False,
        upsert: bool = False,
        message_attributes: tuple[Attribute, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for attribute in _writable(self.attributes, update=update):
            required = attribute.mandatory and not (update or upsert)
            self.fields[attribute.name] = field_for(attribute, required=required)
        if upsert:
            self.fields["CallId"] = StrictIntegerField(source="id", required=False)
        self.fields[CHILD_NAME] = serializers.ListSerializer(
            child=MessageSerializer(matching=update or upsert, attributes=message_attributes),
            source="messages",
            required=False,
        )

    def to_internal_value(self, data: object) -> dict[str, Any]:
        # Nested messages may repeat the CallId of the call they belong to.
        call_id = integer_value(data.get("CallId")) if isinstance(data, dict) else None
        if call_id is not None:
            # The stubs give ``context`` as a read-only Mapping; DRF hands back the dict the
            # serializer was given (operations passes one) or the {} it made for it.
            cast(dict[str, Any], self.context).setdefault("call_id", call_id)
        return super().to_internal_value(data)
