"""The webhooks in the admin: endpoints (secret once, rotation, replay) and the delivery log."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from calls.models import WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from calls.webhooks import signing
from calls.webhooks.endpoints import endpoint_create, secrets_in_use

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/callbook"


def _endpoint(**kwargs):
    endpoint, _ = endpoint_create(url=URL, event_types=["call.created"], **kwargs)
    return endpoint


def _message(endpoint, status="failed", number="CN1"):
    event = WebhookEvent.objects.create(
        type="call.created",
        call_id=1,
        call_number=number,
        occurred_at=timezone.now(),
        payload='{"type":"call.created"}',
    )
    message = WebhookMessage.objects.create(event=event, endpoint=endpoint, status=status)
    WebhookAttempt.objects.create(message=message, status_code=500, response_body="boom")
    return message


def test_adding_an_endpoint_shows_its_secret_once_and_stores_it_encrypted(superuser_client):
    response = superuser_client.post(
        reverse("admin:calls_webhookendpoint_add"),
        {"url": URL, "description": "CRM", "event_types": ["call.created"], "enabled": "on"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["pairs"][0][1]
    assert secret.startswith("whsec_")
    assert secret in response.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert secret not in endpoint.secret  # at rest only as a Fernet token
    assert signing.decrypt(endpoint.secret) == secret
    page = superuser_client.get(reverse("admin:calls_webhookendpoint_change", args=[endpoint.pk]))
    assert secret not in page.content.decode()


def test_an_http_or_private_url_is_refused(superuser_client):
    for url in ("http://hooks.example.com/", "https://10.0.0.7/", "https://localhost/"):
        response = superuser_client.post(
            reverse("admin:calls_webhookendpoint_add"),
            {"url": url, "event_types": ["call.created"], "enabled": "on"},
        )
        assert response.status_code == 200
        assert "url" in response.context["adminform"].form.errors, url
    assert not WebhookEndpoint.objects.exists()


def test_rotating_shows_the_new_secret_and_both_sign_for_a_while(superuser_client):
    endpoint = _endpoint()
    old = signing.decrypt(endpoint.secret)
    response = superuser_client.post(
        reverse("admin:calls_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    new = response.context["pairs"][0][1]
    endpoint.refresh_from_db()
    assert secrets_in_use(endpoint, timezone.now()) == [new, old]
    headers = signing.signature_headers(
        message_id="msg_1", at=timezone.now(), body="{}", secrets_in_use=[new, old]
    )
    Webhook(old).verify("{}", headers)
    Webhook(new).verify("{}", headers)


def test_the_endpoint_list_says_why_an_endpoint_is_disabled(superuser_client):
    endpoint = _endpoint()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="The receiver answered 410 Gone on 2024-05-16 10:20 UTC."
    )
    response = superuser_client.get(reverse("admin:calls_webhookendpoint_changelist"))
    assert "Disabled: The receiver answered 410 Gone" in response.content.decode()


def test_replay_failed_since_asks_for_the_time_then_enqueues(superuser_client):
    endpoint = _endpoint()
    failed = _message(endpoint)
    _message(endpoint, status="succeeded", number="CN2")
    url = reverse("admin:calls_webhookendpoint_changelist")
    ask = superuser_client.post(url, {"action": "replay_failed", "_selected_action": [endpoint.pk]})
    assert ask.status_code == 200 and "form" in ask.context
    since = timezone.now() - timezone.timedelta(hours=1)
    done = superuser_client.post(
        url,
        {
            "action": "replay_failed",
            "_selected_action": [endpoint.pk],
            "apply": "Replay",
            "since_0": since.strftime("%Y-%m-%d"),
            "since_1": since.strftime("%H:%M:%S"),
        },
    )
    assert done.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.ticket) == ("pending", 1)
    assert DBTaskResult.objects.filter(task_path="calls.webhooks.tasks.deliver").count() == 1


def test_the_delivery_log_filters_and_costs_the_same_for_many_rows(
    superuser_client, django_assert_num_queries
):
    endpoint = _endpoint()
    _message(endpoint)
    url = reverse("admin:calls_webhookmessage_changelist")
    filters = {
        "status__exact": "failed",
        "event_type": "call.created",
        "endpoint__id__exact": endpoint.pk,
    }
    superuser_client.get(url)
    # session, user, the endpoints (their filter), the filtered count, the page's rows
    with django_assert_num_queries(5) as few:
        response = superuser_client.get(url, filters)
    assert "CN1" in response.content.decode()
    for number in range(2, 30):
        _message(endpoint, number=f"CN{number}")
    with django_assert_num_queries(len(few.captured_queries)):
        superuser_client.get(url, filters)


def test_a_message_page_shows_its_attempts(superuser_client):
    message = _message(_endpoint())
    response = superuser_client.get(reverse("admin:calls_webhookmessage_change", args=[message.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "boom" in page and "500" in page and message.event.message_id in page


def test_replaying_selected_messages(superuser_client):
    message = _message(_endpoint())
    superuser_client.post(
        reverse("admin:calls_webhookmessage_changelist"),
        {"action": "replay", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert message.status == "pending"
