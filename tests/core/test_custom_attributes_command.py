"""``manage.py custom_attributes load | list | index | remove``."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from calls import declarations
from calls.models import CustomAttribute
from calls.oracle import custom

pytestmark = pytest.mark.django_db

DECLARATIONS = [
    {
        "name": "Disposition_c",
        "resource": "phoneCalls",
        "type": "string",
        "maxLength": 80,
        "title": "Disposition",
    },
    {"name": "AgentId_c", "resource": "phoneCalls", "type": "integer", "title": "Agent"},
    {"name": "Sentiment_c", "resource": "TranscriptMessage", "type": "number"},
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("custom_attributes", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def write(tmp_path):
    def write(content) -> str:
        path = tmp_path / "attributes.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    return write


def test_load_declares_the_attributes_of_the_file(write, django_capture_on_commit_callbacks):
    stamp = declarations.stamp()
    with django_capture_on_commit_callbacks(execute=True):
        out = run("load", write(DECLARATIONS))

    assert "3 declared, 0 changed, 0 unchanged." in out
    rows = {(a.resource, a.name): a for a in CustomAttribute.objects.all()}
    assert rows["phoneCalls", "Disposition_c"].max_length == 80
    assert rows["phoneCalls", "AgentId_c"].title == "Agent"
    assert rows["TranscriptMessage", "Sentiment_c"].title == "Sentiment_c"  # defaults to name
    # Every worker is told after the commit, and sees them on its next request.
    assert declarations.stamp() != stamp
    assert "Disposition_c" in custom.current().call_by_name
    assert "Sentiment_c" in custom.current().message_by_name


def test_loading_the_same_file_again_changes_nothing(write, django_capture_on_commit_callbacks):
    path = write(DECLARATIONS)
    run("load", path)
    before = {a.pk: a.updated_at for a in CustomAttribute.objects.all()}

    with django_capture_on_commit_callbacks() as callbacks:
        out = run("load", path)

    assert "0 declared, 0 changed, 3 unchanged." in out
    assert {a.pk: a.updated_at for a in CustomAttribute.objects.all()} == before
    assert callbacks == []  # nothing changed: no worker reloads


def test_load_changes_a_declaration_in_place_and_keeps_the_others(write):
    run("load", write(DECLARATIONS))
    pk = CustomAttribute.objects.get(name="Disposition_c").pk

    out = run("load", write([{**DECLARATIONS[0], "maxLength": 120}]))

    assert "0 declared, 1 changed, 0 unchanged." in out
    assert CustomAttribute.objects.get(name="Disposition_c").max_length == 120
    assert CustomAttribute.objects.get(name="Disposition_c").pk == pk
    assert CustomAttribute.objects.count() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "attributes.json"),
        ({"name": "X_c"}, "must hold a JSON list"),
        ([{**DECLARATIONS[0], "colour": "red"}], "unknown key 'colour'"),
        ([{**DECLARATIONS[0], "resource": "contacts"}], "resource must be one of"),
        ([{**DECLARATIONS[0], "type": "date"}], "type must be one of"),
        ([{**DECLARATIONS[0], "maxLength": "80"}], "maxLength must be an integer"),
        ([{**DECLARATIONS[0], "name": "Disposition"}], "name: A custom attribute's name"),
        ([{**DECLARATIONS[0], "maxLength": None}], "max_length: A string attribute needs"),
        ([DECLARATIONS[1], DECLARATIONS[1]], "phoneCalls.AgentId_c is declared more than once"),
        ([DECLARATIONS[1], {**DECLARATIONS[0], "name": "bad"}], "name:"),
    ],
)
def test_an_invalid_file_is_refused_and_nothing_is_declared(write, content, message):
    with pytest.raises(CommandError) as refused:
        run("load", write(content))

    assert message in str(refused.value)
    assert not CustomAttribute.objects.exists()


def test_list_prints_the_declarations(write):
    run("load", write(DECLARATIONS))

    lines = [line for line in run("list").splitlines() if "built in" not in line]

    assert lines[0].startswith("TranscriptMessage.Sentiment_c  number  'Sentiment_c'")
    assert lines[1].startswith("phoneCalls.AgentId_c  integer  'Agent'")
    assert lines[2].startswith("phoneCalls.Disposition_c  string(80)  'Disposition'")


def test_list_shows_the_attributes_declared_out_of_the_box():
    # On PostgreSQL each line then says whether the attribute is indexed.
    assert [line.partition("  built in")[0] for line in run("list").splitlines()] == [
        "TranscriptMessage.EndOffsetMs_c  integer  'End (ms)'",
        "TranscriptMessage.StartOffsetMs_c  integer  'Start (ms)'",
        "phoneCalls.CallStartTime_c  datetime  'Call start'",
    ]
    assert all("  built in" in line for line in run("list").splitlines())


def test_remove_deletes_a_declaration(write):
    run("load", write(DECLARATIONS))

    out = run("remove", "phoneCalls", "AgentId_c")

    assert "its stored values are kept" in out
    assert not CustomAttribute.objects.filter(name="AgentId_c").exists()
    with pytest.raises(CommandError, match="phoneCalls.AgentId_c is not declared"):
        run("remove", "phoneCalls", "AgentId_c")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no such indexes")
def test_index_is_for_postgresql_only():
    assert run("index") == "Indexes of custom attributes are built on PostgreSQL only.\n"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_index_builds_missing_indexes_and_drops_those_of_removed_declarations(write):
    from calls.models import PhoneCall
    from calls.sql.custom import existing_indexes, index_name

    run("load", write(DECLARATIONS))  # load builds the indexes too
    wanted = index_name(PhoneCall, "AgentId_c", "integer")
    assert wanted in existing_indexes(PhoneCall)
    assert "indexed" in run("list")

    run("remove", "phoneCalls", "AgentId_c")
    out = run("index")

    assert f"dropped {wanted}" in out
    assert wanted not in existing_indexes(PhoneCall)
    assert index_name(PhoneCall, "Disposition_c", "string") in existing_indexes(PhoneCall)
