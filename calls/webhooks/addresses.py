"""Where webhooks may go: https only, and never to a private, loopback or link-local address.

Both rules guard against server-side request forgery: an endpoint URL is chosen by whoever
manages endpoints, and the worker runs inside the deployment's network. The URL is checked
when the endpoint is saved, and every address its host resolves to is checked again at each
delivery (DNS may answer differently later: rebinding), and the connection goes to the
address that was checked. ``CALLBOOK_WEBHOOKS_ALLOW_PRIVATE=true`` lifts both rules, for
tests and receivers on the same network.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(ValueError):
    """A URL or an address that webhooks may not be sent to."""


def private_allowed() -> bool:
    return bool(settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE)


def check_address(address: str) -> None:
    """Refuse an IP address that is not globally routable (unless private ones are allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global and not private_allowed():
        raise AddressRefused(
            f"{address} is a private, loopback, link-local or reserved address "
            "(CALLBOOK_WEBHOOKS_ALLOW_PRIVATE=true allows it)"
        )


def check_url(url: str) -> None:
    """The rules a URL must meet to be saved as an endpoint (its host is not resolved here)."""
    parts = urlsplit(url)
    allowed = ("https", "http") if private_allowed() else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused(
            "the URL must start with https://"
            + ("" if private_allowed() else " (http:// needs CALLBOOK_WEBHOOKS_ALLOW_PRIVATE)")
        )
    if not parts.hostname:
        raise AddressRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL may not carry a user name or password")
    try:
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        raise AddressRefused("the URL's port is not a number from 1 to 65535") from None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        if not private_allowed():
            raise AddressRefused(f"{host} is a loopback name")
        return
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: its addresses are checked at delivery
    check_address(host)
