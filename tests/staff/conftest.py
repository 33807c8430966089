"""Fixtures of the staff-page tests."""

import pytest

from tests.factories import UserFactory, grant_view


@pytest.fixture
def viewer(db):
    """A support user: no staff or superuser flag, only the view permission on calls."""
    return grant_view(UserFactory(username="support"))


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client
