"""Who is on the other end: the client address, the login lockout of django-axes, and the
count of failed HTTP Basic logins per address.

Throttles (DRF's ``NUM_PROXIES``), login lockouts and the access audit all name a client by
the same address: ``REMOTE_ADDR``, or behind ``CALLBOOK_TRUSTED_PROXIES`` reverse proxies the
entry of ``X-Forwarded-For`` that the outermost trusted proxy appended.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
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


def login_locked_out(request: HttpRequest | Request, username: str) -> bool:
    """Whether django-axes refuses this username from this address (locked out, or a
    blacklisted address): the same answer its backend gives, asked without a password.

    Asked on every HTTP Basic request, so its query is spared when the address has failed
    no login (form, admin or Basic) for a cool-off: every lockout names the address, and
    lasts one cool-off after its last failure, as the count of ``_failed_recently`` does.
    """
    # axes.conf sets AXES_ENABLED (default True) on the settings at import; the stubs only
    # know the names crmsite.settings assigns.
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    if _lockouts_name_the_address() and not _failed_recently(request):
        return False
    return not AxesProxyHandler.is_allowed(request, get_credentials(username=username))


def _lockouts_name_the_address() -> bool:
    """Whether every lockout django-axes may hold includes the client's address (and no
    address is refused outright), so an address without failures cannot be locked out."""
    combinations = [
        [parameter] if isinstance(parameter, str) else parameter
        for parameter in settings.AXES_LOCKOUT_PARAMETERS
    ]
    return not getattr(settings, "AXES_IP_BLACKLIST", None) and all(
        "ip_address" in c for c in combinations
    )


def _recent_failures_key(address: str | None) -> str:
    return f"callbook:login-failures:{address or '-'}"


def _failed_recently(request: HttpRequest | Request) -> bool:
    return cache.get(_recent_failures_key(client_address(request))) is not None


@receiver(user_login_failed, dispatch_uid="callbook.security.count_login_failure")
def _count_login_failure(
    sender: object, request: HttpRequest | Request | None = None, **kwargs: object
) -> None:
    """Every failed login with a request (the login form, the admin, HTTP Basic; django-axes
    hears the same signal), counted per address for a cool-off after the last one."""
    if request is not None:
        _count(_recent_failures_key(client_address(request)))


# Failed HTTP Basic logins per address, whatever the username. django-axes counts per address
# and username, so an address trying a new username each time is never locked out, and each
# try costs a password hash (ModelBackend hashes for unknown users too). This count lives in
# CACHES["default"], shared by every app server, and is read before anything is hashed.
def _failures_key(address: str | None) -> str:
    return f"callbook:basic-failures:{address or '-'}"


def basic_failures_exceeded(request: HttpRequest | Request) -> bool:
    limit = settings.CALLBOOK_BASIC_FAILURES_PER_ADDRESS
    return cache.get(_failures_key(client_address(request)), 0) >= limit


def basic_failure_recorded(request: HttpRequest | Request) -> bool:
    """Count a failed Basic login of the request's address; True when it reaches the limit.

    Each failure keeps the count for another cool-off period (``AXES_COOLOFF_TIME``), so it
    ends one cool-off after the last counted failure. Attempts refused for being over the
    limit are not counted: they cost nothing, and the address is let in again on time.
    """
    count = _count(_failures_key(client_address(request)))
    return count >= settings.CALLBOOK_BASIC_FAILURES_PER_ADDRESS


def _count(key: str) -> int:
    """One more in the count under ``key``, kept a cool-off from now; the new count."""
    timeout = settings.AXES_COOLOFF_TIME.total_seconds()
    # add + incr are atomic on memcached, Redis and locmem (the database cache's incr is a
    # read then a write, so two concurrent failures may count once). The database cache's
    # incr also resets the timeout to the default, hence the touch.
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, count := 1, timeout)
    cache.touch(key, timeout)
    return count
