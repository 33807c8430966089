"""``Idempotency-Key`` on every POST and PATCH of the API (the IETF httpapi draft, as Stripe
runs it).

The first request with a key runs; its status, headers and body are kept for 24 hours per
user and key (``calls.idempotency``), stored in the same transaction as its write, so an
answer is kept exactly when its change was made. A retry with the same key and the same
request gets that answer again with ``Idempotent-Replayed: true`` and changes nothing; the
same key with a different request (method, path, body or the headers that change its
meaning) is a 422; a retry while the first is still running is a 409. 5xx answers are not
kept (nothing was written; a retry runs again), nor 408, 409 and 429 (they describe the
moment, not the request). Keys are 1 to 255 printable characters; the draft's quoted form
(``"abc"``) and a bare token are the same key.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.views import APIView

from calls import idempotency as store

from .bodies import check_declared_length
from .errors import OracleError, Problem, bad_request

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH"})
# Headers that change what a request does: part of its fingerprint beside method, path, body.
MEANINGFUL = ("Content-Type", "Upsert-Mode", "If-Match", "REST-Framework-Version")
NOT_KEPT = frozenset({408, 409, 429})


class Replayed(Exception):
    """The kept answer of an earlier request with this key (raised from ``initial``)."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replayed")
        self.response = response


def parse_key(raw: str) -> str:
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > store.MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise bad_request(
            f"{HEADER} must be 1 to {store.MAX_KEY_LENGTH} printable ASCII characters.",
            code="invalid_header",
        )
    return key


def fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    for name in MEANINGFUL:
        digest.update(f"{name}:{request.headers.get(name, '')}\n".encode("latin-1", "replace"))
    digest.update(body)
    return digest.hexdigest()


def _kept(response: HttpResponseBase) -> bool:
    return response.status_code < 500 and response.status_code not in NOT_KEPT


def _headers(response: HttpResponseBase) -> dict[str, str]:
    return {name: value for name, value in response.items() if name.lower() != "content-length"}


def _replay(record: store.IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status or 200)
    del response["Content-Type"]
    for name, value in record.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


class IdempotentMixin(APIView):
    """Mixed into the API's views: the key is looked at after authentication (it is scoped
    per user) and before the handler, which then runs in one transaction with the storing
    of its answer."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raw = request.headers.get(HEADER)
        user_id = request.user.pk
        if raw is None or request.method not in METHODS or user_id is None:
            return  # (every write needs a user: an anonymous one was refused above)
        key = parse_key(raw)
        check_declared_length(request)  # a body over the limit is refused before it is read
        body = request._request.body  # DRF parses it from this copy afterwards
        now = timezone.now()
        existing = store.claim(user_id, key, fingerprint(request, body), now)
        if existing is not None:
            if existing.fingerprint != fingerprint(request, body):
                raise OracleError(
                    422,
                    [
                        Problem(
                            f"This {HEADER} was used for a different request; use a new key.",
                            "idempotency_key_reused",
                        )
                    ],
                )
            if existing.status is None:
                raise OracleError(
                    409,
                    [
                        Problem(
                            f"A request with this {HEADER} is still being processed.",
                            "idempotency_key_in_use",
                        )
                    ],
                    {"Retry-After": "1"},
                )
            raise Replayed(_replay(existing))
        name = request.method.lower()
        setattr(self, name, self._keeping(getattr(self, name), user_id, key))

    def _keeping(
        self, handler: Callable[..., HttpResponseBase], user_id: int, key: str
    ) -> Callable[..., HttpResponseBase]:
        def run(request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                with transaction.atomic():
                    response = handler(request, *args, **kwargs)
                    if _kept(response):
                        store.finish(
                            user_id, key, response.status_code, _headers(response), _body(response)
                        )
            except Exception as exc:
                # Rolled back; the error answer is kept on its own (nothing was written).
                response = self.handle_exception(exc)
                if _kept(response):
                    store.finish(
                        user_id, key, response.status_code, _headers(response), _body(response)
                    )
            if not _kept(response):
                store.release(user_id, key)
            return response

        return run

    # A replay answers a plain HttpResponse, as the views do (see their finalize_response).
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, Replayed):
            return exc.response
        return super().handle_exception(exc)


def _body(response: HttpResponseBase) -> bytes:
    return response.content if isinstance(response, HttpResponse) else b""
