"""``GET /crmRestApi/resources/``: the resource versions this server answers (issue 12.2).

Oracle's clients discover the release path and the framework versions here; each item
names a resource version, whether it is the latest, the framework version a request gets
without ``REST-Framework-Version`` and those it may ask for.
"""

from typing import Any

from . import links as L
from .versions import SUPPORTED, default_version


def resource_versions(resources_url: str, root: str) -> dict[str, Any]:
    """The catalog of resource versions; ``resources_url`` is ``…/crmRestApi/resources/``."""
    return {
        "items": [
            {
                "version": L.RESOURCE_VERSION,
                "isLatest": True,
                "adf:extension": {
                    "defaultFrameworkVersion": str(default_version()),
                    "allowedFrameworkVersions": [str(v) for v in SUPPORTED],
                },
                "links": [
                    L.link("self", root, "self", "collection"),
                    L.link("canonical", root, "canonical", "collection"),
                    L.link("describe", f"{root}/describe", "describe", "describe"),
                ],
            }
        ],
        "links": [L.link("self", resources_url, "self", "collection")],
    }
