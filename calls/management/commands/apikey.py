"""API keys from the shell: ``apikey create USERNAME --name NAME [--expires-days N]`` prints
the key once; ``apikey list``; ``apikey revoke PREFIX``."""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from calls.api_keys import ApiKey, api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "Create, list and revoke API keys (Authorization: Token <key> or Bearer <key>)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create: ArgumentParser = commands.add_parser("create", help="make a key; printed once")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the key is for")
        create.add_argument("--expires-days", type=int, default=None)
        listing = commands.add_parser("list", help="list the keys (never the keys themselves)")
        listing.add_argument("--user", default=None)
        revoke = commands.add_parser("revoke", help="revoke the key with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _create(
        self, *, username: str, name: str, expires_days: int | None, **options: Any
    ) -> None:
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no user {username!r}")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1")
        expires = timezone.now() + timedelta(days=expires_days) if expires_days else None
        api_key, key = api_key_create(user=user, name=name, expires_at=expires)
        self.stdout.write(key)
        self.stderr.write(
            f"API key {api_key.prefix}… for {username}: keep it now, it is not shown again."
        )

    def _list(self, *, user: str | None, **options: Any) -> None:
        keys = ApiKey.objects.select_related("user").order_by("user__username", "created_at")
        if user is not None:
            keys = keys.filter(user__username=user)
        for key in keys:
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(
                "\t".join(
                    [
                        key.prefix,
                        key.user.get_username(),
                        key.name,
                        state,
                        f"expires {key.expires_at:%Y-%m-%d}" if key.expires_at else "no expiry",
                        f"used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "unused",
                    ]
                )
            )

    def _revoke(self, *, prefix: str, **options: Any) -> None:
        key = ApiKey.objects.filter(prefix=prefix.rstrip("…")[:12]).first()
        if key is None:
            raise CommandError(f"there is no API key {prefix!r}")
        api_key_revoke(key)
        self.stdout.write(f"API key {key.prefix} revoked")
