"""Manage webhook endpoints from the shell: add, list, disable, enable, rotate, replay, recover.

``webhooks add URL --events call.created,transcript.updated`` prints the new endpoint's id
and its signing secret: the only time the secret is shown (it is stored encrypted).
"""

from argparse import ArgumentParser
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.webhooks import delivery
from calls.webhooks.addresses import AddressRefused
from calls.webhooks.endpoints import (
    endpoint_create,
    endpoint_disable,
    endpoint_enable,
    endpoint_rotate_secret,
)
from calls.webhooks.events import EVENT_TYPES, parse_event_types
from calls.webhooks.models import WebhookEndpoint


class Command(BaseCommand):
    help = "Manage webhook endpoints: add, list, disable, enable, rotate, replay, recover."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        add: ArgumentParser = commands.add_parser("add", help="add an endpoint")
        add.add_argument("url")
        add.add_argument(
            "--events",
            required=True,
            help=f"comma-separated event types, or * for all: {', '.join(EVENT_TYPES)}",
        )
        add.add_argument("--description", default="")
        commands.add_parser("list", help="list the endpoints")
        for name, text in (
            ("disable", "stop sending to an endpoint"),
            ("enable", "send to an endpoint again"),
            ("rotate", "give an endpoint a new secret (the old one signs for a while too)"),
        ):
            commands.add_parser(name, help=text).add_argument("id", type=int)
        replay = commands.add_parser("replay", help="send an endpoint's failed messages again")
        replay.add_argument("id", type=int)
        replay.add_argument(
            "--since", required=True, help="ISO time, e.g. 2024-05-16T10:00:00+00:00"
        )
        commands.add_parser("recover", help="enqueue overdue messages whose task was lost")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _endpoint(self, pk: int) -> WebhookEndpoint:
        endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
        if endpoint is None:
            raise CommandError(f"there is no webhook endpoint {pk}")
        return endpoint

    def _add(self, *, url: str, events: str, description: str, **options: Any) -> None:
        try:
            endpoint, secret = endpoint_create(
                url=url, event_types=parse_event_types(events), description=description
            )
        except (AddressRefused, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"id {endpoint.pk}")
        self.stdout.write(f"secret {secret}")
        self.stdout.write("Keep the secret now: it is stored encrypted and not shown again.")

    def _list(self, **options: Any) -> None:
        for endpoint in WebhookEndpoint.objects.order_by("id"):
            state = "enabled" if endpoint.enabled else f"disabled {endpoint.disabled_reason}"
            self.stdout.write(
                f"{endpoint.pk}\t{endpoint.url}\t{','.join(endpoint.event_types)}\t{state}".rstrip()
            )

    def _disable(self, *, id: int, **options: Any) -> None:
        endpoint_disable(self._endpoint(id), "Disabled with manage.py webhooks disable.")
        self.stdout.write(f"endpoint {id} disabled")

    def _enable(self, *, id: int, **options: Any) -> None:
        endpoint_enable(self._endpoint(id))
        self.stdout.write(f"endpoint {id} enabled")

    def _rotate(self, *, id: int, **options: Any) -> None:
        secret = endpoint_rotate_secret(self._endpoint(id))
        self.stdout.write(f"secret {secret}")
        self.stdout.write("The previous secret signs beside it until the overlap ends.")

    def _replay(self, *, id: int, since: str, **options: Any) -> None:
        when = _parse_time(since)
        count = delivery.replay_failed(self._endpoint(id), when)
        self.stdout.write(f"{count} messages enqueued again")

    def _recover(self, **options: Any) -> None:
        count = delivery.recover(timedelta(minutes=10))
        self.stdout.write(f"{count} overdue messages enqueued again")


def _parse_time(raw: str) -> datetime:
    when = parse_datetime(raw)
    if when is None:
        raise CommandError(f"--since {raw!r} is not an ISO time")
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_current_timezone())
    return when
