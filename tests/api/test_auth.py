"""Authentication and permissions of the API (contract §10)."""

import base64

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from calls.models import PhoneCall
from tests.api.helpers import basic_client
from tests.factories import PhoneCallFactory, UserFactory

CALLS = "/crmRestApi/resources/11.13.18.05/phoneCalls"

pytestmark = pytest.mark.django_db


def user_with(*codenames, **kwargs):
    user = UserFactory(**kwargs)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_an_anonymous_request_is_a_401_with_a_basic_challenge():
    response = APIClient().get(CALLS, HTTP_REST_FRAMEWORK_VERSION="4")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Callbook"'
    assert response.json()["title"] == "Unauthorized"


def test_a_wrong_password_is_a_401():
    user = UserFactory()
    assert basic_client(user.username, "wrong").get(CALLS).status_code == 401


def test_an_unknown_user_is_a_401():
    response = basic_client("nobody-here").post(CALLS, {"InteractionId": 1}, format="json")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_an_authenticated_user_without_permission_is_a_403():
    user = UserFactory()
    client = basic_client(user.username)
    assert client.get(CALLS).status_code == 403
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 403


def test_a_view_only_user_may_read_but_not_write():
    user = user_with("view_phonecall", "view_transcriptmessage")
    call = PhoneCallFactory()
    client = basic_client(user.username)
    assert client.get(CALLS).status_code == 200
    assert client.get(f"{CALLS}/{call.id}").status_code == 200
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 403
    patched = client.patch(f"{CALLS}/{call.id}", {"PhoneNumber": "1"}, format="json")
    assert patched.status_code == 403
    assert client.delete(f"{CALLS}/{call.id}").status_code == 403
    assert PhoneCall.objects.count() == 1


def test_an_adding_user_may_create():
    user = user_with("add_phonecall", "add_transcriptmessage")
    response = basic_client(user.username).post(CALLS, {"InteractionId": 1}, format="json")
    assert response.status_code == 201
    # Without view_phonecall the answer is the status and headers alone (issue 11.1).
    assert response.content == b""
    call_id = int(response["Location"].rsplit("/", 1)[1])
    assert PhoneCall.objects.get(pk=call_id).created_by == user.username


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_an_api_key_authenticates_with_either_keyword(api_user, keyword):
    from calls.api_keys import api_key_create

    _, key = api_key_create(user=api_user, name="cti")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    response = client.post(CALLS, {"InteractionId": 1}, format="json")
    assert response.status_code == 201
    login = response.json()["LastUpdateLogin"]
    assert login and login not in key


def test_a_wrong_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(CALLS).status_code == 401


def test_basic_auth_needs_no_csrf_token(api_user):
    client = APIClient(enforce_csrf_checks=True)
    token = base64.b64encode(f"{api_user.username}:correct-horse-battery".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 201


def test_a_browser_session_may_read_and_must_send_a_csrf_token_to_write(api_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(api_user)
    assert client.get(CALLS).status_code == 200
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 403
    assert not PhoneCall.objects.exists()


def test_a_session_login_id_is_not_the_session_key(api_user):
    client = APIClient()
    client.force_login(api_user)
    session_key = client.cookies["sessionid"].value
    body = client.post(CALLS, {"InteractionId": 1}, format="json").json()
    assert body["LastUpdateLogin"] and body["LastUpdateLogin"] not in session_key


class TestTheBasicCredentialCache:
    def test_a_repeated_request_does_not_hash_the_password_again(self, api, monkeypatch):
        from django.contrib.auth.hashers import MD5PasswordHasher

        calls = []
        original = MD5PasswordHasher.verify
        monkeypatch.setattr(
            MD5PasswordHasher, "verify", lambda self, *a: calls.append(1) or original(self, *a)
        )
        for _ in range(3):
            assert api.get(CALLS).status_code == 200
        assert len(calls) == 1

    def test_a_password_change_invalidates_the_remembered_credential(self, api, api_user):
        assert api.get(CALLS).status_code == 200
        api_user.set_password("another-Passw0rd")
        api_user.save()
        assert api.get(CALLS).status_code == 401
        assert basic_client(api_user.username, "another-Passw0rd").get(CALLS).status_code == 200

    def test_a_deactivated_user_is_refused_at_once(self, api, api_user):
        assert api.get(CALLS).status_code == 200
        api_user.is_active = False
        api_user.save()
        assert api.get(CALLS).status_code == 401

    def test_a_wrong_password_is_never_remembered_as_right(self, api, api_user):
        assert api.get(CALLS).status_code == 200
        assert basic_client(api_user.username, "guess").get(CALLS).status_code == 401

    def test_a_removed_permission_is_refused_at_once(self):
        user = user_with("add_phonecall", "view_phonecall")
        client = basic_client(user.username)
        assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 201
        user.user_permissions.remove(Permission.objects.get(codename="add_phonecall"))
        assert client.post(CALLS, {"InteractionId": 2}, format="json").status_code == 403
        assert client.get(CALLS).status_code == 200

    def test_a_permission_removed_from_a_group_is_refused_at_once(self):
        from django.contrib.auth.models import Group

        group = Group.objects.create(name="readers")
        group.permissions.set(Permission.objects.filter(codename="view_phonecall"))
        user = UserFactory()
        user.groups.add(group)
        client = basic_client(user.username)
        assert client.get(CALLS).status_code == 200
        group.permissions.clear()
        assert client.get(CALLS).status_code == 403
        group.permissions.set(Permission.objects.filter(codename="view_phonecall"))
        user.groups.remove(group)
        assert client.get(CALLS).status_code == 403

    def test_a_change_elsewhere_is_seen_through_the_shared_stamp(self, api, api_user):
        """Another worker's change reaches this one by the stamp in CACHES["default"]."""
        from calls import login_cache

        assert api.get(CALLS).status_code == 200
        type(api_user).objects.filter(pk=api_user.pk).update(is_active=False)
        assert api.get(CALLS).status_code == 200  # an update() sends no signal
        login_cache.changed()
        assert api.get(CALLS).status_code == 401

    def test_it_can_be_turned_off(self, api, settings, monkeypatch):
        from django.contrib.auth.hashers import MD5PasswordHasher

        settings.CALLBOOK_BASIC_AUTH_CACHE_SECONDS = 0
        calls = []
        original = MD5PasswordHasher.verify
        monkeypatch.setattr(
            MD5PasswordHasher, "verify", lambda self, *a: calls.append(1) or original(self, *a)
        )
        api.get(CALLS)
        api.get(CALLS)
        assert len(calls) == 2


def test_a_user_with_permissions_through_a_group_and_directly_costs_one_permission_query(
    django_assert_num_queries,
):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="readers")
    group.permissions.set(Permission.objects.filter(codename="view_phonecall"))
    user = user_with("add_phonecall")
    user.groups.add(group)
    client = basic_client(user.username)
    # 1. django-axes' failures of the pair (its backend, in authenticate()), 2. the user
    # (ModelBackend, hashing the password), 3. the permissions, 4. the page of calls
    with django_assert_num_queries(4):
        assert client.get(CALLS).status_code == 200  # verifies and remembers the credential
    # The remembered credential brings its user and permissions (calls.login_cache), and
    # django-axes is not asked: this address failed no login (calls.security).
    with django_assert_num_queries(1):
        assert client.get(CALLS).status_code == 200
    assert client.post(CALLS, {"InteractionId": 1}, format="json").status_code == 201
    assert client.delete(f"{CALLS}/{PhoneCall.objects.get().id}").status_code == 403


def test_the_loaded_permissions_are_djangos_own():
    """One query must find exactly what ModelBackend finds: direct and through groups."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Group

    from calls.sql.permissions import load_permissions

    readers, auditors = Group.objects.create(name="readers"), Group.objects.create(name="x")
    readers.permissions.set(
        Permission.objects.filter(codename__in=["view_phonecall", "view_group"])
    )
    auditors.permissions.set(Permission.objects.filter(codename="view_accessrecord"))
    user = user_with("add_phonecall", "change_transcriptmessage")
    user.groups.set([readers, auditors])
    Group.objects.create(name="unrelated").permissions.set(Permission.objects.all())

    fresh = type(user).objects.get(pk=user.pk)
    load_permissions(fresh)
    expected = ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
    assert fresh._perm_cache == expected
    assert expected == {
        "calls.add_phonecall",
        "calls.change_transcriptmessage",
        "calls.view_phonecall",
        "auth.view_group",
        "calls.view_accessrecord",
    }


def _counting_hasher(monkeypatch) -> list:
    """Counts the password hashes computed: verify (a known user) and encode (an unknown one,
    which ModelBackend still hashes to take the same time)."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    hashed = []
    for name in ("verify", "encode"):
        original = getattr(MD5PasswordHasher, name)

        def counted(self, *args, _original=original):
            hashed.append(1)
            return _original(self, *args)

        monkeypatch.setattr(MD5PasswordHasher, name, counted)
    return hashed


class TestALockoutOverBasic:
    """A username and address pair that django-axes locked out gets 429 whatever it sends."""

    ADDRESS = "192.0.2.30"

    @pytest.fixture
    def locked(self, settings, api_user):
        settings.AXES_FAILURE_LIMIT = 3
        wrong = basic_client(api_user.username, "wrong")
        for _ in range(3):
            wrong.get(CALLS, REMOTE_ADDR=self.ADDRESS)
        return api_user

    def test_the_right_password_is_a_429_without_a_hash(self, locked, monkeypatch):
        hashed = _counting_hasher(monkeypatch)
        response = basic_client(locked.username).get(
            CALLS, REMOTE_ADDR=self.ADDRESS, HTTP_REST_FRAMEWORK_VERSION="4"
        )
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert response.json()["title"] == "Too Many Requests"
        assert hashed == []

    def test_a_remembered_credential_is_a_429(self, settings, api_user):
        settings.AXES_FAILURE_LIMIT = 3
        right = basic_client(api_user.username)
        assert right.get(CALLS, REMOTE_ADDR=self.ADDRESS).status_code == 200  # remembered
        wrong = basic_client(api_user.username, "wrong")
        for _ in range(3):
            wrong.get(CALLS, REMOTE_ADDR=self.ADDRESS)
        response = right.get(CALLS, REMOTE_ADDR=self.ADDRESS)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0

    def test_the_pair_from_another_address_still_logs_in(self, locked):
        response = basic_client(locked.username).get(CALLS, REMOTE_ADDR="192.0.2.31")
        assert response.status_code == 200


class TestFailuresPerAddress:
    """Failed Basic logins are counted per address, whatever the username, and past the
    limit the address gets 429 before any password is hashed."""

    ADDRESS = "198.51.100.7"

    @pytest.fixture
    def limit(self, settings):
        settings.CALLBOOK_BASIC_FAILURES_PER_ADDRESS = 5
        return 5

    def fail(self, times, address=ADDRESS):
        return [
            basic_client(f"random-{address}-{n}", "guess").get(CALLS, REMOTE_ADDR=address)
            for n in range(times)
        ]

    def test_random_usernames_from_one_address_end_in_429_without_a_hash(self, limit, monkeypatch):
        assert [r.status_code for r in self.fail(limit)] == [401] * (limit - 1) + [429]
        hashed = _counting_hasher(monkeypatch)
        response = basic_client("yet-another", "guess").get(
            CALLS, REMOTE_ADDR=self.ADDRESS, HTTP_REST_FRAMEWORK_VERSION="4"
        )
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert response.json()["title"] == "Too Many Requests"
        assert hashed == []

    def test_the_right_password_from_that_address_is_a_429_too(self, limit, api, api_user):
        assert api.get(CALLS, REMOTE_ADDR=self.ADDRESS).status_code == 200  # remembered
        self.fail(limit)
        assert api.get(CALLS, REMOTE_ADDR=self.ADDRESS).status_code == 429

    def test_another_address_is_unaffected(self, limit, api_user):
        self.fail(limit)
        assert self.fail(1)[0].status_code == 429
        assert self.fail(1, address="198.51.100.8")[0].status_code == 401
        response = basic_client(api_user.username).get(CALLS, REMOTE_ADDR="198.51.100.8")
        assert response.status_code == 200

    def test_successes_neither_count_nor_forgive_failures(self, limit, api_user):
        self.fail(limit - 1)
        right = basic_client(api_user.username)
        for _ in range(3):
            assert right.get(CALLS, REMOTE_ADDR=self.ADDRESS).status_code == 200
        # One account's right password must not reset the count of guesses at others.
        assert self.fail(1)[0].status_code == 429

    def test_the_count_ends_one_cool_off_after_the_last_failure(self, limit, monkeypatch):
        import time

        from django.core.cache.backends import locmem

        self.fail(limit)
        assert self.fail(1)[0].status_code == 429
        later = time.time() + django_settings.AXES_COOLOFF_TIME.total_seconds() + 1
        monkeypatch.setattr(locmem, "time", type("Clock", (), {"time": lambda: later}))
        assert self.fail(1)[0].status_code == 401


def test_the_failures_per_address_default_to_30():
    assert django_settings.CALLBOOK_BASIC_FAILURES_PER_ADDRESS == 30
