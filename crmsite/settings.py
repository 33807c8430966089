"""Callbook settings: one module, every knob from the environment, safe development defaults.

With nothing set, the app runs with DEBUG on and SQLite at ``db.sqlite3``. Production sets
``DJANGO_DEBUG=false`` and must then provide ``DJANGO_SECRET_KEY``.
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE_UNITS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def envrate(name: str, default: str | None) -> str | None:
    """A DRF throttle rate such as ``60/min``; ``none`` (or empty) turns the throttle off."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"", "none", "off"}:
        return None
    count, _, unit = value.partition("/")
    if not count.isdigit() or unit not in _RATE_UNITS:
        raise ImproperlyConfigured(f"{name} must look like 60/min (s, min, hour, day), not {raw!r}")
    return value


# How many reverse proxies (load balancer, TLS terminator) sit in front of gunicorn and
# append to X-Forwarded-For: the client address is the one the outermost of them saw. 0
# means REMOTE_ADDR is the client. Throttles, login lockouts and the access audit agree on it.
TRUSTED_PROXIES = envint("CALLBOOK_TRUSTED_PROXIES", 0, minimum=0)


DEBUG = envbool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Django's task framework (the django-tasks backport) with its database backend: the
    # webhook worker (`manage.py db_worker`) needs no server beside the database.
    "django_tasks",
    "django_tasks_db",
    "django_filters",
    "csp",
    "calls",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    # /healthz, answered before host validation and the https redirect (calls/health.py).
    "calls.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may answer an API request (axes' lockout, a 503 below).
    "calls.oracle.middleware.ApiCacheControlMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that queries (sessions, auth): static files above run no SQL.
    "calls.timeouts.StatementTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records the logged-in user on history rows (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a lockout into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crmsite.urls"
WSGI_APPLICATION = "crmsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: DATABASE_URL, SQLite at db.sqlite3 by default.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DJANGO_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "crmsite.sqlite"  # the same, with SQLite's real limits
    # SQLite has no server connection to keep; a persistent connection only pins a file handle.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock when a
    # transaction starts, so concurrent writers queue on the busy timeout instead of
    # failing with "database is locked" when a read transaction tries to upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory, so concurrent writers queue on the busy
    # timeout exactly as in production (shared-cache locks fail at once instead).
    # One file per test process, so parallel runs of the suite never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"callbook-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compiling (unless DATABASE_URL's options ask for it): it starts once a plan's
    # estimate passes jit_above_cost, and the search of a word said in one call among a
    # million (an estimate of 400,000, 0.3 ms to run) spent 60 ms compiling. The short
    # queries of this app never repay it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The zone staff pages show times in (an IANA name such as Europe/Berlin).
CALLBOOK_DISPLAY_TIME_ZONE = os.environ.get("CALLBOOK_TIME_ZONE", "UTC")
# The country (ISO 3166 alpha-2) of phone numbers written without a country code, for
# their E.164 form (calls.phones); empty: such numbers get none.
CALLBOOK_PHONE_REGION = os.environ.get("CALLBOOK_PHONE_REGION", "US").strip().upper()
if CALLBOOK_PHONE_REGION and CALLBOOK_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"CALLBOOK_PHONE_REGION must be a region code such as US or GB, "
        f"not {CALLBOOK_PHONE_REGION!r}"
    )

# Calls in time (calls.timing): the custom attributes, declared out of the box, that say
# when the call started (a date-time of the call) and when each message was said
# (integers, milliseconds from the start of the recording). An Oracle tenant whose
# integration already sends its own fields names them here.
_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*_c")


def envattribute(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not _CUSTOM_NAME.fullmatch(value) or len(value) > 80:
        raise ImproperlyConfigured(
            f"{name} must name a custom attribute (letters, digits and _, ending in _c), "
            f"not {value!r}"
        )
    return value


CALLBOOK_CALL_START_ATTRIBUTE = envattribute("CALLBOOK_CALL_START_ATTRIBUTE", "CallStartTime_c")
CALLBOOK_MESSAGE_START_ATTRIBUTE = envattribute(
    "CALLBOOK_MESSAGE_START_ATTRIBUTE", "StartOffsetMs_c"
)
CALLBOOK_MESSAGE_END_ATTRIBUTE = envattribute("CALLBOOK_MESSAGE_END_ATTRIBUTE", "EndOffsetMs_c")
if CALLBOOK_MESSAGE_START_ATTRIBUTE == CALLBOOK_MESSAGE_END_ATTRIBUTE:
    raise ImproperlyConfigured(
        "CALLBOOK_MESSAGE_START_ATTRIBUTE and CALLBOOK_MESSAGE_END_ATTRIBUTE must differ"
    )

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Recordings arrive base64-encoded inside JSON bodies; allow long calls.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("CALLBOOK_MAX_REQUEST_BYTES", 200 * 1024 * 1024, minimum=1)
# Bounded work for one request (README "Limits"): messages nested in one create or upsert.
CALLBOOK_MAX_MESSAGES_PER_REQUEST = envint("CALLBOOK_MAX_MESSAGES_PER_REQUEST", 5_000, minimum=1)
# On PostgreSQL every request's statements are cancelled after this many ms (0: no limit).
CALLBOOK_STATEMENT_TIMEOUT_MS = envint("CALLBOOK_STATEMENT_TIMEOUT_MS", 10_000, minimum=0)
# The admin's transcript inline posts one page (50 messages, at most 50 new ones: under 1,000
# fields); this limit leaves room for the API's and the staff pages' forms.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calls:list"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "calls.oracle.authentication.BasicAuthentication",
        "calls.oracle.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["calls.oracle.permissions.ModelPermissions"],
    "EXCEPTION_HANDLER": "calls.oracle.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per user and per anonymous address; counters live in CACHES["default"].
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's own, noting their decisions for the RateLimit headers.
        "calls.oracle.throttles.AnonRateThrottle",
        "calls.oracle.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envrate("CALLBOOK_THROTTLE_ANON", "60/min"),
        "user": envrate("CALLBOOK_THROTTLE_USER", "6000/min"),
    },
    # The client address is the one the trusted proxies put into X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXIES,
}

# The REST-Framework-Version a request gets when it sends none (Oracle's default is 1).
CALLBOOK_DEFAULT_FRAMEWORK_VERSION = envint("CALLBOOK_DEFAULT_FRAMEWORK_VERSION", 1, minimum=1)
# The realm named in WWW-Authenticate on a 401.
CALLBOOK_AUTH_REALM = os.environ.get("CALLBOOK_AUTH_REALM", "Callbook")
# Seconds a verified HTTP Basic credential is remembered (per process) so a busy
# integration does not pay a full password hash per request; 0 turns it off.
CALLBOOK_BASIC_AUTH_CACHE_SECONDS = envint("CALLBOOK_BASIC_AUTH_CACHE_SECONDS", 300, minimum=0)

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # Recordings play from our own view only; an integrator's RecordingURL is a link.
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}


# --- Production: serving, security, throttling, storage, audit, retention ---
# Every default below is safe for production when DJANGO_DEBUG=false; README "Deployment"
# lists the variables, and tests/core/test_security.py checks that its example passes
# `manage.py check --deploy` without a warning.

# HTTPS. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=true (the proxy
# must overwrite X-Forwarded-Proto), or the redirect to https loops.
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if envbool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = envbool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
# Origins allowed to POST forms, e.g. https://callbook.example.com (needed behind a proxy).
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The cache holds the API throttles' counters, so every app server must share it: the
# database cache (DJANGO_CACHE=db, table created by `manage.py createcachetable`) is the
# production default; locmem is per process and only right for one process.
_CACHE = os.environ.get("DJANGO_CACHE", "locmem" if DEBUG else "db").strip().lower()
if _CACHE == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "callbook_cache",
        }
    }
elif _CACHE == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"DJANGO_CACHE must be db or locmem, not {_CACHE!r}")

# Failed logins (login form, admin, HTTP Basic on the API) are counted per address and
# username in the database (shared by every app server) by django-axes; at the limit that
# pair is locked out for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "calls.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("CALLBOOK_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("CALLBOOK_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "calls.security.client_address"
AXES_HTTP_RESPONSE_CODE = 429
# No "AXES: BEGIN …" banner on every management command (a cron job would mail it).
AXES_VERBOSE = False
# Failed HTTP Basic logins from one address, whatever the usernames, before that address gets
# 429 for every Basic login until a cool-off (AXES_COOLOFF_TIME) has passed since its last
# failure. Checked before any password is hashed (calls/security.py).
CALLBOOK_BASIC_FAILURES_PER_ADDRESS = envint("CALLBOOK_BASIC_FAILURES_PER_ADDRESS", 30, minimum=1)

# Recordings: local files under MEDIA_ROOT, or S3-compatible object storage.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower()
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "calls.storage.RecordingS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Keys from the environment (boto3 also finds instance roles when these are unset).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # Objects stay private; the app streams the bytes itself, so no signed URLs.
            # Buckets with ACLs disabled (S3 "bucket owner enforced") need AWS_DEFAULT_ACL=.
            "default_acl": os.environ.get("AWS_DEFAULT_ACL", "private") or None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    if not STORAGES["default"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")

# Seconds in which one user's repeated reads of one call's recording or transcript (a
# player's range requests, seeks, reloads) make one access record, not hundreds; 0 records
# every response.
CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS = envint(
    "CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS", 300, minimum=0
)

# Retention defaults of `manage.py purge_calls` in days; 0 keeps forever.
CALLBOOK_RETAIN_RECORDINGS_DAYS = envint("CALLBOOK_RETAIN_RECORDINGS_DAYS", 0, minimum=0)
CALLBOOK_RETAIN_TRANSCRIPTS_DAYS = envint("CALLBOOK_RETAIN_TRANSCRIPTS_DAYS", 0, minimum=0)
CALLBOOK_RETAIN_DELETED_CALLS_DAYS = envint("CALLBOOK_RETAIN_DELETED_CALLS_DAYS", 0, minimum=0)

# Background work: Django's task framework through the django-tasks backport and its
# database backend (django-tasks-db), so SQLite and PostgreSQL both work with no other
# server; `manage.py db_worker` runs the tasks. The webhooks write their outbox row through
# this backend inside the write's own transaction (calls/webhooks/outbox.py), so it must be
# a database backend: an immediate one would deliver before the commit.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Webhooks (README "Webhooks"). Endpoints must be https:// on public addresses unless this is
# set (tests and local receivers); the address is checked again at every delivery.
CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = envbool("CALLBOOK_WEBHOOKS_ALLOW_PRIVATE", False)
# The Fernet keys that encrypt the endpoints' signing secrets at rest, comma-separated: the
# first encrypts, all decrypt (rotation). Unset: one key derived from SECRET_KEY.
CALLBOOK_WEBHOOK_KEYS = envlist("CALLBOOK_WEBHOOK_KEY", [])
# The absolute URL the links inside webhook payloads start with (no request to take it from).
CALLBOOK_PUBLIC_URL = os.environ.get("CALLBOOK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Seconds a process trusts its list of subscribed event types (a new endpoint is heard
# within this long by every app server; a change in this process is seen at once).
CALLBOOK_WEBHOOKS_REFRESH_SECONDS = envint("CALLBOOK_WEBHOOKS_REFRESH_SECONDS", 10, minimum=0)
# Hours the previous secret still signs (beside the new one) after a rotation.
CALLBOOK_WEBHOOK_SECRET_OVERLAP_HOURS = envint(
    "CALLBOOK_WEBHOOK_SECRET_OVERLAP_HOURS", 24, minimum=0
)
# Redaction of transcripts on the way in (calls/redaction; checked by calls/redaction/checks.py).
# Which kinds the stored text loses: card, cvv, expiry (PCI, the default), national_id,
# iban, email, phone. The card security code goes whatever the list says.
CALLBOOK_REDACT = envlist("CALLBOOK_REDACT", ["card", "cvv", "expiry"])
# none | redacted | redacted+original (the original kept apart, encrypted).
CALLBOOK_REDACTION_POLICY = os.environ.get("CALLBOOK_REDACTION_POLICY", "redacted").strip().lower()
# Fernet keys for kept originals, comma-separated: the first encrypts, all decrypt.
CALLBOOK_REDACTION_KEYS = envlist("CALLBOOK_REDACTION_KEYS", [])
# Whose national identity numbers the national_id detector knows (python-stdnum's).
CALLBOOK_REDACT_COUNTRIES = envlist("CALLBOOK_REDACT_COUNTRIES", ["us", "gb"])
