"""The settings rules, checked in a fresh interpreter: settings are read once, at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOAD = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "NAME": str(settings.DATABASES["default"]["NAME"]),
}))
"""


def load_settings(**env):
    """Import the settings in a subprocess with only ``env`` (plus PATH) set."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "crmsite.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = load_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_with_a_secret_key_starts():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["DEBUG"] is False


def test_with_nothing_set_debug_is_on_and_the_database_is_sqlite():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["DEBUG"] is True
    assert loaded["ENGINE"] == "crmsite.sqlite"
    assert loaded["NAME"] == str(ROOT / "db.sqlite3")


def test_a_database_url_selects_postgresql():
    result = load_settings(DATABASE_URL="postgres://u:p@db.example:5432/callbook")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["NAME"] == "callbook"


def test_a_bad_debug_value_is_refused():
    result = load_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_a_negative_access_audit_window_is_refused():
    result = load_settings(CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS="-1")
    assert result.returncode != 0
    assert "CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS" in result.stderr


def test_management_commands_print_no_library_banner():
    """A nightly cron job mails whatever a command prints: django-axes' banner included."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "crmsite.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "AXES" not in result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
