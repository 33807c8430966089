"""``RateLimit-Policy`` and ``RateLimit`` on API answers (the IETF httpapi draft), from the
DRF throttles already in place (``throttles``).

``RateLimit-Policy: "user";q=6000;w=60`` names the policy with its quota and window in
seconds; ``RateLimit: "user";r=5999;t=60`` the requests remaining and the seconds until a
used one is available again. A 429 says ``r=0`` and carries ``Retry-After`` and the
contract's error body (``errors``). A throttle that is off (``none``) or does not apply (the
anonymous one for a logged-in user) adds nothing.
"""

from typing import Any

from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .throttles import decisions


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_headers(request: Request, response: HttpResponseBase) -> None:
    made = decisions(request)
    if not made:
        return
    response["RateLimit-Policy"] = ", ".join(
        f"{_quoted(d.policy)};q={d.quota};w={d.window}" for d in made
    )
    response["RateLimit"] = ", ".join(
        f"{_quoted(d.policy)};r={d.remaining};t={d.reset}" for d in made
    )


class RateLimitHeadersMixin(APIView):
    """Mixed into the API's views: every answer, errors and 429s included, names its limits."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # ``response`` is any HttpResponseBase here, as for the views (the stubs say Response).
        response = super().finalize_response(request, response, *args, **kwargs)
        add_headers(request, response)
        return response
