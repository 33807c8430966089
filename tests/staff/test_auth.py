"""Staff pages: sign-in, sign-out and the view permission."""

import pytest
from django.urls import reverse

from tests.factories import PhoneCallFactory, UserFactory


@pytest.fixture
def call(db):
    return PhoneCallFactory()


def _staff_urls(call):
    return [
        reverse("calls:list"),
        reverse("calls:detail", kwargs={"call_id": call.id}),
        reverse("calls:recording", kwargs={"call_id": call.id}),
        reverse("calls:transcript", kwargs={"call_id": call.id}),
    ]


def test_every_staff_page_sends_anonymous_visitors_to_the_login_page(client, call):
    for url in _staff_urls(call):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_signed_in_user_without_the_view_permission_gets_403(client, call):
    client.force_login(UserFactory(username="nobody"))
    for url in _staff_urls(call):
        assert client.get(url).status_code == 403, url


def test_the_login_page_renders_a_labelled_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert "<main" in html


def test_signing_in_with_the_view_permission_leads_to_the_call_list(client, viewer):  # noqa: F811
    response = client.post(
        reverse("login"),
        {"username": "support", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.5",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:list")
    assert client.get(reverse("calls:list")).status_code == 200


def test_a_wrong_password_shows_an_error_and_no_session(client, viewer):  # noqa: F811
    response = client.post(
        reverse("login"), {"username": "support", "password": "wrong"}, REMOTE_ADDR="10.0.0.6"
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get(reverse("calls:list")).status_code == 302


def test_signing_out_is_a_post_and_ends_the_session(viewer_client):  # noqa: F811
    page = viewer_client.get(reverse("calls:list")).content.decode()
    assert f'action="{reverse("logout")}"' in page
    response = viewer_client.post(reverse("logout"))
    assert response.status_code == 302
    assert viewer_client.get(reverse("calls:list")).status_code == 302


def test_pages_carry_a_strict_content_security_policy(viewer_client):  # noqa: F811
    response = viewer_client.get(reverse("calls:list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_the_password_reset_pages_are_not_mounted(client, db, url):
    """There is no mail set up: an open reset form only lets anyone send mail (issue 11, 8)."""
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "a@example.com"}).status_code == 404


def test_the_403_page_uses_the_site_layout_and_offers_to_sign_out(client, call):
    client.force_login(UserFactory(username="visitor"))
    response = client.get(reverse("calls:list"))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="topbar"' in page and "calls/app.css" in page  # base.html
    assert "You are signed in as <strong>visitor</strong>" in page
    assert f'<form method="post" action="{reverse("logout")}"' in page
    assert page.count(">Sign out</button>") == 2  # the top bar's and the page's
