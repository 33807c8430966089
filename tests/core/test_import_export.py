"""manage.py export_calls and import_calls: JSON Lines round trip, rejected lines, CSV."""

import base64
import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from calls.exports import CSV_HEADER
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory

# What an import cannot keep: ids of the source database and the who-columns it stamps.
NOT_KEPT = {
    "id",
    "call_id",
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
    "version",
    # The creation date without a start time (calls.timing), so new too.
    "call_time",
}


def _export(*args) -> str:
    out = io.StringIO()
    call_command("export_calls", *args, "--no-progress", stdout=out)
    return out.getvalue()


def _import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_calls", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot() -> dict:
    calls = {}
    for call in PhoneCall.objects.order_by("call_number"):
        values = {f.attname: getattr(call, f.attname) for f in PhoneCall._meta.concrete_fields}
        messages = [
            {k: v for k, v in vars(m).items() if k not in NOT_KEPT and not k.startswith("_")}
            for m in call.messages.order_by("id")
        ]
        calls[call.call_number] = ({k: v for k, v in values.items() if k not in NOT_KEPT}, messages)
    return calls


def test_an_export_is_one_api_item_per_line_with_its_messages(db):
    call = PhoneCallFactory(messages=2, phone_number="+14155550100")

    (line,) = _export().splitlines()

    item = json.loads(line)
    assert item["CallId"] == call.id
    assert item["PhoneNumber"] == "+14155550100"
    assert "links" not in item
    messages = item["TranscriptMessage"]
    assert [m["MessageNumber"] for m in messages] == [
        m.message_number for m in call.messages.order_by("id")
    ]
    assert "links" not in messages[0]
    assert base64.b64decode(messages[0]["MessageContent"]).decode() == (
        call.messages.order_by("id")[0].message_content
    )


def test_export_then_import_into_an_empty_database_gives_equal_data(db, tmp_path):
    PhoneCallFactory(messages=3, left_message_flag=True, deleted_flag=True)
    PhoneCallFactory(messages=0, external_system_call_id=None, phone_number="+49 30 ü")
    PhoneCallFactory(messages=25)
    # JSON Lines is not for spreadsheets: what the CSV neutralises comes back verbatim.
    PhoneCallFactory(messages=1, external_system_call_id="=SUM(1;2),@x", phone_number="-1")
    before = _snapshot()
    path = tmp_path / "calls.jsonl"
    path.write_text(_export(), encoding="utf-8")
    TranscriptMessage.objects.all().delete()
    PhoneCall.objects.all().delete()

    out, err = _import(path, "--batch-size", "2")

    assert out.strip() == "4 created, 0 updated, 0 rejected."
    assert err == ""
    assert _snapshot() == before


def test_importing_again_updates_by_call_number_and_message_number(db, tmp_path):
    call = PhoneCallFactory(messages=2)
    path = tmp_path / "calls.jsonl"
    item = json.loads(_export())
    item["PhoneNumber"] = "+15550000000"
    item["TranscriptMessage"][0]["RoleCd"] = "SUPERVISOR"
    path.write_text(json.dumps(item) + "\n")

    out, _ = _import(path)

    assert out.strip() == "0 created, 1 updated, 0 rejected."
    call.refresh_from_db()
    assert call.phone_number == "+15550000000"
    assert call.version == 2
    assert list(call.messages.order_by("id").values_list("role_cd", flat=True)) == [
        "SUPERVISOR",
        "CUSTOMER",
    ]


def test_rejected_lines_are_reported_with_their_reason_and_leave_nothing(db, tmp_path):
    good = {
        "CallNumber": "IMP-1",
        "InteractionId": 1,
        "TranscriptMessage": [{"MessageNumber": "IMP-1-M1", "RoleCd": "AGENT"}],
    }
    long_number = {"CallNumber": "IMP-2", "InteractionId": 2, "PhoneNumber": "9" * 31}
    bad_message = {
        "CallNumber": "IMP-3",
        "InteractionId": 3,
        "TranscriptMessage": [
            {"MessageNumber": "IMP-3-M1"},
            {"MessageNumber": "IMP-3-M2", "Shouting": "yes"},
        ],
    }
    duplicate_message = {
        "CallNumber": "IMP-4",
        "InteractionId": 4,
        "TranscriptMessage": [{"MessageNumber": "IMP-1-M1"}],
    }
    no_interaction = {"CallNumber": "IMP-5"}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps(long_number),
        "",
        json.dumps(bad_message),
        json.dumps(duplicate_message),
        json.dumps(no_interaction),
        json.dumps([1, 2]),
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.jsonl"

    out, err = _import(path, "--rejects", str(rejects))

    assert out.strip() == "1 created, 0 updated, 6 rejected."
    reported = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [r["line"] for r in reported] == [2, 3, 5, 6, 7, 8]
    reasons = {r["line"]: r["reason"] for r in reported}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3].startswith("PhoneNumber: ")
    assert "TranscriptMessage[1].Shouting" in reasons[5]
    assert reasons[6] == "MessageNumber IMP-1-M1 already exists."
    assert reasons[7] == "InteractionId is required."
    assert "line 3: PhoneNumber: " in err
    assert list(PhoneCall.objects.values_list("call_number", flat=True)) == ["IMP-1"]
    assert list(TranscriptMessage.objects.values_list("message_number", flat=True)) == ["IMP-1-M1"]


def test_an_import_where_every_line_is_rejected_fails(db, tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text('{"CallNumber": "X"}\n')
    with pytest.raises(CommandError):
        _import(path)


def test_the_csv_export_has_the_header_and_escapes_cells(db):
    call = PhoneCallFactory(external_system_call_id='say "hi", then\nhang up')

    rows = list(csv.reader(io.StringIO(_export("--format", "csv"))))

    assert tuple(rows[0]) == (*CSV_HEADER, "CallStartTime_c")  # the custom ones follow
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["CallId"] == str(call.id)
    assert values["ExternalSystemCallId"] == 'say "hi", then\nhang up'
    assert values["DeletedFlag"] == "false"
    assert values["CreationDate"].endswith("+00:00")


def test_the_export_reads_in_chunks_with_one_message_query_per_chunk(db, django_assert_num_queries):
    for _ in range(5):
        PhoneCallFactory(messages=2)
    # 1 the count for the progress bar, 2 the calls (one query, fetched in chunks of 2),
    # then one query for the messages of each of the 3 chunks.
    with django_assert_num_queries(1 + 1 + 3):
        out = io.StringIO()
        call_command("export_calls", "--chunk-size", "2", "--no-progress", stdout=out)
    assert len(out.getvalue().splitlines()) == 5
