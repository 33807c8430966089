"""/healthz: the load balancer's probe of the database and the recording storage."""

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_one_query(client, django_assert_num_queries):
    # 1: SELECT 1 (the storage check lists MEDIA_ROOT, no query).
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_needs_no_login_and_no_trailing_slash(client):
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200


def test_healthz_names_the_database_when_it_is_down_without_internals(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db-secret.internal" failed: password')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["database"]}
    assert b"secret" not in response.content and b"password" not in response.content


def test_healthz_names_the_storage_when_it_fails(client, monkeypatch):
    def refuse(path):
        raise PermissionError("[Errno 13] Permission denied: '/srv/secret-media'")

    monkeypatch.setattr(default_storage, "listdir", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["storage"]}
    assert b"secret" not in response.content


def test_healthz_reports_both_failures(client, monkeypatch):
    monkeypatch.setattr(connection, "cursor", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(default_storage, "listdir", lambda path: (_ for _ in ()).throw(OSError()))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database", "storage"]


def test_healthz_writes_nothing_to_storage(client, settings):
    media = settings.MEDIA_ROOT
    media.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert list(media.iterdir()) == []


def test_healthz_is_fine_before_the_first_upload_created_media_root(client, settings):
    assert not settings.MEDIA_ROOT.exists()
    assert client.get("/healthz").status_code == 200


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    # Load balancers probe over plain HTTP behind the TLS terminator.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_persistent_connections_are_health_checked():
    db = connection.settings_dict
    assert db["CONN_HEALTH_CHECKS"] is True
    if connection.vendor == "postgresql":
        assert db["CONN_MAX_AGE"] == 60
    else:
        assert db["CONN_MAX_AGE"] == 0


def test_healthz_answers_a_probe_by_ip_address_over_plain_http(client, settings):
    """A load balancer probes each app server at its address, without TLS: neither
    ALLOWED_HOSTS nor the https redirect may stand in its way (other paths keep both)."""
    settings.ALLOWED_HOSTS = ["callbook.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.3.17:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.get("/accounts/login/", HTTP_HOST="10.0.3.17:8000").status_code == 400
    redirect = client.get("/accounts/login/", HTTP_HOST="callbook.example.com")
    assert redirect.status_code == 301


def test_favicon_ico_points_at_the_site_icon(client):
    """The admin's pages name no icon: the browser's /favicon.ico must not be a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("calls/favicon.svg")
