"""export_calls and import_calls carry the declared custom attributes; CSV has their columns."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from calls import services
from calls.models import CustomAttribute, PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for name, resource, kind, length in (
            ("Disposition_c", "phoneCalls", "string", 20),
            ("FollowUpAt_c", "phoneCalls", "datetime", None),
            ("Vip_c", "phoneCalls", "boolean", None),
            ("Sentiment_c", "TranscriptMessage", "string", 10),
        ):
            services.custom_attribute_save(
                attribute=CustomAttribute(
                    name=name, resource=resource, type=kind, max_length=length, title=name
                )
            )


def _export(*args) -> str:
    out = io.StringIO()
    call_command("export_calls", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_the_json_lines_round_trip_keeps_the_custom_values(declared, tmp_path):
    call = PhoneCallFactory(
        custom={"Disposition_c": "SALE", "FollowUpAt_c": "2024-05-16T10:20:25.453+00:00"}
    )
    TranscriptMessageFactory(call=call, message_number="M-1", custom={"Sentiment_c": "GOOD"})
    exported = _export()
    item = json.loads(exported)
    assert (item["Disposition_c"], item["Vip_c"]) == ("SALE", None)
    assert item["TranscriptMessage"][0]["Sentiment_c"] == "GOOD"

    PhoneCall.objects.all().delete()
    path = tmp_path / "calls.jsonl"
    path.write_text(exported)
    call_command("import_calls", str(path), "--no-progress", stdout=io.StringIO())

    imported = PhoneCall.objects.get()
    assert imported.custom == {
        "Disposition_c": "SALE",
        "FollowUpAt_c": "2024-05-16T10:20:25.453+00:00",
    }
    assert TranscriptMessage.objects.get().custom == {"Sentiment_c": "GOOD"}


def test_an_import_with_an_undeclared_custom_attribute_rejects_the_line(declared, tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text(
        json.dumps({"CallNumber": "I-1", "InteractionId": 1, "Disposition_c": "SALE"})
        + "\n"
        + json.dumps({"CallNumber": "I-2", "InteractionId": 2, "Unknown_c": 1})
        + "\n"
    )
    err = io.StringIO()

    call_command("import_calls", str(path), "--no-progress", stdout=io.StringIO(), stderr=err)

    assert "line 2: Unknown_c: Unknown_c is not an attribute of this resource." in err.getvalue()
    assert list(PhoneCall.objects.values_list("call_number", flat=True)) == ["I-1"]


def test_the_csv_export_has_a_column_per_custom_attribute(declared):
    PhoneCallFactory(custom={"Disposition_c": "=1+1", "Vip_c": True})

    header, row = csv.reader(io.StringIO(_export("--format", "csv")))

    assert header[-3:] == ["Disposition_c", "FollowUpAt_c", "Vip_c"]
    values = dict(zip(header, row, strict=True))
    # Custom values are cells like any: made safe for spreadsheets.
    assert (values["Disposition_c"], values["FollowUpAt_c"], values["Vip_c"]) == (
        "'=1+1",
        "",
        "true",
    )
