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
