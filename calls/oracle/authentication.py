"""Who is calling: HTTP Basic (what Oracle clients send), DRF tokens, browser sessions."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from calls import login_cache
from calls.api_keys import ApiKey, api_key_authenticate, api_key_used, digest
from calls.security import basic_failure_recorded, basic_failures_exceeded, login_locked_out
from calls.services import Actor
from calls.sql.permissions import load_permissions, loaded_permissions, restore_permissions

# Verified Basic credentials and API keys are remembered by calls.login_cache (the user, its
# permissions, the key), keyed by an HMAC of username and password (the SECRET_KEY keys it,
# so the key reveals nothing) or by the API key's digest. A change of any user, group,
# permission or key forgets them all in every worker.

# The request attribute that holds the keyed digest of a Basic credential (login_id's).
_BASIC_LOGIN = "callbook_basic_login"


def _attnames(model: Any) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _snapshot(user: Any) -> tuple[list[Any], frozenset[str] | None]:
    """What restores ``user`` with its loaded permissions (None: loaded per request)."""
    values = [getattr(user, name) for name in _attnames(type(user))]
    return values, loaded_permissions(user)


def _restored(snapshot: tuple[list[Any], frozenset[str] | None]) -> Any:
    values, perms = snapshot
    model = get_user_model()
    user = model.from_db(DEFAULT_DB_ALIAS, _attnames(model), values)
    if perms is not None:
        restore_permissions(user, perms)
    return user


def _digest(purpose: str, value: str) -> str:
    return salted_hmac(f"callbook.{purpose}", value, algorithm="sha256").hexdigest()


def _too_many_failures() -> exceptions.Throttled:
    return exceptions.Throttled(
        wait=settings.AXES_COOLOFF_TIME.total_seconds(),
        detail="Too many failed logins; try again later.",
    )


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic that verifies a credential with the password hasher once, then trusts
    the remembered verification for ``CALLBOOK_BASIC_AUTH_CACHE_SECONDS``."""

    def authenticate_header(self, request: Request) -> str:
        return f'Basic realm="{settings.CALLBOOK_AUTH_REALM}"'

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, None] | None:
        result = super().authenticate(request)
        if result is not None:
            # Basic has no session: a keyed digest of the credential names the login.
            header = authentication.get_authorization_header(request).decode("latin-1")
            setattr(request, _BASIC_LOGIN, _digest("basic-login", header))
        return result

    def authenticate_credentials(
        self, userid: str, password: str, request: Request | None = None
    ) -> tuple[AbstractBaseUser, None]:
        if request is None:  # authenticate() always passes it; the lockout needs its address
            raise TypeError("authenticate_credentials needs the request")
        # Refusals first, before the remembered credentials and before any hash: a locked
        # out client must not tell the right password from a wrong one by the answer, nor
        # make the server hash passwords for it.
        if basic_failures_exceeded(request) or login_locked_out(request, userid):
            raise _too_many_failures()
        key = "basic:" + _digest("basic-credential", f"{userid}\x00{password}")
        remembered = login_cache.remembered(key)
        if remembered is not None:
            return _restored(remembered), None
        under = login_cache.stamp()  # before the rows are read (calls.login_cache)
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            # The failure that reaches a limit is refused as a lockout already, as
            # django-axes does (it marks the request when this pair is now locked out).
            over_limit = basic_failure_recorded(request)
            if over_limit or getattr(request, "axes_locked_out", False):
                raise _too_many_failures() from None
            raise
        load_permissions(user)  # here rather than in the permission check: remembered too
        login_cache.remember(key, _snapshot(user), under)
        return user, auth


def forget_verified_credentials() -> None:
    """Empty this process's cache of verified Basic credentials and API keys (tests use it)."""
    login_cache.forget_all()


def _api_key(key: str) -> ApiKey | None:
    """The usable API key ``key`` with its user (and the user's permissions), remembered."""
    cache_key = "api-key:" + digest(key)
    remembered = login_cache.remembered(cache_key)
    if remembered is not None:
        key_values, user = remembered
        api_key = ApiKey.from_db(DEFAULT_DB_ALIAS, _attnames(ApiKey), key_values)
        now = timezone.now()
        if not api_key.usable(now):  # expired since it was remembered
            return None
        api_key.user = _restored(user)
        if api_key_used(api_key, now):  # last_used_at, written once a minute
            key_values[:] = [getattr(api_key, name) for name in _attnames(ApiKey)]
        return api_key
    under = login_cache.stamp()  # before the rows are read (calls.login_cache)
    found = api_key_authenticate(key)
    if found is None or not found.user.is_active:
        return None
    load_permissions(found.user)
    key_values = [getattr(found, name) for name in _attnames(ApiKey)]
    login_cache.remember(cache_key, (key_values, _snapshot(found.user)), under)
    return found


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` and ``Authorization: Bearer <key>``: an API key
    (``calls.api_keys``), found by its prefix and checked against its SHA-256 digest."""

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = auth[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        api_key = _api_key(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return api_key.user, api_key


def login_id(request: Request) -> str | None:
    """A 32-character id of the login behind a request: never the session key or token."""
    basic_login: str | None = getattr(request, _BASIC_LOGIN, None)
    if basic_login:
        return basic_login[:32]
    auth = request.auth
    if isinstance(auth, ApiKey):
        return _digest("login-id", f"api-key:{auth.pk}")[:32]
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return _digest("login-id", "session:" + session.session_key)[:32]
    return None


def actor(request: Request) -> Actor:
    return Actor(username=request.user.get_username()[:64], login=login_id(request))
