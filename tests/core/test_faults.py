"""Fault and load tests against the real thing: gunicorn, a PostgreSQL of the test's own,
and HTTP on 127.0.0.1.

Slow, so they run only with ``CALLBOOK_RUN_SLOW=1`` (``.ci/run`` sets it). Each test starts
what it needs and stops it again; every loop is bounded in time. The PostgreSQL cluster is
private (``initdb`` into a temporary directory, a free port): restarting it cannot disturb
anyone else's database. ``CALLBOOK_SOAK_SECONDS`` sets the soak's length (default 60).
"""

import base64
import glob
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CALLBOOK_RUN_SLOW") != "1",
        reason="slow fault and load tests: set CALLBOOK_RUN_SLOW=1",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
API = "/crmRestApi/resources/11.13.18.05/phoneCalls"
USER, PASSWORD = "loadtest", "load-test-password-1"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SOAK_SECONDS = int(os.environ.get("CALLBOOK_SOAK_SECONDS", "60"))
SOAK_CLIENTS = 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """A throwaway PostgreSQL server on 127.0.0.1 that only this test run uses."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.skip("PostgreSQL server binaries are not installed")
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="callbook-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    pg = PostgresCluster()
    yield pg
    pg.destroy()


@dataclass
class AppServer:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path

    def rows(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql).fetchall()


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def start_app(
    cluster: PostgresCluster, tmp_path: Path, workers: int = 4, extra_env: dict | None = None
) -> AppServer:
    """gunicorn with the production settings of the README on a fresh database."""
    database_url = cluster.create_database(f"callbook_{secrets.token_hex(4)}")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "DJANGO_CACHE": "db",
        # Throttles on (their counters exercise the database cache) but far above the load.
        "CALLBOOK_THROTTLE_USER": "10000000/min",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    _manage(env, "migrate", "--noinput")
    _manage(env, "createcachetable")
    _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser({USER!r}, 'load@example.com', {PASSWORD!r})",
    )
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crmsite.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return AppServer(url, database_url, process, log)
        except requests.RequestException:
            pass
        assert process.poll() is None, log.read_text()
        time.sleep(0.3)
    stop_app(AppServer(url, database_url, process, log))
    pytest.fail("gunicorn did not become healthy within 60 s:\n" + log.read_text())


def stop_app(app: AppServer) -> None:
    if app.process.poll() is None:
        app.process.send_signal(signal.SIGTERM)
        try:
            app.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.process.pid, signal.SIGKILL)
            app.process.wait(timeout=10)


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    statuses: Counter = field(default_factory=Counter)
    created: list = field(default_factory=list)  # (CallId, CallNumber) of every 201
    errors: list = field(default_factory=list)  # (time, what) of 5xx and broken connections
    timeline: list = field(default_factory=list)  # (time, ok) of every answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int | None, what: str, created=None) -> None:
        now = time.monotonic()
        with self.lock:
            self.statuses[status] += 1
            self.timeline.append((now, status is not None and status < 500))
            if created:
                self.created.append(created)
            if status is None or status >= 500:
                self.errors.append((now, what))


def client_loop(base: str, tally: Tally, until: float, seed: int, mix=(0.5, 0.3)) -> None:
    """One client: POST creates, collection GETs and item GETs until ``until``."""
    import requests

    rng = random.Random(seed)
    session = requests.Session()
    session.headers.update({"Authorization": AUTH, "Content-Type": "application/json"})
    mine: list[int] = []
    while time.monotonic() < until:
        roll = rng.random()
        try:
            if roll < mix[0] or not mine:
                body = {
                    "InteractionId": rng.randrange(1, 10**9),
                    "PhoneNumber": f"+1415555{rng.randrange(10000):04d}",
                }
                if rng.random() < 0.3:
                    body["TranscriptMessage"] = [
                        {
                            "MessageContent": base64.b64encode(b"hello there").decode(),
                            "RoleCd": "AGENT",
                        },
                    ]
                response = session.post(base + API, data=json.dumps(body), timeout=30)
                created = None
                if response.status_code == 201:
                    item = response.json()
                    created = (item["CallId"], item["CallNumber"])
                    mine.append(item["CallId"])
                tally.note(response.status_code, f"POST {response.text[:200]}", created)
            elif roll < mix[0] + mix[1]:
                response = session.get(
                    base + API, params={"limit": 10, "orderBy": "CallId:desc"}, timeout=30
                )
                tally.note(response.status_code, f"GET list {response.text[:200]}")
            else:
                call_id = rng.choice(mine)
                response = session.get(f"{base}{API}/{call_id}", timeout=30)
                tally.note(response.status_code, f"GET item {response.text[:200]}")
        except requests.RequestException as error:
            tally.note(None, f"{type(error).__name__}: {error}")
            time.sleep(0.05)


def run_clients(base: str, tally: Tally, seconds: float, clients: int) -> None:
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(base, tally, until, n), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads), "a client did not stop"


def assert_every_201_is_a_row(app: AppServer, tally: Tally) -> None:
    rows = dict(app.rows("SELECT id, call_number FROM calls_phonecall"))
    lost = [(pk, number) for pk, number in tally.created if rows.get(pk) != number]
    assert not lost, f"{len(lost)} acknowledged creates are not in the database: {lost[:5]}"


def test_soak_of_mixed_reads_and_writes_at_32_clients_has_no_5xx(cluster, tmp_path):
    app = start_app(cluster, tmp_path)
    tally = Tally()
    try:
        run_clients(app.url, tally, SOAK_SECONDS, SOAK_CLIENTS)
        assert app.process.poll() is None, "gunicorn died during the soak"
    finally:
        stop_app(app)
    print(f"soak: {SOAK_CLIENTS} clients, {SOAK_SECONDS} s, answers {dict(tally.statuses)}")
    assert not tally.errors, f"{len(tally.errors)} failures, first: {tally.errors[:3]}"
    assert set(tally.statuses) <= {200, 201}, tally.statuses
    assert tally.statuses[201] > SOAK_SECONDS, tally.statuses  # it really wrote
    assert_every_201_is_a_row(app, tally)
    (count,) = app.rows("SELECT count(*) FROM calls_phonecall")[0]
    assert count == tally.statuses[201]


def test_a_postgresql_restart_mid_run_loses_no_acknowledged_write(cluster, tmp_path):
    app = start_app(cluster, tmp_path)
    tally = Tally()
    clients = threading.Thread(target=run_clients, args=(app.url, tally, 25, 8), daemon=True)
    try:
        clients.start()
        time.sleep(6)
        # A crash-like stop (no checkpoint), two seconds down, then back on the same port.
        cluster.stop("immediate")
        time.sleep(2)
        cluster.start()
        back = time.monotonic()
        clients.join(timeout=120)
        assert not clients.is_alive()
        # The app was never restarted: the same gunicorn master served throughout.
        assert app.process.poll() is None, "gunicorn died"
        recovered = [t for t, ok in tally.timeline if ok and t > back]
        assert recovered, "nothing succeeded after PostgreSQL came back"
        assert recovered[0] - back < 5, f"first success {recovered[0] - back:.1f}s after"
        # After recovery nothing fails any more: no worker kept a broken connection.
        late_failures = [what for t, what in tally.errors if t > back + 5]
        assert not late_failures, late_failures[:3]
        assert tally.statuses[201] > 0
    finally:
        stop_app(app)
    assert_every_201_is_a_row(app, tally)


@pytest.mark.django_db
def test_a_storage_failure_during_a_create_writes_nothing_and_answers_in_the_contract_format(
    client, monkeypatch, settings
):
    """An API create whose recording cannot be stored: an error, no row, no file."""
    from django.core.files.storage import default_storage

    from calls.models import PhoneCall
    from tests.factories import UserFactory

    UserFactory(username=USER, password=PASSWORD, is_superuser=True)
    default_storage.exists("warm-up")  # build the lazy storage before patching its class

    def refuse(*args, **kwargs):
        raise OSError("[Errno 28] No space left on device: '/srv/secret-media'")

    monkeypatch.setattr(type(default_storage._wrapped), "save", refuse)
    response = client.post(
        API,
        {
            "InteractionId": 5,
            "CallNumber": "CN-STORAGE-FAIL",
            "CallRecording": base64.b64encode(b"RIFF....WAVE").decode(),
            "TranscriptMessage": [{"MessageContent": base64.b64encode(b"hi").decode()}],
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=AUTH,
        HTTP_REST_FRAMEWORK_VERSION="4",
    )
    assert response.status_code >= 400
    assert response["Content-Type"].startswith("application/vnd.oracle.adf.error+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == str(response.status_code)
    text = response.content.decode()
    assert "secret" not in text and "Errno" not in text and "Traceback" not in text
    assert not PhoneCall.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_a_storage_outage_answers_503_with_retry_after(client, monkeypatch):
    from django.core.files.storage import default_storage

    from tests.factories import UserFactory

    UserFactory(username=USER, password=PASSWORD, is_superuser=True)
    default_storage.exists("warm-up")
    monkeypatch.setattr(
        type(default_storage._wrapped),
        "save",
        lambda *a, **k: (_ for _ in ()).throw(OSError("unreachable")),
    )
    response = client.post(
        API,
        {"InteractionId": 5, "CallRecording": base64.b64encode(b"x").decode()},
        content_type="application/json",
        HTTP_AUTHORIZATION=AUTH,
        HTTP_REST_FRAMEWORK_VERSION="4",
    )
    assert response.status_code == 503
    assert "Retry-After" in response


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_lockout_holds_across_gunicorn_workers_before_any_password_hash(cluster, tmp_path):
    """Issue 11, 2: failed Basic logins from one address, each with a new username, are
    counted in the shared cache by every worker; past the limit every Basic login from the
    address is a 429, the right password included, and costs no password hash."""
    import requests

    limit = 6
    app = start_app(
        cluster, tmp_path, workers=2, extra_env={"CALLBOOK_BASIC_FAILURES_PER_ADDRESS": str(limit)}
    )
    try:
        statuses = []
        for n in range(limit + 4):  # new connections: the workers take turns
            response = requests.get(
                app.url + API,
                headers={"Authorization": _basic(f"guess{n}", "wrong")},
                timeout=30,
            )
            statuses.append(response.status_code)
        started = time.monotonic()
        locked = [
            requests.get(app.url + API, headers={"Authorization": AUTH}, timeout=30)
            for _ in range(5)
        ]
        elapsed = time.monotonic() - started
    finally:
        stop_app(app)
    assert statuses[: limit - 1] == [401] * (limit - 1), statuses
    assert set(statuses[limit - 1 :]) == {429}, statuses
    assert [r.status_code for r in locked] == [429] * 5
    assert all(r.headers.get("Retry-After") for r in locked)
    # A PBKDF2 hash costs hundreds of milliseconds: five refusals without one are quick.
    assert elapsed < 2.5, f"5 refused logins took {elapsed:.2f} s: a hash was computed"


def test_recording_uploads_under_gunicorn_are_whole_or_refused(cluster, tmp_path):
    """Issue 11, 5: a chunked upload is stored whole, and a body over
    CALLBOOK_MAX_REQUEST_BYTES is a 413 in the error format, announced or chunked."""
    import http.client

    import requests

    limit = 64 * 1024
    app = start_app(
        cluster, tmp_path, workers=2, extra_env={"CALLBOOK_MAX_REQUEST_BYTES": str(limit)}
    )
    host, port = app.url.removeprefix("http://").split(":")
    try:
        created = requests.post(
            app.url + API,
            json={"InteractionId": 1},
            headers={"Authorization": AUTH},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        path = f"{API}/{created.json()['CallId']}/enclosure/CallRecording"
        audio = os.urandom(limit // 2)

        def put_chunked(body: bytes) -> tuple[int, bytes]:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            pieces = (body[i : i + 4096] for i in range(0, len(body), 4096))
            connection.request(
                "PUT",
                path,
                body=pieces,
                headers={"Authorization": AUTH, "Content-Type": "application/octet-stream"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            answer = (response.status, response.read())
            connection.close()
            return answer

        status, _ = put_chunked(audio)
        stored = requests.get(app.url + path, headers={"Authorization": AUTH}, timeout=30)
        chunked_too_big, _ = put_chunked(os.urandom(limit * 2))
        announced_too_big = requests.put(
            app.url + path,
            data=os.urandom(limit * 2),
            headers={
                "Authorization": AUTH,
                "Content-Type": "application/octet-stream",
                "REST-Framework-Version": "4",
            },
            timeout=30,
        )
        after = requests.get(app.url + path, headers={"Authorization": AUTH}, timeout=30)
    finally:
        stop_app(app)
    assert status == 204
    assert stored.status_code == 200 and stored.content == audio
    assert chunked_too_big == 413
    assert announced_too_big.status_code == 413
    assert announced_too_big.json()["status"] == "413"
    assert after.content == audio  # the refused uploads changed nothing
