"""One webhook POST: to a checked address, within fixed timeouts, no redirects, 2 kB read.

The standard library's ``http.client`` is enough, and lets the connection go to exactly the
address that ``addresses.check_address`` approved (a client that resolves the name itself
could be pointed elsewhere between the check and the connect). TLS still verifies the
certificate against the URL's host name.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .addresses import AddressRefused, check_address

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0
KEEP_BYTES = 2048
USER_AGENT = "Callbook-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What came back: a status and the first 2 kB, or the error that stood in the way."""

    status: int | None
    body: str
    latency_ms: int
    error: str = ""
    retry_after: int | None = None  # seconds, when the receiver said (429, 503)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _resolve(host: str, port: int) -> str:
    """The first address of ``host``, after every one it resolves to passed the check."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        check_address(address)
    return addresses[0]


def _connect(url: str, deadline: float) -> tuple[http.client.HTTPConnection, socket.socket, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _resolve(host, port)
    sock = socket.create_connection(
        (address, port), timeout=min(CONNECT_TIMEOUT, deadline - time.monotonic())
    )
    if https:
        context = ssl.create_default_context()
        sock = context.wrap_socket(sock, server_hostname=host)
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    connection = http.client.HTTPConnection(host, port)
    connection.sock = sock  # the checked address, not a second resolution of the name
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return connection, sock, target


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    started = time.monotonic()
    deadline = started + TOTAL_TIMEOUT

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    sock: socket.socket | None = None
    timer: threading.Timer | None = None
    try:
        connection, sock, target = _connect(url, deadline)
        # A receiver that trickles bytes would reset every per-read timeout: the timer ends
        # the whole exchange at the deadline.
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
        timer.daemon = True
        timer.start()
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        data = response.read(KEEP_BYTES)
        retry_after = (response.getheader("Retry-After") or "").strip()
        return Answer(
            response.status,
            data.decode("utf-8", "replace"),
            elapsed(),
            retry_after=int(retry_after) if retry_after.isdigit() else None,
        )
    except AddressRefused as error:
        return Answer(None, "", elapsed(), f"refused: {error}"[:255])
    except (OSError, http.client.HTTPException, ValueError) as error:
        if time.monotonic() >= deadline:
            return Answer(None, "", elapsed(), f"timed out after {TOTAL_TIMEOUT:.0f} s")
        return Answer(None, "", elapsed(), f"{type(error).__name__}: {error}"[:255])
    finally:
        if timer is not None:
            timer.cancel()
        if sock is not None:
            sock.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: the exchange ended in time
        sock.shutdown(socket.SHUT_RDWR)
