"""Production security: `check --deploy` with the README's environment, and error pages
that never show internals."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SECRET = "internal-detail-7f3a"


def _boom(request):
    raise RuntimeError(f"{SECRET}: SELECT password FROM auth_user")


def _suspicious(request):
    raise SuspiciousOperation(SECRET)


def _forbidden(request):
    raise PermissionDenied(SECRET)


# The project's URLs plus views that fail in each way (ROOT_URLCONF = this module).
urlpatterns = [
    path("boom/", _boom),
    path("suspicious/", _suspicious),
    path("forbidden/", _forbidden),
    path("", include("crmsite.urls")),
]


def documented_environment() -> dict[str, str]:
    """The production environment file of the README's deployment section, as written."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- section: deployment -->", 1)[1]
    section = section.split("<!-- end section: deployment -->", 1)[0]
    block = re.search(r"```env\n(.*?)```", section, re.S)
    assert block, "the deployment section shows its environment in an ```env block"
    env = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_environment_passes_check_deploy_without_warnings():
    env = documented_environment()
    assert env["DJANGO_DEBUG"] == "false"
    # The one value an operator generates (the README gives the command).
    assert "DJANGO_SECRET_KEY" in env
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_are_secure_by_default():
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "callbook.example.com",
    }
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_REFERRER_POLICY,"
        " s.X_FRAME_OPTIONS, s.CACHES['default']['BACKEND'].rsplit('.', 1)[1],"
        " s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[1])"
    )
    result = run_manage(env, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "same-origin",
        "DENY",
        "DatabaseCache",
        "CompressedManifestStaticFilesStorage",
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage({"DJANGO_DEBUG": "false"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_behind_a_tls_proxy_the_forwarded_proto_header_is_trusted_only_when_configured():
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    assert run_manage(env, "shell", "--no-imports", "-c", code).stdout.strip() == "None"
    env["DJANGO_SECURE_PROXY_SSL_HEADER"] = "true"
    out = run_manage(env, "shell", "--no-imports", "-c", code).stdout.strip()
    assert out == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.fixture
def production(settings, db):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def _assert_plain(response, status: int, heading: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert re.search(rf"<h1( [^>]*)?>{re.escape(heading)}</h1>", body)
    assert SECRET not in body
    assert "Traceback" not in body and "SELECT" not in body and "settings" not in body.lower()


def test_a_crashing_view_answers_the_plain_500_page(production):
    _assert_plain(production.get("/boom/"), 500, "Server error")


def test_bad_requests_answer_the_plain_400_page(production):
    _assert_plain(production.get("/suspicious/"), 400, "Bad request")


def test_forbidden_answers_the_403_page_without_the_reason(production):
    # The site's layout (issue 13), rendered with the request; the exception's text stays out.
    _assert_plain(production.get("/forbidden/"), 403, "You may not see this page")


def test_unknown_addresses_answer_the_plain_404_page(production):
    _assert_plain(production.get("/no/such/page/"), 404, "Not found")


def test_a_form_without_csrf_token_answers_the_plain_403_page(settings, db):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    _assert_plain(response, 403, "Forbidden")


@pytest.mark.parametrize("name", ["400.html", "403.html", "403_csrf.html", "404.html", "500.html"])
def test_error_pages_need_no_inline_style_or_script_under_the_csp(name):
    html = (TEMPLATES / name).read_text()
    assert "<style" not in html and "style=" not in html and "<script" not in html
    if name == "403.html":
        # Django's permission_denied renders it with the request: it extends base.html
        # (whose scripts and styles are files too) to offer a sign-out.
        assert html.startswith('{% extends "base.html" %}')
        return
    # 500.html is rendered without a context: it must not need one (nor the other plain ones).
    assert "{{" not in html and "{%" not in html


def test_responses_carry_the_security_headers(production):
    response = production.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_hsts_is_sent_over_https_in_production(production, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = production.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_static_files_are_collected_hashed_and_served_by_whitenoise_without_debug(
    settings, db, tmp_path
):
    # A folder of its own: other test processes serve static files from the checkout's
    # STATIC_ROOT meanwhile, and collectstatic renames files under their feet.
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }
    result = run_manage(env, "collectstatic", "--noinput")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"  # a content hash in the name: cached forever
    # As the settings module makes them with DJANGO_DEBUG=false.
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = Client().get(f"/static/{hashed}")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
