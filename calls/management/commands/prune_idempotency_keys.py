"""Delete the kept answers of ``Idempotency-Key`` requests older than 24 hours (cron)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from calls.idempotency import prune


class Command(BaseCommand):
    help = "Delete kept Idempotency-Key answers older than their 24 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{prune(timezone.now())} kept answers deleted")
