"""What every answer under ``/crmRestApi/`` carries, whoever made it.

``Cache-Control: no-cache, no-store, must-revalidate``, exactly (Oracle's value): calls and
transcripts are personal data that no browser or proxy may keep. Set here rather than in
the views so that the answers made elsewhere carry it too: the 404 of a path no route
matches, django-axes' lockout, a middleware's 503.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

API_PREFIX = "/crmRestApi/"
CACHE_CONTROL = "no-cache, no-store, must-revalidate"


class ApiCacheControlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            # Revalidation goes by the ETag (If-None-Match, If-Match), which no-store keeps.
            response["Cache-Control"] = CACHE_CONTROL
            if "Expires" in response:
                del response["Expires"]
        return response
