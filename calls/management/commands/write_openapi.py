"""``manage.py write_openapi [FILE]``: the OpenAPI document as JSON, to ``docs/openapi.json``.

``make openapi`` runs it. The file is committed so that a contract change shows up in
review as a diff of the document; ``tests/api/test_openapi.py`` fails when it is stale.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from calls.oracle.openapi.document import as_json


class Command(BaseCommand):
    help = "Write the OpenAPI document (served at /api/schema/) as indented JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "output", nargs="?", default=str(settings.BASE_DIR / "docs" / "openapi.json")
        )

    def handle(self, *args: object, output: str, **options: object) -> None:
        Path(output).write_text(as_json(), encoding="utf-8")
        self.stdout.write(f"Wrote {output}")
