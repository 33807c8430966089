"""Who is on the other end: the client address, and the login lockout of django-axes.

Throttles (DRF's ``NUM_PROXIES``), login lockouts and the access audit all name a client by
the same address: ``REMOTE_ADDR``, or behind ``CALLBOOK_TRUSTED_PROXIES`` reverse proxies the
entry of ``X-Forwarded-For`` that the outermost trusted proxy appended.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str | None:
    """The client's IP address, counted the way DRF's throttles count it."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no request to name a client.

    Logins over HTTP (the login form, the admin, HTTP Basic on the API) always pass the
    request. ``authenticate()`` without one comes from code on the server itself (a
    management command, the test client's ``login()``), where there is no address to lock.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
