"""Items and collections as JSON-ready dicts, in the shape of the framework version.

Rendering reads attributes straight off model instances through precomputed getters: no
serializer machinery per row, so a page of 500 items with their messages stays cheap.
"""

import base64
from datetime import UTC

from . import links as L
from .attributes import (
    BYTES,
    CALL_ATTRIBUTES,
    CHILD_NAME,
    DATETIME,
    MESSAGE_ATTRIBUTES,
    Attribute,
)
from .shaping import Shape
from .versions import expands_as_collection, links_in_context


def _timestamp(value):
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _text_as_base64(value):
    if value is None:
        return None
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def _getter(attribute: Attribute):
    path = attribute.field.split("__")
    if len(path) == 1:
        def read(obj, name=path[0]):
            return getattr(obj, name)
    else:
        def read(obj, first=path[0], second=path[1]):
            return getattr(getattr(obj, first), second)
    if attribute.type == DATETIME:
        return lambda obj: _timestamp(read(obj))
    if attribute.type == BYTES:
        return lambda obj: _text_as_base64(read(obj))
    return read


def _columns(attributes):
    return tuple((a.name, _getter(a)) for a in attributes if a.inline)


CALL_COLUMNS = _columns(CALL_ATTRIBUTES)
MESSAGE_COLUMNS = _columns(MESSAGE_ATTRIBUTES)


FULL = Shape()


class Renderer:
    """Renders for one request: its root URL, framework version and shape."""

    def __init__(self, root: str, version: int, shape: Shape = FULL):
        self.root = root
        self.version = version
        self.shape = shape

    # Items

    def call(self, call, messages=None, *, echo: bool = False) -> dict:
        """The call's item; ``messages`` expands the child. ``echo``: the messages a write
        nested, which answer as an array in every version (contract §4, POST)."""
        item = self._values(call, CALL_COLUMNS, self.shape.fields)
        if messages is not None:
            url = L.messages_url(self.root, call.id)
            child = Renderer(self.root, self.version, self.shape.child_shape())
            rendered = [child.message(m, call) for m in messages]
            if expands_as_collection(self.version) and not echo:
                item[CHILD_NAME] = child.envelope(rendered, url, limit=len(rendered), offset=0,
                                                  has_more=False, name=CHILD_NAME)
                if self.shape.only_data:  # the expanded child is data of the item too
                    del item[CHILD_NAME]["links"]
            else:
                item[CHILD_NAME] = rendered
        if self.shape.only_data:
            return item
        url = L.call_url(self.root, call.id)
        links = [
            L.link("self", url, "phoneCalls", "item",
                   {"changeIndicator": L.change_indicator(call.version)}),
            L.link("canonical", url, "phoneCalls", "item"),
            L.link("child", L.messages_url(self.root, call.id), CHILD_NAME, "collection"),
        ]
        if call.recording:
            links.append(L.link("enclosure", f"{url}/enclosure/CallRecording",
                                "CallRecording", "other"))
        return self._with_links(item, links, str(call.id), call.version)

    def message(self, message, call=None) -> dict:
        if call is not None:
            message.call = call  # the parent is at hand: no query for InteractionId
        item = self._values(message, MESSAGE_COLUMNS, self.shape.fields)
        if self.shape.only_data:
            return item
        url = L.message_url(self.root, message.call_id, message.id)
        links = [
            L.link("self", url, CHILD_NAME, "item",
                   {"changeIndicator": L.change_indicator(message.version)}),
            L.link("canonical", url, CHILD_NAME, "item"),
            L.link("parent", L.call_url(self.root, message.call_id), "phoneCalls", "item"),
        ]
        if message.message_content is not None:
            links.append(L.link("enclosure", f"{url}/enclosure/MessageContent",
                                "MessageContent", "other"))
        return self._with_links(item, links, str(message.id), message.version)

    def _values(self, obj, columns, fields) -> dict:
        if fields is None:
            return {name: read(obj) for name, read in columns}
        return {name: read(obj) for name, read in columns if name in fields}

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
