"""Create the first superuser, ``admin``, with a random password printed once."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "If no user exists, create the superuser 'admin' with a random password and "
        "print it; otherwise do nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        if User.objects.exists():
            self.stdout.write("Users exist already; no admin user created.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", email="", password=password)
        rule = "=" * 64
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{rule}\n"
                f"  Created the superuser for http://127.0.0.1:8000/admin/\n"
                f"    username: admin\n"
                f"    password: {password}\n"
                f"  Shown only this once: note it or change it after logging in.\n"
                f"{rule}\n"
            )
        )
