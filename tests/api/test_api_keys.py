"""API keys: hashed at rest, found by prefix, named, expiring, revocable; DRF tokens moved in."""

import hashlib
import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from calls.api_keys import ApiKey, api_key_create, api_key_revoke
from calls.oracle.authentication import forget_verified_credentials
from tests.api.helpers import CALLS
from tests.factories import PhoneCallFactory, UserFactory

pytestmark = pytest.mark.django_db


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def user(db):
    return UserFactory(username="cti", is_superuser=True)


def test_only_the_digest_and_prefix_are_stored(user):
    api_key, key = api_key_create(user=user, name="telephony")
    assert key.startswith("cbk_") and len(key) >= 50
    row = ApiKey.objects.filter(pk=api_key.pk).values().get()
    assert key not in str(row)
    assert row["prefix"] == key[:12]
    assert row["digest"] == hashlib.sha256(key.encode()).hexdigest()


def test_a_key_authenticates_in_one_query_and_notes_its_use_once_a_minute(
    user, django_assert_num_queries
):
    _, key = api_key_create(user=user, name="telephony")
    PhoneCallFactory()
    client = bearer(key)
    assert client.get(CALLS).status_code == 200
    used = ApiKey.objects.get().last_used_at
    assert used is not None
    with django_assert_num_queries(1):
        # the page of calls: the key, its user and their permissions are remembered
        # (calls.login_cache; a superuser's permissions need no query anyway)
        assert client.get(CALLS, {"limit": 1}).status_code == 200
    assert ApiKey.objects.get().last_used_at == used
    forget_verified_credentials()
    with django_assert_num_queries(2):
        # the key with its user (one query), the page of calls
        assert client.get(CALLS, {"limit": 1}).status_code == 200
    ApiKey.objects.update(last_used_at=used - timedelta(minutes=2))
    forget_verified_credentials()
    client.get(CALLS)
    assert ApiKey.objects.get().last_used_at > used


def later(monkeypatch, delta: timedelta) -> None:
    moment = timezone.now() + delta
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_remembered_key_notes_its_use_once_a_minute_too(
    user, django_assert_num_queries, monkeypatch
):
    _, key = api_key_create(user=user, name="telephony")
    client = bearer(key)
    assert client.get(CALLS).status_code == 200
    used = ApiKey.objects.get().last_used_at
    later(monkeypatch, timedelta(minutes=2))
    with django_assert_num_queries(2):  # the UPDATE of last_used_at, the page
        assert client.get(CALLS).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(CALLS).status_code == 200
    assert ApiKey.objects.get().last_used_at > used


def test_a_remembered_key_is_refused_once_revoked_or_expired(user, monkeypatch):
    api_key, key = api_key_create(user=user, name="telephony")
    client = bearer(key)
    assert client.get(CALLS).status_code == 200
    api_key_revoke(api_key)
    assert client.get(CALLS).status_code == 401
    api_key, key = api_key_create(
        user=user, name="expiring", expires_at=timezone.now() + timedelta(minutes=5)
    )
    client = bearer(key)
    assert client.get(CALLS).status_code == 200
    later(monkeypatch, timedelta(minutes=6))
    assert client.get(CALLS).status_code == 401


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_both_keywords_work(user, keyword):
    _, key = api_key_create(user=user, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    assert client.get(CALLS).status_code == 200


def test_a_user_may_have_several_named_keys(user):
    _, first = api_key_create(user=user, name="telephony")
    _, second = api_key_create(user=user, name="reporting")
    assert bearer(first).get(CALLS).status_code == 200
    assert bearer(second).get(CALLS).status_code == 200


def test_revoked_expired_unknown_and_forged_keys_are_a_401(user):
    revoked, revoked_key = api_key_create(user=user, name="old")
    api_key_revoke(revoked)
    _, expired_key = api_key_create(
        user=user, name="temp", expires_at=timezone.now() - timedelta(seconds=1)
    )
    _, good = api_key_create(user=user, name="good")
    forged = good[:12] + "x" * (len(good) - 12)  # the right prefix, another secret
    for key in (revoked_key, expired_key, forged, "cbk_nothere_xyz", "short", "0" * 40):
        response = bearer(key).get(CALLS, HTTP_REST_FRAMEWORK_VERSION="4")
        assert response.status_code == 401, key
        assert response["WWW-Authenticate"].startswith("Basic")


def test_an_inactive_users_key_is_a_401(user):
    _, key = api_key_create(user=user, name="x")
    user.is_active = False
    user.save()
    assert bearer(key).get(CALLS).status_code == 401


@pytest.mark.django_db(transaction=True)  # SQLite alters tables only outside a transaction
def test_drf_tokens_are_moved_in_hashed_and_their_table_dropped(user):
    migration = importlib.import_module("calls.migrations.0006_integrators")
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id integer NOT NULL, created timestamp with time zone NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id integer NOT NULL, created datetime NOT NULL)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [old_key, user.pk, timezone.now()],
        )
    with connection.schema_editor() as editor:
        migration.move_drf_tokens(django_apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    migrated = ApiKey.objects.get()
    assert (migrated.user, migrated.prefix) == (user, old_key[:12])
    assert old_key not in migrated.digest
    assert bearer(old_key).get(CALLS).status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get(CALLS).status_code == 200


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_lists_and_revokes(user):
    key, note = run("create", "cti", "--name", "telephony", "--expires-days", "30")
    key = key.strip()
    assert bearer(key).get(CALLS).status_code == 200
    assert "not shown again" in note
    listing, _ = run("list")
    assert key[:12] in listing and "telephony" in listing and "active" in listing
    assert key not in listing
    assert ApiKey.objects.get().expires_at > timezone.now() + timedelta(days=29)
    run("revoke", key[:12])
    assert bearer(key).get(CALLS).status_code == 401
    assert "revoked" in run("list")[0]
    with pytest.raises(CommandError):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("revoke", "cbk_unknown0")


def test_the_admin_shows_a_new_key_once_and_revokes(client, superuser, user):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:calls_apikey_add"), {"user": user.pk, "name": "from the admin"}
    )
    assert response.status_code == 200
    key = response.context["key"]
    assert key.startswith("cbk_") and key in response.content.decode()
    api_key = ApiKey.objects.get()
    page = client.get(reverse("admin:calls_apikey_change", args=[api_key.pk]))
    assert key not in page.content.decode() and api_key.prefix in page.content.decode()
    assert bearer(key).get(CALLS).status_code == 200
    client.post(
        reverse("admin:calls_apikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    assert bearer(key).get(CALLS).status_code == 401
