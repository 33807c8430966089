"""A bounded HTTP load generator: threads with keep-alive ``http.client`` connections.

Each scenario runs until ``requests`` responses or ``seconds`` have passed, whichever comes
first, from ``concurrency`` threads against 127.0.0.1 only. Every response is read in full
and its status checked; latencies are wall-clock from sending to the last byte. The
generator's own CPU time per request is reported too, so a run shows whether the client,
not the server, was the limit (compare with the hello-world ceiling in ``bench.run``).
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    client_cpu: float
    first_error: str | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def as_dict(self, **extra) -> dict:
        return {
            "scenario": self.name,
            **extra,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p95_ms": round(self.percentile(95) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2)
            if self.latencies
            else None,
            "client_cpu_ms_per_req": round(self.client_cpu / max(self.requests, 1) * 1000, 3),
            **({"first_error": self.first_error} if self.first_error else {}),
        }

    def line(self, **extra) -> str:
        return json.dumps(self.as_dict(**extra))


class _Client:
    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.connection = None

    def send(self, request: Request) -> tuple[int, int]:
        """Send one request; returns the status and the body's length."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.connection.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = self.connection.getresponse()
                size = 0
                while chunk := response.read(256 * 1024):
                    size += len(chunk)
                if response.will_close:
                    self.close()
                return response.status, size
            except (ConnectionError, http.client.HTTPException):
                # A kept-alive connection the server closed: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run(
    name: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    requests: int,
    seconds: float,
    concurrency: int = 4,
    warmup: int = 0,
    timeout: float = 120.0,
) -> Result:
    """Drive ``make_request(i)`` for i = 0, 1, … until ``requests`` or ``seconds`` run out."""
    counter = iter(range(10**12))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    first_error: list[str] = []
    warm = _Client(port, timeout)
    for _ in range(warmup):
        with lock:
            i = next(counter)
        warm.send(make_request(i))
    warm.close()

    deadline = time.perf_counter() + seconds

    def worker():
        client = _Client(port, timeout)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(counter)
                request = make_request(i)
                started = time.perf_counter()
                try:
                    status, _ = client.send(request)
                except Exception as error:  # noqa: BLE001 - counted and reported
                    status, detail = None, repr(error)
                else:
                    detail = f"HTTP {status} for {request.method} {request.path[:120]}"
                elapsed = time.perf_counter() - started
                with lock:
                    if status in request.expect:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                        if not first_error:
                            first_error.append(detail)
                    if len(latencies) + errors[0] >= requests:
                        break
        finally:
            client.close()

    cpu_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Result(
        name,
        len(latencies),
        errors[0],
        elapsed,
        latencies,
        time.process_time() - cpu_before,
        first_error[0] if first_error else None,
    )
