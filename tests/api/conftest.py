"""Fixtures of the Oracle REST API tests."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import basic_client, client_for, user_with
from tests.factories import UserFactory


@pytest.fixture
def api_user(db):
    return UserFactory(username="integration", is_superuser=True)


@pytest.fixture
def api(api_user) -> APIClient:
    """An API client that authenticates as a superuser with HTTP Basic, as Oracle clients do."""
    return basic_client(api_user.username)


# Named apart from conftest's ``api`` (real HTTP Basic): these skip authentication's
# queries, so the query counts of the tests are those of the endpoint alone.
@pytest.fixture
def admin_api(superuser) -> APIClient:
    """A client forced to a superuser, speaking the default framework version (1)."""
    return client_for(superuser)


@pytest.fixture
def admin_api4(superuser) -> APIClient:
    """A superuser's client speaking REST-Framework-Version 4 (JSON errors)."""
    return client_for(superuser, 4)


@pytest.fixture
def viewer(db):
    """A user who may only view calls and messages."""
    return user_with("view_phonecall", "view_transcriptmessage", username="viewer")
