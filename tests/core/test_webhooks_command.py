"""``manage.py webhooks``: add (prints the id and the secret once), list, disable, enable,
rotate, replay, recover; and the rules every endpoint meets whichever door it came in by."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from calls.models import WebhookEndpoint
from calls.webhooks import signing
from calls.webhooks.addresses import AddressRefused, check_address, check_url

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def test_add_prints_the_id_and_the_secret_which_is_kept_encrypted():
    out = run("add", "https://hooks.example.com/in", "--events", "call.created,transcript.updated")
    endpoint = WebhookEndpoint.objects.get()
    assert f"id {endpoint.pk}\n" in out
    secret = out.split("secret ", 1)[1].split()[0]
    assert secret.startswith("whsec_") and len(signing.decrypt(endpoint.secret)) == len(secret)
    assert signing.decrypt(endpoint.secret) == secret
    assert secret not in endpoint.secret
    assert endpoint.event_types == ["call.created", "transcript.updated"]


def test_add_refuses_unknown_events_and_plain_http():
    with pytest.raises(CommandError, match="unknown event type"):
        run("add", "https://hooks.example.com/", "--events", "call.exploded")
    with pytest.raises(CommandError, match="https://"):
        run("add", "http://hooks.example.com/", "--events", "call.created")
    assert not WebhookEndpoint.objects.exists()


def test_list_disable_enable_and_rotate():
    run("add", "https://hooks.example.com/in", "--events", "*")
    endpoint = WebhookEndpoint.objects.get()
    assert "https://hooks.example.com/in\tcall.created,call.updated" in run("list")
    run("disable", str(endpoint.pk))
    assert "disabled Disabled with manage.py webhooks disable." in run("list")
    run("enable", str(endpoint.pk))
    assert run("list").rstrip().endswith("enabled")
    old = signing.decrypt(endpoint.secret)
    new = run("rotate", str(endpoint.pk)).split("secret ", 1)[1].split()[0]
    endpoint.refresh_from_db()
    assert signing.decrypt(endpoint.secret) == new
    assert signing.decrypt(endpoint.previous_secret) == old
    with pytest.raises(CommandError, match="no webhook endpoint 999"):
        run("disable", "999")


def test_replay_and_recover_report_what_they_enqueued():
    run("add", "https://hooks.example.com/in", "--events", "*")
    endpoint = WebhookEndpoint.objects.get()
    assert "0 messages" in run("replay", str(endpoint.pk), "--since", "2024-01-01T00:00:00")
    assert "0 overdue" in run("recover")


def test_secrets_are_encrypted_with_the_configured_key_and_its_successor(settings):
    from cryptography.fernet import Fernet

    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CALLBOOK_WEBHOOK_KEYS = [first]
    token = signing.encrypt("whsec_abc")
    settings.CALLBOOK_WEBHOOK_KEYS = [second, first]  # a new key in front, the old kept
    assert signing.decrypt(token) == "whsec_abc"
    settings.CALLBOOK_WEBHOOK_KEYS = [second]
    with pytest.raises(signing.SecretUnreadable):
        signing.decrypt(token)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "ftp://hooks.example.com/",
        "https://127.0.0.1/",
        "https://10.1.2.3/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/",
        "https://[::ffff:192.168.0.1]/",
        "https://localhost:8443/",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com:99999/",
    ],
)
def test_urls_that_are_refused(url, settings):
    settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(AddressRefused):
        check_url(url)


def test_private_addresses_are_allowed_when_the_setting_says_so(settings):
    settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    check_url("http://127.0.0.1:9000/hook")
    check_address("10.0.0.1")
    settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = False
    check_url("https://hooks.example.com/in")
    check_address("93.184.216.34")
    with pytest.raises(AddressRefused):
        check_address("100.64.0.1")  # shared address space (carrier-grade NAT)
