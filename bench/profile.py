"""``python -m bench.profile``: where a request of the versus phase spends its time.

In-process, through Django's WSGI handler (what gunicorn calls, every middleware included),
on the bench database named in ``DATABASE_URL`` (recreated; its name must contain "bench"):
the bench user (HTTP Basic, every calls permission), one webhook endpoint, 1,000 calls × 10
messages. For each scenario of ``bench.run``'s versus phase (create with 20 messages, GET of
an item, a page of 25) it warms up, counts the queries of one request, times ``--requests``
requests unprofiled, then as many under cProfile, and prints the top of the profile by
cumulative and by own time.

``--scenario`` runs one; ``--sort`` picks the profile orders; ``--lines`` how many rows.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.run import (
    API,
    DEFAULT_URL,
    FULL,
    USERNAME,
    child_environment,
    create_body,
    prepare_database,
    setup_django,
)

WsgiRequest = Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]


def _fixture(calls: int) -> tuple[dict[str, str], tuple[int, int]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection

    from calls.sql.scale_data import load
    from calls.webhooks.endpoints import endpoint_create
    from calls.webhooks.events import EVENT_TYPES

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.create_user(USERNAME, password=password)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="calls"))
    endpoint_create(url="https://hooks.example.com/callbook", event_types=EVENT_TYPES)
    plan = load(connection, calls=calls, messages=FULL.messages, progress=False)
    basic = base64.b64encode(f"{USERNAME}:{password}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}, (
        plan.first_call_id,
        plan.first_call_id + calls - 1,
    )


def _environ(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> dict:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body is not None:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


def _call(application: Callable, request: tuple) -> int:
    statuses: list[str] = []
    result = application(_environ(*request), lambda status, headers: statuses.append(status))
    for _ in result:
        pass
    result.close()
    return int(statuses[0].split()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="profiled requests")
    parser.add_argument("--scenario", help="create_20_messages, get_item or get_collection_25")
    parser.add_argument("--lines", type=int, default=25, help="rows of each profile")
    parser.add_argument("--sort", default="cumulative,tottime", help="pstats orders")
    parser.add_argument("--calls", type=int, default=1_000, help="calls loaded")
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="wall", help="what the profile times"
    )
    parser.add_argument("--dump", help="write each scenario's profile to DUMP.<scenario>.prof")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    prepare_database(url)
    media = Path(tempfile.mkdtemp(prefix="callbook-profile-media-"))
    setup_django(child_environment(url, media))
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers, ids = _fixture(args.calls)
    application = get_wsgi_application()
    rng = random.Random(18)
    json_body = {"Content-Type": "application/json"}
    scenarios: dict[str, tuple[WsgiRequest, int]] = {
        "create_20_messages": (
            lambda i: ("POST", API, create_body(i), {**headers, **json_body}),
            201,
        ),
        "get_item": (lambda i: ("GET", f"{API}/{rng.randint(*ids)}", None, headers), 200),
        "get_collection_25": (lambda i: ("GET", f"{API}?limit=25", None, headers), 200),
    }
    chosen = [args.scenario] if args.scenario else list(scenarios)
    number = 0
    for name in chosen:
        make, expect = scenarios[name]
        for _ in range(20):  # warm: the credential cache, the stamp, imports
            number += 1
            status = _call(application, make(number))
            if status != expect:
                sys.exit(f"{name}: {status}, expected {expect}")
        number += 1
        with CaptureQueriesContext(connection) as queries:
            _call(application, make(number))
        print(f"## {name}: {len(queries)} queries per request")
        for query in queries:
            print("   ", query["sql"][:160])
        requests = [make(number + k + 1) for k in range(args.requests)]
        number += args.requests
        started = time.perf_counter(), time.process_time()
        for request in requests:
            _call(application, request)
        wall = time.perf_counter() - started[0]
        cpu = time.process_time() - started[1]
        print(
            f"## {name}: {args.requests} requests, {wall / args.requests * 1000:.2f} ms wall, "
            f"{cpu / args.requests * 1000:.2f} ms CPU (this process) each, unprofiled"
        )
        requests = [make(number + k + 1) for k in range(args.requests)]
        number += args.requests
        profile = cProfile.Profile(time.process_time if args.clock == "cpu" else time.perf_counter)
        started = time.perf_counter(), time.process_time()
        profile.enable()
        for request in requests:
            _call(application, request)
        profile.disable()
        wall = time.perf_counter() - started[0]
        cpu = time.process_time() - started[1]
        if args.dump:
            profile.dump_stats(f"{args.dump}.{name}.prof")
        print(
            f"## {name}: {args.requests} requests, {wall / args.requests * 1000:.2f} ms wall, "
            f"{cpu / args.requests * 1000:.2f} ms CPU (this process) each, under cProfile"
        )
        for order in args.sort.split(","):
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order)
            stats.print_stats(args.lines)
            print(f"### by {order}")
            text = out.getvalue()
            print(text[text.index("   ncalls") :].rstrip())
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
