"""``/healthz`` for load balancers and monitors: can this app server reach its database and
its recording storage?

200 ``{"status": "ok"}`` or 503 naming the failed checks; the reasons go to the log, never
into the answer. Nothing is written: a probe every few seconds must not grow anything.

The first middleware answers it, before anything looks at the request: load balancers probe
by IP address over plain HTTP, so ``ALLOWED_HOSTS`` (which names the public host) and the
https redirect must not apply, and sessions, auth and the statement timeout have no part in
it.
"""

import contextlib
import logging
from collections.abc import Callable

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _storage() -> None:
    # Listing the root touches the bucket (a missing bucket or bad keys fail here) without
    # writing; on local storage a MEDIA_ROOT that does not exist yet just means no uploads.
    with contextlib.suppress(FileNotFoundError):
        default_storage.listdir("")


CHECKS = {"database": _database, "storage": _storage}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    failed: list[str] = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("health check %s failed", name)
            failed.append(name)
    if failed:
        return JsonResponse({"status": "error", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    """Answers ``/healthz`` itself; every other request goes on down the chain."""

    PATH = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.PATH:
            return healthz(request)
        return self.get_response(request)
