"""Items and collections as JSON-ready dicts, in the shape of the framework version.

Rendering reads attributes straight off model instances through precomputed getters: no
serializer machinery per row, so a page of 500 items with their messages stays cheap.
"""

import base64
from datetime import UTC
from functools import lru_cache

from . import links as L
from .attributes import (
    BYTES,
    CALL_ATTRIBUTES,
    CHILD_NAME,
    DATETIME,
    MESSAGE_ATTRIBUTES,
)
from .shaping import Shape
from .versions import expands_as_collection, links_in_context


@lru_cache(maxsize=4096)
def _timestamp(value):
    # Cached: the messages written by one request share their who-column timestamps.
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _text_as_base64(value):
    if value is None:
        return None
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=64)
def _plan(attributes, fields=None) -> tuple:
    """How to read each rendered attribute: ``(name, attname, from_parent, convert)``.

    Values are read from the instance's ``__dict__`` (no descriptor calls per column);
    ``call__x`` paths read the parent at hand, sparing the related-object lookup.
    """
    plan = []
    for attribute in attributes:
        if not attribute.inline or (fields is not None and attribute.name not in fields):
            continue
        path = attribute.field.split("__")
        convert = {DATETIME: _timestamp, BYTES: _text_as_base64}.get(attribute.type)
        plan.append((attribute.name, path[-1], len(path) > 1, convert))
    return tuple(plan)


def _values(plan, obj, parent) -> dict:
    own = obj.__dict__
    if parent is None and any(from_parent for _, _, from_parent, _ in plan):
        parent = obj.call
    theirs = parent.__dict__ if parent is not None else None
    item = {}
    for name, attname, from_parent, convert in plan:
        value = theirs[attname] if from_parent else own[attname]
        item[name] = convert(value) if convert is not None else value
    return item


FULL = Shape()


class Renderer:
    """Renders for one request: its root URL, framework version and shape."""

    def __init__(self, root: str, version: int, shape: Shape = FULL):
        self.root = root
        self.version = version
        self.shape = shape
        self.call_plan = _plan(CALL_ATTRIBUTES, shape.fields)
        self.message_plan = _plan(MESSAGE_ATTRIBUTES, shape.fields)

    # Items

    def call(self, call, messages=None, *, echo: bool = False) -> dict:
        """The call's item; ``messages`` expands the child. ``echo``: the messages a write
        nested, which answer as an array in every version (contract §4, POST)."""
        item = _values(self.call_plan, call, None)
        if messages is not None:
            url = L.messages_url(self.root, call.id)
            child = Renderer(self.root, self.version, self.shape.child_shape())
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

    def message(self, message, call=None) -> dict:
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

    def _with_links(self, item: dict, links: list, key: str, version: int) -> dict:
        if self.shape.links is not None:
            links = [entry for entry in links if entry["rel"] in self.shape.links]
        if links_in_context(self.version):
            item["@context"] = {"key": key, "headers": {"ETag": L.etag(version)}, "links": links}
        else:
            item["links"] = links
        return item

    # Collections

    def envelope(self, items, url, *, limit, offset, has_more, name, total=None) -> dict:
        body = {"items": items}
        if total is not None:
            body["totalResults"] = total
        body.update({"count": len(items), "hasMore": has_more, "limit": limit, "offset": offset})
        body["links"] = [L.link("self", url, name, "collection")]
        return body
