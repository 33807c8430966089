"""``python -m bench.run [--quick]``: Callbook's benchmark, end to end.

1. (Re)creates the bench database named in ``DATABASE_URL`` (its name must contain
   "bench"; default ``postgres://postgres@127.0.0.1:5432/callbook_bench``; a
   ``sqlite:///…bench….sqlite3`` URL works too), migrates it, and creates the bench user
   (a real PBKDF2 password, an API key, every calls permission, a staff session).
2. Loads the small data set (1,000 calls × 10 messages), plus one call with a
   2,000-message transcript (and the same timed: a start, every message's offsets, so the
   page draws its times and the speaker timeline), one with a 200 MB recording, and one
   from a frequent caller (every 500th call loaded is theirs: the call page's history).
3. Measures the hello-world ceiling of gunicorn and of this load generator, starts the app
   under gunicorn (2 sync workers, DEBUG off) and runs every scenario; then grows the data
   to the large set (1 M calls × 10 messages; 20,000 with ``--quick``) and runs them again,
   with the database's own insert limit and the 200 MB streaming memory check.
4. Prints one JSON line per scenario and phase, the ratios, and a PASS/FAIL line per target.

Before the scenarios, Callbook (HTTP Basic, every feature on) and a bare DRF app over the
same tables (``bench.reference``, on its own database with the same data) take turns, A B A
B, at create with 20 messages, GET of an item and a page of 25 (the "versus" phase, issue
18); ``--versus-only`` runs that alone. Before it, Callbook with redaction and without
take turns at the create of a 20-message conversation (``bench.redaction``, issue 17);
``--redaction-only`` runs that alone.

Load: count- and time-limited per scenario (``--requests``, ``--seconds``), 127.0.0.1
only, ``--concurrency`` client threads.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from bench import load as L
from bench import redaction as R

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/callbook_bench"
API = "/crmRestApi/resources/11.13.18.05/phoneCalls"
USERNAME = "bench"
RECORDING_NAME = "recordings/bench/recording-200mb.mp3"
RECORDING_BYTES = 200 * 1024 * 1024
MB = 1024 * 1024

# Targets of issue 6.
MAX_SCALE_RATIO = 1.5
MIN_CREATE_SHARE = 0.5
MAX_BASIC_RATIO = 1.2
MAX_STREAM_GROWTH = 30 * MB
# The admin's change page of a long call (issue 14): server time per page.
MAX_ADMIN_CHANGE_SECONDS = 1.0
# Callbook's requests/s over the bare DRF app's (issue 18): the target and the stretch.
MIN_VERSUS_RATIO = 1.0
STRETCH_VERSUS_RATIO = 1.5
# The call page of a timed 2,000-message transcript vs an untimed one (issue 15).
MAX_TIMED_RATIO = 1.2


@dataclass
class Sizes:
    small: int
    large: int
    messages: int
    requests: int
    seconds: float
    stream_copies: int
    versus_seconds: float  # per turn of one app at one scenario
    versus_rounds: int  # turns of each app (A B A B: 2)


FULL = Sizes(
    small=1_000,
    large=1_000_000,
    messages=10,
    requests=2_000,
    seconds=15,
    stream_copies=2,
    versus_seconds=5,
    versus_rounds=6,
)
QUICK = Sizes(
    small=1_000,
    large=20_000,
    messages=10,
    requests=300,
    seconds=1.5,
    stream_copies=1,
    versus_seconds=2,
    versus_rounds=3,
)


def emit(payload: dict) -> None:
    print(json.dumps(payload), flush=True)


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


# The database


def prepare_database(url: str) -> None:
    """Drop and create the bench database (only one whose name says it is a bench's)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to recreate {name!r}: the bench database's name must contain 'bench'")
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def child_environment(url: str, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_CACHE": os.environ.get("BENCH_CACHE", "locmem"),
        # The throttles run (their cache reads and writes are measured) but never refuse.
        "CALLBOOK_THROTTLE_USER": "10000000/min",
        "CALLBOOK_THROTTLE_ANON": "10000000/min",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if env["DJANGO_CACHE"] == "db":
        call_command("createcachetable", verbosity=0)


@dataclass
class Fixture:
    password: str
    token: str
    session: str
    transcript_call: int
    recording_call: int
    long_transcript_call: int
    timed_transcript_call: int
    frequent_caller_call: int


def create_fixture(media: Path, sizes: Sizes) -> Fixture:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from calls.api_keys import api_key_create
    from calls.sql.scale_data import load
    from calls.webhooks.endpoints import endpoint_create
    from calls.webhooks.events import EVENT_TYPES

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.create_user(USERNAME, password=password)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="calls"))
    user.is_staff = True  # the admin's change pages of long transcripts are scenarios too
    user.save(update_fields=["is_staff"])
    _, token = api_key_create(user=user, name="bench")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    assert settings.SESSION_ENGINE.endswith("db")
    # Every write pays for its outbox row: one endpoint listens to every event (no worker
    # runs, so nothing is delivered; the receiver is never reached).
    endpoint_create(url="https://hooks.example.com/callbook", event_types=EVENT_TYPES)

    transcript = load(connection, calls=1, messages=2_000, progress=False)
    timed = load(connection, calls=1, messages=2_000, progress=False)
    _give_times(timed.first_call_id)
    long_transcript = load(connection, calls=1, messages=5_000, progress=False)
    recording = load(connection, calls=1, messages=0, progress=False, recording=RECORDING_NAME)
    frequent = load(connection, calls=1, messages=10, progress=False)
    call_from_frequent_caller([frequent.first_call_id])
    _say_rare_word(frequent.first_call_id)
    path = media / RECORDING_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MB)
    with path.open("wb") as out:
        for _ in range(RECORDING_BYTES // MB):
            out.write(block)
    return Fixture(
        password,
        token,
        session.session_key,
        transcript.first_call_id,
        recording.first_call_id,
        long_transcript.first_call_id,
        timed.first_call_id,
        frequent.first_call_id,
    )


# A word no generated transcript uses (calls.sql.scale_data's vocabulary): the searched
# list's other extreme, one matching call among them all.
RARE_WORD = "chargeback"


def _say_rare_word(call_id: int) -> None:
    from calls.models import TranscriptMessage

    first = TranscriptMessage.objects.filter(call_id=call_id).order_by("id")[:1]
    TranscriptMessage.objects.filter(pk__in=first).update(
        message_content=f"I want to open a {RARE_WORD} on this payment."
    )


def _give_times(call_id: int) -> None:
    """The call's start and its messages' offsets (calls.timing), two speakers taking turns
    of 4 s with 1 s between, some overlapping: what a speech-to-text system sends."""
    from calls import timing
    from calls.models import PhoneCall, TranscriptMessage

    call = PhoneCall.objects.get(pk=call_id)
    PhoneCall.objects.filter(pk=call_id).update(
        custom={timing.call_start_name(): timing.stored_time(call.creation_date)}
    )
    messages = list(TranscriptMessage.objects.filter(call_id=call_id).order_by("id"))
    for i, message in enumerate(messages):
        start = i * 5_000 - (700 if i % 7 == 3 else 0)
        message.custom = timing.with_offsets(message.custom, start, start + 4_000)
    TranscriptMessage.objects.bulk_update(messages, ["custom"], batch_size=500)


# The caller of the call page's history scenario rings once in every FREQUENT_CALLER_EVERY
# calls loaded: a handful of other calls at 1,000 calls, thousands at 1,000,000.
FREQUENT_CALLER = "+14155550199"  # not the redaction phase's number
FREQUENT_CALLER_EVERY = 500


def call_from_frequent_caller(call_ids: list[int]) -> None:
    from calls.models import PhoneCall

    for start in range(0, len(call_ids), 500):
        PhoneCall.objects.filter(pk__in=call_ids[start : start + 500]).update(
            phone_number=FREQUENT_CALLER, phone_number_e164=FREQUENT_CALLER
        )


def grow_to(total_calls: int, messages: int, end: datetime) -> tuple[int, int] | None:
    """Load calls until the table holds ``total_calls``; returns the range of loaded ids."""
    from django.db import connection

    from calls.models import PhoneCall
    from calls.sql.scale_data import load

    missing = total_calls - PhoneCall.objects.count()
    if missing <= 0:
        return None
    plan = load(connection, calls=missing, messages=messages, end=end, total_calls=total_calls)
    first, last = plan.first_call_id, plan.first_call_id + missing - 1
    call_from_frequent_caller(list(range(first, last + 1, FREQUENT_CALLER_EVERY)))
    return first, last


# gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, app: str, env: dict[str, str], workers: int = 2):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "300",
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            cwd=ROOT,
        )
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit("gunicorn exited while starting")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if len(self.workers()) >= 1:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not start")

    def workers(self) -> list[int]:
        children = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if f"\nPPid:\t{self.process.pid}\n" in text:
                children.append(int(status.parent.name))
        return children

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def memory(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


# Scenarios


def _message(i: int, k: int) -> dict:
    text = f"Message {k} of bench call {i}: the customer asks about an invoice and a refund."
    return {
        "MessageContent": base64.b64encode(text.encode()).decode(),
        "MessageTypeCd": "TEXT",
        "PostedByDisplayName": "Dana Agent" if k % 2 == 0 else "Customer",
        "RoleCd": "AGENT" if k % 2 == 0 else "CUSTOMER",
        "VisibilityCd": "EXTERNAL",
    }


def create_body(i: int) -> bytes:
    return json.dumps(
        {
            "InteractionId": 900_000_000 + i,
            "PhoneNumber": f"+1650{i % 10_000_000:07d}",
            "ExternalSystemCallId": f"BENCH-{i}-{secrets.token_hex(4)}",
            "LeftMessageFlag": False,
            "TranscriptMessage": [_message(i, k) for k in range(20)],
        }
    ).encode()


class Scenarios:
    """The requests of each scenario, for the data loaded so far."""

    def __init__(self, fixture: Fixture, calls: int, ranges: list, end: datetime):
        self.f = fixture
        self.calls = calls
        self.ranges = [r for r in ranges if r]  # ids of calls calls.sql.scale_data loaded
        self.end = end
        self.rng = random.Random(42)
        basic = base64.b64encode(f"{USERNAME}:{fixture.password}".encode()).decode()
        self.basic = {"Authorization": f"Basic {basic}"}
        self.token = {"Authorization": f"Token {fixture.token}"}
        self.json = {"Content-Type": "application/json"}

    def random_call(self) -> int:
        first, last = self.rng.choice(self.ranges)
        return self.rng.randint(first, last)

    def all(self) -> dict:
        from calls.sql.scale_data import call_number, phone_number

        end = self.end
        window = (
            f"CreationDate >= '{(end - timedelta(days=30)).isoformat()}' "
            f"and CreationDate < '{end.isoformat()}'"
        )
        cookie = {"Cookie": f"sessionid={self.f.session}"}
        return {
            "create_20_messages_basic": lambda i: L.Request(
                "POST", API, create_body(i), {**self.basic, **self.json}, (201,)
            ),
            "create_20_messages_token": lambda i: L.Request(
                "POST", API, create_body(i), {**self.token, **self.json}, (201,)
            ),
            "upsert_existing": lambda i: L.Request(
                "POST",
                API,
                json.dumps(
                    {
                        "CallNumber": call_number(self.random_call()),
                        "PhoneNumber": f"+1212{i % 10_000_000:07d}",
                    }
                ).encode(),
                {**self.token, **self.json, "Upsert-Mode": "true"},
                (200,),
            ),
            "get_item": lambda i: L.Request("GET", f"{API}/{self.random_call()}", None, self.token),
            "get_collection_25": lambda i: L.Request("GET", f"{API}?limit=25", None, self.token),
            "get_collection_500_expand": lambda i: L.Request(
                "GET", f"{API}?limit=500&expand=TranscriptMessage", None, self.token
            ),
            "q_phone_number": lambda i: L.Request(
                "GET",
                f"{API}?" + urlencode({"q": f"PhoneNumber={phone_number(self.random_call())}"}),
                None,
                self.token,
            ),
            "q_creation_date": lambda i: L.Request(
                "GET",
                f"{API}?"
                + urlencode(
                    {"q": window, "orderBy": "CreationDate:desc", "limit": 25}, quote_via=quote
                ),
                None,
                {**self.token, "REST-Framework-Version": "2"},
            ),
            "staff_list": lambda i: L.Request("GET", "/", None, cookie),
            # Words said: the search, one matching line per row (snippets), the live chart.
            "staff_list_search": lambda i: L.Request("GET", "/?q=warranty", None, cookie),
            # A word said in one call only: no page fills up early.
            "staff_list_search_rare": lambda i: L.Request("GET", f"/?q={RARE_WORD}", None, cookie),
            "call_page_2000_messages": lambda i: L.Request(
                "GET", f"/calls/{self.f.transcript_call}/", None, cookie
            ),
            # A caller with many other calls: their count and the latest ten, first lines.
            "call_page_caller_history": lambda i: L.Request(
                "GET", f"/calls/{self.f.frequent_caller_call}/", None, cookie
            ),
            # The same with times: seek buttons, offsets and the speaker timeline.
            "call_page_2000_timed_messages": lambda i: L.Request(
                "GET", f"/calls/{self.f.timed_transcript_call}/", None, cookie
            ),
            # The admin's change page shows one page of the transcript (calls/admin/transcript.py):
            # a middle page of a 2,000- and of a 5,000-message call.
            "admin_change_2000_messages": lambda i: L.Request(
                "GET",
                f"/admin/calls/phonecall/{self.f.transcript_call}/change/?tpage=20",
                None,
                cookie,
            ),
            "admin_change_5000_messages": lambda i: L.Request(
                "GET",
                f"/admin/calls/phonecall/{self.f.long_transcript_call}/change/?tpage=50",
                None,
                cookie,
            ),
            "recording_range_1mb": lambda i: self._range(i),
        }

    def _range(self, i: int) -> L.Request:
        start = self.rng.randrange(0, RECORDING_BYTES - MB)
        return L.Request(
            "GET",
            f"{API}/{self.f.recording_call}/enclosure/CallRecording",
            None,
            {**self.token, "Range": f"bytes={start}-{start + MB - 1}"},
            (206,),
        )


def run_scenarios(
    server: Gunicorn,
    scenarios: Scenarios,
    sizes: Sizes,
    phase: str,
    concurrency: int,
    only: set[str] | None,
) -> dict[str, L.Result]:
    results = {}
    for name, make in scenarios.all().items():
        if only and name not in only:
            continue
        result = L.run(
            name,
            server.port,
            make,
            requests=sizes.requests,
            seconds=sizes.seconds,
            concurrency=concurrency,
            warmup=4,
        )
        emit(result.as_dict(phase=phase, calls=scenarios.calls))
        results[name] = result
    return results


def database_limit(url: str, sizes: Sizes) -> L.Result:
    """One process inserting a call and 20 messages per transaction with the driver alone."""
    from calls.sql.scale_data import (
        CALL_COLUMNS,
        CALL_TABLE,
        MESSAGE_COLUMNS,
        MESSAGE_TABLE,
    )

    call_columns = [c for c in CALL_COLUMNS if c != "id"]
    message_columns = [c for c in MESSAGE_COLUMNS if c != "id"]
    sqlite = url.startswith("sqlite")
    mark = "?" if sqlite else "%s"
    call_sql = (
        f"INSERT INTO {CALL_TABLE} ({', '.join(call_columns)}) VALUES "
        f"({', '.join([mark] * len(call_columns))}) RETURNING id"
    )
    row_marks = "(" + ", ".join([mark] * len(message_columns)) + ")"
    message_sql = f"INSERT INTO {MESSAGE_TABLE} ({', '.join(message_columns)}) VALUES " + ", ".join(
        [row_marks] * 20
    )
    if sqlite:
        import sqlite3

        conn = sqlite3.connect(urlsplit(url).path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    else:
        import psycopg

        conn = psycopg.connect(url)
    latencies = []
    deadline = time.perf_counter() + sizes.seconds
    started, cpu = time.perf_counter(), time.process_time()
    i = 0
    while i < sizes.requests and time.perf_counter() < deadline:
        i += 1
        now = datetime.now(UTC)
        tag = secrets.token_hex(8).upper()
        call = (
            "bench",
            now,
            "bench",
            now,
            None,
            f"DL{tag}",
            None,
            "",
            None,
            None,
            None,
            False,
            f"DB-{i}",
            900_000_000 + i,
            False,
            f"+1650{i:07d}",
            f"+1650{i:07d}",  # its E.164 form, as the services store it
            None,  # no recording, no duration
            now,  # when it happened: no start given, so when it arrived
            1,
        )
        began = time.perf_counter()
        if sqlite:
            conn.execute("BEGIN IMMEDIATE")
            call_id = conn.execute(call_sql, call).fetchone()[0]
        else:
            call_id = conn.execute(call_sql, call).fetchone()[0]
        values = []
        for k in range(20):
            message = _message(i, k)
            values += [
                "bench",
                now,
                "bench",
                now,
                None,
                call_id,
                f"DM{tag}{k:03d}",
                base64.b64decode(message["MessageContent"]).decode(),
                "TEXT",
                message["PostedByDisplayName"],
                None,
                message["RoleCd"],
                "EXTERNAL",
                False,
                1,
            ]
        conn.execute(message_sql, values)
        conn.commit() if not sqlite else conn.execute("COMMIT")
        latencies.append(time.perf_counter() - began)
    result = L.Result(
        "database_limit_call_plus_20_messages",
        len(latencies),
        0,
        time.perf_counter() - started,
        latencies,
        time.process_time() - cpu,
    )
    conn.close()
    return result


def stream_memory(server: Gunicorn, scenarios: Scenarios, copies: int) -> dict:
    """Stream the whole 200 MB recording; report each worker's peak RSS growth."""
    workers = server.workers()
    before = {}
    for pid in workers:
        # Reset the high-water mark, so VmHWM afterwards is the peak of this test alone.
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        before[pid] = memory(pid)
    request = L.Request(
        "GET", f"{API}/{scenarios.f.recording_call}/enclosure/CallRecording", None, scenarios.token
    )
    result = L.run(
        "stream_200mb_recording",
        server.port,
        lambda i: request,
        requests=copies * len(workers),
        seconds=120,
        concurrency=len(workers),
    )
    growth = {}
    for pid in workers:
        after = memory(pid)
        growth[pid] = {
            "rss_before_mb": round(before[pid]["VmRSS"] / MB, 1),
            "rss_after_mb": round(after["VmRSS"] / MB, 1),
            "peak_growth_mb": round((after["VmHWM"] - before[pid]["VmRSS"]) / MB, 1),
        }
    payload = result.as_dict(phase="large", bytes_per_request=RECORDING_BYTES, workers=growth)
    payload["max_peak_growth_mb"] = max(g["peak_growth_mb"] for g in growth.values())
    emit(payload)
    return payload


# Versus the bare DRF app (issue 18)


def reference_url(url: str) -> str:
    """The reference app's own database, beside the bench's (its name says "bench" too)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        return urlunsplit(parts._replace(path=str(path.with_stem(path.stem + "-reference"))))
    return urlunsplit(parts._replace(path=parts.path + "_reference"))


def prepare_reference(url: str, env: dict[str, str], sizes: Sizes) -> tuple[int, int]:
    """Create, migrate and load the reference's database; the range of its call ids."""
    prepare_database(url)
    done = subprocess.run(
        [sys.executable, "-m", "bench.reference.prepare"]
        + ["--calls", str(sizes.small), "--messages", str(sizes.messages)],
        env={**env, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded["first"], loaded["last"]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of ``pids`` so far (processes gone since count nothing)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds([pid]) for pid in pids}


def cpu_spent(before: dict[int, float], pids: list[int]) -> float:
    """CPU time ``pids`` spent since ``before`` (``cpu_by_process``), process by process: a
    process gone meanwhile (a database connection closed) counts nothing, one that came
    since counts all it spent, so the sum never goes negative."""
    after = cpu_by_process(pids)
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes connected to ``url``'s database (none on SQLite)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return []
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [parts.path.lstrip("/")]
        ).fetchall()
    return [pid for (pid,) in rows]


@dataclass
class Contender:
    name: str
    server: Gunicorn
    url: str
    headers: dict[str, str]
    ids: tuple[int, int]


def versus_requests(app: Contender, rng: random.Random) -> dict:
    """The three scenarios of the comparison, the same requests for either app."""
    json_body = {"Content-Type": "application/json"}
    return {
        "create_20_messages": lambda i: L.Request(
            "POST", API, create_body(i), {**app.headers, **json_body}, (201,)
        ),
        "get_item": lambda i: L.Request("GET", f"{API}/{rng.randint(*app.ids)}", None, app.headers),
        "get_collection_25": lambda i: L.Request("GET", f"{API}?limit=25", None, app.headers),
    }


def same_shape(apps: list[Contender]) -> None:
    """Note where the two apps' items differ in their keys (they should not)."""
    import http.client

    shapes = []
    for app in apps:
        conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=30)
        conn.request("GET", f"{API}/{app.ids[0]}", headers=app.headers)
        shapes.append(set(json.loads(conn.getresponse().read())))
        conn.close()
    if shapes[0] != shapes[1]:
        note(f"the items differ in keys: {sorted(shapes[0] ^ shapes[1])}")


def run_versus(apps: list[Contender], sizes: Sizes, concurrency: int) -> dict[str, dict]:
    """Each scenario: A B A B … (``versus_rounds`` turns each), requests/s and CPU per request
    of the app's workers and of its database's server processes, summed over its turns."""
    same_shape(apps)
    rng = random.Random(18)
    summary: dict[str, dict] = {}
    for scenario in versus_requests(apps[0], rng):
        totals = {
            app.name: {"requests": 0, "seconds": 0.0, "app_cpu": 0.0, "db_cpu": 0.0} for app in apps
        }
        turns: dict[str, list[float]] = {app.name: [] for app in apps}
        for turn in range(sizes.versus_rounds):
            for app in apps:
                workers = app.server.workers()
                cpu_before = cpu_by_process(workers), cpu_by_process(database_backends(app.url))
                result = L.run(
                    f"versus_{scenario}",
                    app.server.port,
                    versus_requests(app, rng)[scenario],
                    requests=10**9,
                    seconds=sizes.versus_seconds,
                    concurrency=concurrency,
                    warmup=4,
                )
                app_cpu = cpu_spent(cpu_before[0], workers)
                db_cpu = cpu_spent(cpu_before[1], database_backends(app.url))
                emit(
                    result.as_dict(
                        phase="versus",
                        app=app.name,
                        turn=turn + 1,
                        app_cpu_ms_per_req=round(app_cpu / max(result.requests, 1) * 1000, 2),
                        db_cpu_ms_per_req=round(db_cpu / max(result.requests, 1) * 1000, 2),
                        load_average=round(os.getloadavg()[0], 2),
                    )
                )
                if result.errors:
                    note(f"{app.name} {scenario}: {result.errors} errors ({result.first_error})")
                total = totals[app.name]
                total["requests"] += result.requests
                total["seconds"] += result.seconds
                total["app_cpu"] += app_cpu
                total["db_cpu"] += db_cpu
                turns[app.name].append(result.rps)
        a, b = (totals[app.name] for app in apps)
        rps = [t["requests"] / t["seconds"] for t in (a, b)]
        per_turn = [x / y for x, y in zip(*turns.values(), strict=True)]
        summary[scenario] = {
            "ratio": "versus_" + scenario,
            "value": round(rps[0] / rps[1], 2),
            "turn_ratios": [round(r, 2) for r in per_turn],
            **{
                f"{app.name}_{key}": value
                for app, t, r in zip(apps, (a, b), rps, strict=True)
                for key, value in {
                    "rps": round(r, 1),
                    "app_cpu_ms_per_req": round(t["app_cpu"] / max(t["requests"], 1) * 1000, 2),
                    "db_cpu_ms_per_req": round(t["db_cpu"] / max(t["requests"], 1) * 1000, 2),
                }.items()
            },
        }
        emit(summary[scenario])
    return summary


def versus_verdicts(summary: dict[str, dict]) -> bool:
    ok = True
    for scenario, row in summary.items():
        cpu = {
            where: f"{where} {row[f'callbook_{where}_cpu_ms_per_req']:.2f} vs "
            f"{row[f'reference_{where}_cpu_ms_per_req']:.2f}"
            for where in ("app", "db")
        }
        detail = (
            f"{row['callbook_rps']:.0f} vs {row['reference_rps']:.0f} req/s = {row['value']:.2f}x "
            f"(turns {', '.join(f'{r:.2f}' for r in row['turn_ratios'])}); "
            f"CPU ms/request {cpu['app']}, {cpu['db']}"
        )
        ok &= verdict(
            f"{scenario} (Basic, every feature on) >= {MIN_VERSUS_RATIO:.1f}x the bare DRF app",
            row["value"] >= MIN_VERSUS_RATIO,
            detail,
        )
        verdict(
            f"{scenario} >= {STRETCH_VERSUS_RATIO:.1f}x the bare DRF app (stretch)",
            row["value"] >= STRETCH_VERSUS_RATIO,
            f"{row['value']:.2f}x",
        )
    return ok


def verdict(name: str, passed: bool, detail: str) -> bool:
    print(f"{'PASS' if passed else 'FAIL'} {name}: {detail}", flush=True)
    return passed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few requests")
    parser.add_argument("--large", type=int, help="calls in the large data set")
    parser.add_argument("--requests", type=int, help="requests per scenario at most")
    parser.add_argument("--seconds", type=float, help="seconds per scenario at most")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    parser.add_argument(
        "--versus-only", action="store_true", help="only Callbook versus the bare DRF app"
    )
    parser.add_argument(
        "--versus-concurrency", type=int, default=4, help="client threads of the versus phase"
    )
    parser.add_argument("--versus-seconds", type=float, help="seconds per versus turn")
    parser.add_argument("--versus-rounds", type=int, help="versus turns of each app")
    parser.add_argument("--redaction-only", action="store_true", help="only the redaction phase")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    sizes = Sizes(
        **{
            **sizes.__dict__,
            **{
                k: v
                for k, v in {
                    "large": args.large,
                    "requests": args.requests,
                    "seconds": args.seconds,
                    "versus_seconds": args.versus_seconds,
                    "versus_rounds": args.versus_rounds,
                }.items()
                if v is not None
            },
        }
    )
    only = set(args.only.split(",")) if args.only else None
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not (url.startswith("postgres") or url.startswith("sqlite")):
        sys.exit("DATABASE_URL must name PostgreSQL or SQLite")

    note(f"bench database {url}: recreating, migrating")
    prepare_database(url)
    media = Path(tempfile.mkdtemp(prefix="callbook-bench-media-"))
    env = child_environment(url, media)
    setup_django(env)
    fixture = create_fixture(media, sizes)
    end = datetime.now(UTC).replace(microsecond=0)
    ranges = [grow_to(sizes.small, sizes.messages, end)]
    token = Scenarios(fixture, sizes.small, ranges, end).token  # redaction's cost (issue 17)
    redaction = None if args.versus_only else R.http_phase(env, url, token, sizes)
    if redaction is not None and args.redaction_only:
        return 0 if R.http_verdict(redaction) or not args.strict else 1
    note("the reference app's database: recreating, migrating, loading")
    ref_url = reference_url(url)
    reference_ids = prepare_reference(ref_url, env, sizes)
    emit(
        {
            "machine": {
                "cpus": os.cpu_count(),
                "database": urlsplit(url).scheme,
                "gunicorn_workers": 2,
                "client_threads": args.concurrency,
                "small_calls": sizes.small,
                "large_calls": sizes.large,
                "messages_per_call": sizes.messages,
            }
        }
    )

    hello = Gunicorn("bench.hello:application", env)
    ceiling = L.run(
        "hello_world_ceiling",
        hello.port,
        lambda i: L.Request("GET", "/"),
        requests=sizes.requests * 5,
        seconds=sizes.seconds,
        concurrency=args.concurrency,
    )
    hello.stop()
    emit(ceiling.as_dict(phase="calibration"))

    server = Gunicorn("crmsite.wsgi", env)
    reference = Gunicorn(
        "bench.reference.wsgi:application",
        {**env, "DJANGO_SETTINGS_MODULE": "bench.reference.settings", "DATABASE_URL": ref_url},
    )
    basic = Scenarios(fixture, sizes.small, ranges, end).basic
    try:
        contenders = [
            Contender("callbook", server, url, basic, ranges[0]),
            Contender("reference", reference, ref_url, {}, reference_ids),
        ]
        versus = run_versus(contenders, sizes, args.versus_concurrency)
    except BaseException:
        server.stop()
        raise
    finally:
        reference.stop()
    if args.versus_only:
        server.stop()
        ok = versus_verdicts(versus)
        return 0 if ok or not args.strict else 1
    try:
        small = run_scenarios(
            server,
            Scenarios(fixture, sizes.small, ranges, end),
            sizes,
            "small",
            args.concurrency,
            only,
        )
        note(f"growing to {sizes.large} calls")
        ranges.append(grow_to(sizes.large, sizes.messages, end))
        scenarios = Scenarios(fixture, sizes.large, ranges, end)
        large = run_scenarios(server, scenarios, sizes, "large", args.concurrency, only)
        limit = database_limit(url, sizes)
        emit(limit.as_dict(phase="large"))
        stream = stream_memory(server, scenarios, sizes.stream_copies)
    finally:
        server.stop()

    print("# ratios (large / small p50 latency; create vs database limit; basic / token)")
    ok = versus_verdicts(versus) & (redaction is None or R.http_verdict(redaction))
    for name, result in large.items():
        ratio = result.percentile(50) / small[name].percentile(50)
        emit(
            {
                "ratio": f"{name}_large_vs_small_p50",
                "value": round(ratio, 2),
                "small_p50_ms": round(small[name].percentile(50) * 1000, 2),
                "large_p50_ms": round(result.percentile(50) * 1000, 2),
            }
        )
        ok &= verdict(
            f"{name} at {sizes.large} calls within {MAX_SCALE_RATIO}x of {sizes.small}",
            ratio <= MAX_SCALE_RATIO and not result.errors,
            f"p50 ratio {ratio:.2f}, errors {result.errors}",
        )
    if "create_20_messages_token" in large:
        share = large["create_20_messages_token"].rps / limit.rps
        emit(
            {
                "ratio": "create_token_vs_database_limit_rps",
                "value": round(share, 3),
                "create_rps": round(large["create_20_messages_token"].rps, 1),
                "database_limit_rps": round(limit.rps, 1),
            }
        )
        ok &= verdict(
            f"create with 20 messages >= {MIN_CREATE_SHARE:.0%} of the database's limit",
            share >= MIN_CREATE_SHARE,
            f"{large['create_20_messages_token'].rps:.0f} req/s vs "
            f"{limit.rps:.0f} tx/s = {share:.0%}",
        )
    if {"create_20_messages_basic", "create_20_messages_token"} <= large.keys():
        basic = large["create_20_messages_basic"].percentile(50)
        token = large["create_20_messages_token"].percentile(50)
        emit({"ratio": "create_basic_vs_token_p50", "value": round(basic / token, 2)})
        ok &= verdict(
            f"Basic create within {MAX_BASIC_RATIO}x of token create",
            basic / token <= MAX_BASIC_RATIO,
            f"p50 {basic * 1000:.1f} ms vs {token * 1000:.1f} ms = {basic / token:.2f}x",
        )
    for name in ("admin_change_2000_messages", "admin_change_5000_messages"):
        if name in large:
            p50 = large[name].percentile(50)
            ok &= verdict(
                f"{name} opens in under {MAX_ADMIN_CHANGE_SECONDS:.0f} s",
                p50 < MAX_ADMIN_CHANGE_SECONDS and not large[name].errors,
                f"p50 {p50 * 1000:.0f} ms, errors {large[name].errors}",
            )
    if {"call_page_2000_messages", "call_page_2000_timed_messages"} <= large.keys():
        untimed = large["call_page_2000_messages"].percentile(50)
        timed = large["call_page_2000_timed_messages"].percentile(50)
        emit({"ratio": "call_page_timed_vs_untimed_p50", "value": round(timed / untimed, 2)})
        ok &= verdict(
            f"the timed call page within {MAX_TIMED_RATIO}x of the untimed one",
            timed / untimed <= MAX_TIMED_RATIO,
            f"p50 {timed * 1000:.1f} ms vs {untimed * 1000:.1f} ms = {timed / untimed:.2f}x",
        )
    growth = stream["max_peak_growth_mb"]
    ok &= verdict(
        "streaming a 200 MB recording adds < 30 MB to a worker",
        growth * MB < MAX_STREAM_GROWTH and not stream["errors"],
        f"peak growth {growth} MB",
    )
    slowest = max(r.rps for r in large.values())
    verdict(
        "load generator is not the bottleneck",
        ceiling.rps > 2 * slowest,
        f"hello-world ceiling {ceiling.rps:.0f} req/s vs fastest scenario {slowest:.0f} "
        "req/s (informational)",
    )
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
