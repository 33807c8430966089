"""REST-Framework-Version negotiation (contract §3, §4)."""

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

HEADER = "REST-Framework-Version"
SUPPORTED = range(1, 10)


class FrameworkVersionError(ValueError):
    pass


def default_version() -> int:
    return settings.CALLBOOK_DEFAULT_FRAMEWORK_VERSION


def requested_version(request: HttpRequest | Request) -> int:
    """The version the request asks for, the configured default when it names none."""
    raw = request.headers.get(HEADER)
    if raw is None or raw.strip() == "":
        return default_version()
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in SUPPORTED:
        raise FrameworkVersionError(
            f"{HEADER} {raw[:20]!r} is not supported: use a version from 1 to 9."
        )
    return int(raw)


# The negotiated version rides on the request (``errors.render_error`` reads it too, so the
# attribute keeps its name): these two are its typed accessors.
_ATTRIBUTE = "oracle_version"


def remember_version(request: HttpRequest | Request, version: int) -> None:
    setattr(request, _ATTRIBUTE, version)


def negotiated_version(request: HttpRequest | Request) -> int | None:
    """The version ``remember_version`` stored, None before negotiation (or when it failed)."""
    version: int | None = getattr(request, _ATTRIBUTE, None)
    return version


# What each version changes (contract §4).
def expands_as_collection(version: int) -> bool:
    return version >= 3


def q_uses_expressions(version: int) -> bool:
    return version >= 2


def errors_as_json(version: int) -> bool:
    return version >= 4


def links_in_context(version: int) -> bool:
    return version >= 6
