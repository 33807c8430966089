"""Authentication and permissions of the API (contract §10)."""

import base64

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
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
    assert response.json()["CreatedBy"] == user.username


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_a_drf_token_authenticates_with_either_keyword(api_user, keyword):
    token = Token.objects.create(user=api_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token.key}")
    response = client.post(CALLS, {"InteractionId": 1}, format="json")
    assert response.status_code == 201
    login = response.json()["LastUpdateLogin"]
    assert login and token.key not in login


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
    assert client.get(CALLS).status_code == 200  # verifies and remembers the credential
    # 1. the user (remembered Basic credential), 2. the permissions, 3. the page of calls
    with django_assert_num_queries(3):
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
