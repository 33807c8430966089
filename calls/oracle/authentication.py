"""Who is calling: HTTP Basic (what Oracle clients send), DRF tokens, browser sessions."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache.backends.locmem import LocMemCache
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from calls.api_keys import ApiKey, api_key_authenticate
from calls.security import basic_failure_recorded, basic_failures_exceeded, login_locked_out
from calls.services import Actor

# Verified Basic credentials of this process, keyed by an HMAC of username and password
# (the SECRET_KEY keys it, so the key reveals nothing). Each entry holds the user's id and
# an HMAC of the user's password hash: a changed password no longer matches, and an
# inactive user is not found, so neither survives in the cache.
_verified = LocMemCache("callbook-basic-credentials", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
# The request attribute that holds the keyed digest of a Basic credential (login_id's).
_BASIC_LOGIN = "callbook_basic_login"


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
        ttl = settings.CALLBOOK_BASIC_AUTH_CACHE_SECONDS
        key = _digest("basic-credential", f"{userid}\x00{password}")
        if ttl:
            user = self._remembered(key)
            if user is not None:
                return user, None
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            # The failure that reaches a limit is refused as a lockout already, as
            # django-axes does (it marks the request when this pair is now locked out).
            over_limit = basic_failure_recorded(request)
            if over_limit or getattr(request, "axes_locked_out", False):
                raise _too_many_failures() from None
            raise
        if ttl:
            _verified.set(key, (user.pk, _digest("password", user.password)), ttl)
        return user, auth

    @staticmethod
    def _remembered(key: str) -> AbstractBaseUser | None:
        entry = _verified.get(key)
        if entry is None:
            return None
        user_id, password_digest = entry
        user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
        if user is None or not constant_time_compare(
            _digest("password", user.password), password_digest
        ):
            _verified.delete(key)
            return None
        return user


def forget_verified_credentials() -> None:
    """Empty this process's cache of verified Basic credentials (tests use it)."""
    _verified.clear()


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
        api_key = api_key_authenticate(key)
        if api_key is None or not api_key.user.is_active:
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
