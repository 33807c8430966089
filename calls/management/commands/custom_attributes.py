"""``manage.py custom_attributes load FILE.json | list | index | remove RESOURCE NAME``.

Custom attributes are Oracle's ``_c`` fields. ``load`` declares those of a JSON file, a list
of objects such as ``{"name": "Disposition_c", "resource": "phoneCalls", "type": "string",
"maxLength": 80, "title": "Disposition"}``, in one transaction (all or nothing; loading the
same file again changes nothing; declarations the file does not name are kept). ``list``
prints the declarations in effect. On PostgreSQL, ``index`` builds the expression index of
each declared attribute (``CONCURRENTLY``: the table stays writable) and drops those of
attributes no longer declared; ``load`` runs it after declaring, unless ``--no-index``.
``remove`` deletes a declaration; the values stored under its name are kept.
"""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from calls import declarations, services
from calls.models import CustomAttribute, PhoneCall, TranscriptMessage
from calls.sql import custom as custom_sql

# The file's keys and the model's fields.
KEYS = {
    "name": "name",
    "resource": "resource",
    "type": "type",
    "maxLength": "max_length",
    "title": "title",
}
MODELS: dict[str, type[PhoneCall] | type[TranscriptMessage]] = {
    CustomAttribute.Resource.CALLS: PhoneCall,
    CustomAttribute.Resource.MESSAGES: TranscriptMessage,
}


def declaration(entry: object, index: int) -> CustomAttribute:
    """One object of the file as an unsaved declaration; CommandError naming the problem."""
    where = f"entry {index}"
    if not isinstance(entry, dict):
        raise CommandError(f"{where}: must be a JSON object")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise CommandError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})")
    for key in ("name", "resource", "type"):
        if not isinstance(entry.get(key), str):
            raise CommandError(f"{where}: {key} must be a string")
    where = f"entry {index} ({entry['name']})"
    if entry["resource"] not in CustomAttribute.Resource.values:
        raise CommandError(
            f"{where}: resource must be one of {', '.join(CustomAttribute.Resource.values)}"
        )
    if entry["type"] not in CustomAttribute.Type.values:
        raise CommandError(f"{where}: type must be one of {', '.join(CustomAttribute.Type.values)}")
    length = entry.get("maxLength")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
        raise CommandError(f"{where}: maxLength must be an integer")
    title = entry.get("title", entry["name"])
    if not isinstance(title, str) or not title.strip():
        raise CommandError(f"{where}: title must be a non-empty string")
    return CustomAttribute(
        name=entry["name"],
        resource=entry["resource"],
        type=entry["type"],
        max_length=length,
        title=title.strip(),
    )


def _problems(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Declare (load), list, index or remove custom attributes (Oracle's _c fields)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="declare the attributes of a JSON file")
        load.add_argument("path", help="a JSON file: a list of declarations")
        load.add_argument(
            "--no-index", action="store_true", help="do not build the PostgreSQL indexes"
        )
        actions.add_parser("list", help="print the declarations")
        actions.add_parser("index", help="build missing PostgreSQL indexes, drop stale ones")
        remove = actions.add_parser("remove", help="remove a declaration (values are kept)")
        remove.add_argument("resource", choices=CustomAttribute.Resource.values)
        remove.add_argument("name")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options["path"], index=not options["no_index"])
        elif action == "list":
            self.list()
        elif action == "index":
            self.index()
        else:
            self.remove(options["resource"], options["name"])

    def load(self, path: str, *, index: bool) -> None:
        try:
            with open(path, encoding="utf-8") as source:
                entries = json.load(source)
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: {error}") from None
        if not isinstance(entries, list):
            raise CommandError(f"{path}: must hold a JSON list of declarations")
        attributes = [declaration(entry, i) for i, entry in enumerate(entries)]
        try:
            result = services.custom_attributes_load(attributes=attributes)
        except ValidationError as error:
            raise CommandError(_problems(error)) from None
        for kind, rows in zip(("declared", "changed"), result[:2], strict=True):
            for row in rows:
                self.stdout.write(f"{kind} {row}")
        self.stdout.write(
            f"{len(result.created)} declared, {len(result.changed)} changed, "
            f"{len(result.unchanged)} unchanged."
        )
        if index:
            self.index()

    def list(self) -> None:
        indexed = self._indexes()
        rows = declarations.in_effect(declarations.declared())
        if not rows:
            self.stdout.write("No custom attributes are declared.")
        for row in rows:
            length = f"({row.max_length})" if row.max_length else ""
            mark = "  built in" if row in declarations.DEFAULTS else ""
            if connection.vendor == "postgresql":
                name = custom_sql.index_name(MODELS[row.resource], row.name, row.type)
                mark += "  indexed" if name in indexed else "  not indexed"
            self.stdout.write(f"{row.resource}.{row.name}  {row.type}{length}  {row.title!r}{mark}")

    def _indexes(self) -> set[str]:
        return {name for model in MODELS.values() for name in custom_sql.existing_indexes(model)}

    def index(self) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("Indexes of custom attributes are built on PostgreSQL only.")
            return
        wanted: dict[str, tuple[type, declarations.Declaration]] = {}
        for row in declarations.in_effect(declarations.declared()):
            model = MODELS[row.resource]
            wanted[custom_sql.index_name(model, row.name, row.type)] = (model, row)
        for model in MODELS.values():
            for name in sorted(custom_sql.existing_indexes(model) - set(wanted)):
                custom_sql.drop_index(model, name)
                self.stdout.write(f"dropped {name}")
        for model, row in wanted.values():
            if custom_sql.create_index(model, row.name, row.type):
                self.stdout.write(f"indexed {row.resource}.{row.name}")
        self.stdout.write(f"{len(wanted)} custom attributes indexed.")

    def remove(self, resource: str, name: str) -> None:
        row = CustomAttribute.objects.filter(resource=resource, name=name).first()
        if row is None:
            raise CommandError(f"{resource}.{name} is not declared")
        services.custom_attribute_delete(attribute=row)
        self.stdout.write(f"removed {row} (its stored values are kept)")
