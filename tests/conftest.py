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

    from calls import declarations

    cache.clear()
    # The test database starts without custom attribute declarations: so does the process.
    declarations.reset()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_webhook_subscriptions():
    # A test starts with no endpoint, so the per-process list of subscribed event types is
    # known to be empty (no query for it inside a test's query count); saving an endpoint
    # makes the next write read it again, as in production.
    from calls.webhooks import subscriptions

    subscriptions._state = (float("inf"), frozenset())
    yield
    subscriptions.forget()
