"""Helpers of the webhook tests: a real HTTP receiver on 127.0.0.1 and an in-process worker.

The receiver is a ``ThreadingHTTPServer`` on a free port of 127.0.0.1: the tests send no
traffic anywhere else. The worker is django-tasks-db's own ``Worker`` in batch mode (it runs
every ready task, then returns), exactly what ``manage.py db_worker --batch`` runs.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django_tasks_db.management.commands.db_worker import Worker


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers every POST with ``status`` (after ``delay`` seconds) and keeps what came."""

    status: int = 200
    delay: float = 0.0
    reply: bytes = b"ok"
    received: list[Received] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks?source=callbook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                with receiver._lock:
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                try:
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    time.sleep(receiver.delay)
                    with receiver._lock:
                        receiver.received.append(
                            Received(
                                {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                            )
                        )
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(len(receiver.reply)))
                    self.end_headers()
                    self.wfile.write(receiver.reply)
                finally:
                    with receiver._lock:
                        receiver.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port: a connection is then refused, as with a receiver that is down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def run_worker(worker_id: str = "test-worker") -> None:
    """Run every task that is ready now, as ``manage.py db_worker --batch`` does."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()
