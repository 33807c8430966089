"""The document: each named route with its operations, and the components they refer to.

Also its two serialised forms: the JSON committed as ``docs/openapi.json`` (``make openapi``
rewrites it; a test fails when code and file differ, so a contract change shows in review)
and the YAML served with ``?format=yaml``.
"""

import functools
import json
from typing import Any, Protocol, runtime_checkable

import yaml

from ..attributes import CHILD_NAME, AttributeSet
from ..custom import OUT_OF_THE_BOX
from ..links import ROOT_PATH
from .fixed import SECURITY_SCHEMES, fixed_schemas
from .operations import route_operations
from .parameters import parameters, response_headers
from .refs import parameter_refs
from .responses import error_responses
from .schemas import attribute_schemas

# Each named route of ``urls.py``: its path below the server URL, and its tag.
CALL = "/phoneCalls/{CallId}"
MESSAGE = f"{CALL}/child/{CHILD_NAME}/{{MessageId}}"
PATHS = {
    "batch": ("/", "batch"),
    "describe": ("/describe", "describe"),
    "calls-describe": ("/phoneCalls/describe", "describe"),
    "calls": ("/phoneCalls", "phoneCalls"),
    "call": (CALL, "phoneCalls"),
    "call-describe": (f"{CALL}/describe", "describe"),
    "messages-describe": (f"{CALL}/child/{CHILD_NAME}/describe", "describe"),
    "messages": (f"{CALL}/child/{CHILD_NAME}", CHILD_NAME),
    "message": (MESSAGE, CHILD_NAME),
    "call-recording": (f"{CALL}/enclosure/CallRecording", "enclosures"),
    "message-content": (f"{MESSAGE}/enclosure/MessageContent", "enclosures"),
}


@runtime_checkable
class _ViewSetView(Protocol):
    """The function ``ViewSet.as_view(actions)`` returns: DRF hangs the actions on it."""

    actions: dict[str, str]


@functools.lru_cache(maxsize=4)
def openapi_document(attributes: AttributeSet = OUT_OF_THE_BOX) -> dict[str, Any]:
    """The whole document, built once per process and set of attributes.

    With the attributes out of the box (the built-ins and the default custom attributes)
    it is ``docs/openapi.json``; ``/api/schema/`` serves it with the declared custom
    attributes too, as the API in effect speaks them.
    """
    # urls imports the views; the views never import this. The discovery route outside
    # the version root (``/crmRestApi/resources/``) is not under the server URL.
    from ..urls import resource_urlpatterns

    paths: dict[str, Any] = {}
    for pattern in resource_urlpatterns:
        name, callback = pattern.name, pattern.callback
        if name is None or not isinstance(callback, _ViewSetView):
            raise ValueError(f"route {pattern.pattern}: not a named ViewSet route")
        template, tag = PATHS[name]
        # DRF adds HEAD to a GET route's actions on its first request; HEAD is implied.
        methods = set(callback.actions) - {"head"}
        operations = route_operations(name)
        documented = {m for m in operations if m in methods or m == "post" and "patch" in methods}
        if methods - documented:
            raise ValueError(f"route {name}: {sorted(methods - documented)} undocumented")
        paths[template] = {
            method: {
                "operationId": f"{name}-{method}",
                "tags": [tag],
                **operations[method],
                "parameters": [
                    *operations[method].get("parameters", []),
                    *parameter_refs("RestFrameworkVersion", "MetadataContext"),
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
            "schemas": {**attribute_schemas(attributes), **fixed_schemas()},
            "parameters": parameters(),
            "headers": response_headers(),
            "responses": error_responses(),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def as_json() -> str:
    """The text of ``docs/openapi.json``: indented, in the document's own key order."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


@functools.lru_cache(maxsize=4)
def as_yaml(attributes: AttributeSet = OUT_OF_THE_BOX) -> str:
    """The YAML form, by PyYAML; built once per set of attributes, as the document is."""
    return yaml.safe_dump(openapi_document(attributes), sort_keys=False, allow_unicode=True)
