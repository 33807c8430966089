import pytest

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    # A cheap hasher keeps user creation fast; recordings go to a throwaway MEDIA_ROOT.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _forget_basic_credentials():
    # The per-process cache of verified Basic credentials must not leak between tests.
    from calls.oracle.authentication import forget_verified_credentials

    forget_verified_credentials()
    yield
    forget_verified_credentials()


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached chart counts and throttle counters belong to the test that made them.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def api_user(db):
    return UserFactory(username="integration", is_superuser=True, password=PASSWORD)


def basic_client(username, password=PASSWORD):
    import base64

    from rest_framework.test import APIClient

    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


@pytest.fixture
def api(api_user):
    """An API client that authenticates as a superuser with HTTP Basic, as Oracle clients do."""
    return basic_client(api_user.username)
