"""Items and collections as JSON-ready dicts, in the shape of the framework version.

Rendering reads attributes straight off model instances through precomputed getters: no
serializer machinery per row, so a page of 500 items with their messages stays cheap.
"""

import base64
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeAlias

from django.db.models import Model

from calls.models import PhoneCall, TranscriptMessage

from . import links as L
from .attributes import (
    BUILT_IN,
    BYTES,
    CHILD_NAME,
    DATETIME,
    Attribute,
    AttributeSet,
)
from .custom import stored_value
from .shaping import Shape
from .versions import expands_as_collection, links_in_context


@lru_cache(maxsize=4096)
def _timestamp(value: datetime | None) -> str | None:
    # Cached: the messages written by one request share their who-column timestamps.
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _text_as_base64(value: str | None) -> str | None:
    if value is None:
        return None
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


# One rendered attribute: its name, the attname to read, whether from the parent, a converter.
Step: TypeAlias = tuple[str, str, bool, Callable[[Any], Any] | None]


@lru_cache(maxsize=64)
def _plan(
    attributes: tuple[Attribute, ...], fields: frozenset[str] | None = None
) -> tuple[Step, ...]:
    """How to read each rendered attribute: ``(name, attname, from_parent, convert)``.

    Values are read from the instance's ``__dict__`` (no descriptor calls per column);
    ``call__x`` paths read the parent at hand, sparing the related-object lookup.
    """
    plan: list[Step] = []
    converters: dict[str, Callable[[Any], str | None]] = {
        DATETIME: _timestamp,
        BYTES: _text_as_base64,
    }
    for attribute in attributes:
        if not attribute.inline or (fields is not None and attribute.name not in fields):
            continue
        if attribute.custom:  # read out of the row's custom values
            omit_null = not attribute.rendered_when_null and fields is None
            plan.append((attribute.name, "custom", False, _custom_reader(attribute, omit_null)))
            continue
        path = attribute.field.split("__")
        convert = converters.get(attribute.type)
        plan.append((attribute.name, path[-1], len(path) > 1, convert))
    return tuple(plan)


# A converter's answer for a value the item leaves out (``Attribute.rendered_when_null``).
_OMITTED = object()


def _custom_reader(attribute: Attribute, omit_null: bool) -> Callable[[Any], Any]:
    if omit_null:

        def read(stored: Any) -> Any:
            value = stored_value(attribute, stored)
            return _OMITTED if value is None else value

        return read
    return lambda stored: stored_value(attribute, stored)


def _reads_parent(plan: tuple[Step, ...]) -> bool:
    return any(from_parent for _, _, from_parent, _ in plan)


def _values(plan: tuple[Step, ...], obj: Model, parent: Model | None) -> dict[str, Any]:
    """The plan's values; ``parent`` is needed when it reads the parent (``_reads_parent``)."""
    own = obj.__dict__
    theirs = parent.__dict__ if parent is not None else {}
    item = {}
    for name, attname, from_parent, convert in plan:
        value = theirs[attname] if from_parent else own[attname]
        if convert is not None:
            value = convert(value)
            if value is _OMITTED:
                continue
        item[name] = value
    return item


FULL = Shape()


class Renderer:
    """Renders for one request: its root URL, framework version and shape."""

    def __init__(
        self, root: str, version: int, shape: Shape = FULL, attributes: AttributeSet = BUILT_IN
    ) -> None:
        self.root = root
        self.version = version
        self.shape = shape
        # The request's attributes: the built-ins and the declared custom ones.
        self.attributes = attributes
        self.call_plan = _plan(attributes.calls, shape.fields)
        self.message_plan = _plan(attributes.messages, shape.fields)

    # Items

    def call(
        self,
        call: PhoneCall,
        messages: Iterable[TranscriptMessage] | None = None,
        *,
        echo: bool = False,
    ) -> dict[str, Any]:
        """The call's item; ``messages`` expands the child. ``echo``: the messages a write
        nested, which answer as an array in every version (contract §4, POST)."""
        item = _values(self.call_plan, call, None)
        if messages is not None:
            url = L.messages_url(self.root, call.id)
            child = Renderer(self.root, self.version, self.shape.child_shape(), self.attributes)
            rendered = [child.message(m, call) for m in messages]
            if expands_as_collection(self.version) and not echo:
                item[CHILD_NAME] = child.envelope(
                    rendered, url, limit=len(rendered), offset=0, has_more=False, name=CHILD_NAME
                )
                if self.shape.only_data:  # the expanded child is data of the item too
                    del item[CHILD_NAME]["links"]
            else:
                item[CHILD_NAME] = rendered
        if self.shape.only_data:
            return item
        url = L.call_url(self.root, call.id)
        links = [
            L.link(
                "self",
                url,
                "phoneCalls",
                "item",
                {"changeIndicator": L.change_indicator(call.version)},
            ),
            L.link("canonical", url, "phoneCalls", "item"),
            L.link("child", L.messages_url(self.root, call.id), CHILD_NAME, "collection"),
        ]
        if call.recording:
            links.append(
                L.link("enclosure", f"{url}/enclosure/CallRecording", "CallRecording", "other")
            )
        return self._with_links(item, links, str(call.id), call.version)

    def message(self, message: TranscriptMessage, call: PhoneCall | None = None) -> dict[str, Any]:
        if call is None and _reads_parent(self.message_plan):
            call = message.call
        item = _values(self.message_plan, message, call)
        if self.shape.only_data:
            return item
        url = L.message_url(self.root, message.call_id, message.id)
        links = [
            L.link(
                "self",
                url,
                CHILD_NAME,
                "item",
                {"changeIndicator": L.change_indicator(message.version)},
            ),
            L.link("canonical", url, CHILD_NAME, "item"),
            L.link("parent", L.call_url(self.root, message.call_id), "phoneCalls", "item"),
        ]
        if message.message_content is not None:
            links.append(
                L.link("enclosure", f"{url}/enclosure/MessageContent", "MessageContent", "other")
            )
        return self._with_links(item, links, str(message.id), message.version)

    def _with_links(
        self, item: dict[str, Any], links: list[dict[str, Any]], key: str, version: int
    ) -> dict[str, Any]:
        if self.shape.links is not None:
            links = [entry for entry in links if entry["rel"] in self.shape.links]
        if links_in_context(self.version):
            item["@context"] = {"key": key, "headers": {"ETag": L.etag(version)}, "links": links}
        else:
            item["links"] = links
        return item

    # Collections

    def envelope(
        self,
        items: list[dict[str, Any]],
        url: str,
        *,
        limit: int,
        offset: int,
        has_more: bool,
        name: str,
        total: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"items": items}
        if total is not None:
            body["totalResults"] = total
        body.update({"count": len(items), "hasMore": has_more, "limit": limit, "offset": offset})
        body["links"] = [L.link("self", url, name, "collection")]
        return body
