"""``/api/schema/``: the document as JSON, or YAML with ``?format=yaml``."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from .. import custom
from .document import as_yaml, openapi_document


@require_GET
def openapi_schema(request: HttpRequest) -> HttpResponse:
    """Public, as Oracle's own REST documentation is: it describes the contract, no data.

    The declared custom attributes are part of the contract in effect, so they are in it
    (their names and types, never a value); ``docs/openapi.json`` has the built-ins only.
    """
    attributes = custom.current()
    if request.GET.get("format") == "yaml":
        return HttpResponse(as_yaml(attributes), content_type="application/yaml; charset=utf-8")
    return JsonResponse(openapi_document(attributes), json_dumps_params={"ensure_ascii": False})


# Mounted by crmsite/urls.py at api/schema/.
urlpatterns = [path("", openapi_schema, name="openapi-schema")]
