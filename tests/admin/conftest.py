"""Fixtures of the admin tests."""

import pytest


@pytest.fixture
def superuser_client(client, superuser):
    """A browser signed in to the admin as a superuser."""
    client.force_login(superuser)
    return client
