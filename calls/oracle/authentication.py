"""Who is calling: HTTP Basic (what Oracle clients send), DRF tokens, browser sessions."""

from django.conf import settings
from django.utils.crypto import salted_hmac
from rest_framework import authentication

from calls.services import Actor


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic; the 401 challenge names the configured realm."""

    def authenticate_header(self, request):
        return f'Basic realm="{settings.CALLBOOK_AUTH_REALM}"'

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            # Basic has no session: the login is identified by a keyed digest of the
            # credential, which names it without revealing it.
            header = authentication.get_authorization_header(request)
            request._basic_login = salted_hmac("callbook.basic-login", header).hexdigest()
        return result


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` and ``Authorization: Bearer <key>``."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].decode("latin-1").lower() not in self.keywords:
            return None
        self.keyword = auth[0].decode("latin-1")
        return super().authenticate(request)


def login_id(request) -> str | None:
    """A 32-character id of the login behind a request: never the session key or token."""
    auth = request.auth
    if auth is not None and hasattr(auth, "key"):
        secret = "token:" + auth.key
    elif getattr(request, "_basic_login", None):
        return request._basic_login[:32]
    elif getattr(request, "session", None) is not None and request.session.session_key:
        secret = "session:" + request.session.session_key
    else:
        return None
    return salted_hmac("callbook.login-id", secret).hexdigest()[:32]


def actor(request) -> Actor:
    return Actor(username=request.user.get_username()[:64], login=login_id(request))
