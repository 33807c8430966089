"""The audit export: the access records of a period as CSV or JSON Lines, streamed."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from calls.models import AccessRecord
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    call = PhoneCallFactory(call_number="CN-1")
    made = []
    for day, username in ((1, "ann"), (2, "=HYPERLINK(1)"), (3, "bob")):
        made.append(
            AccessRecord.objects.create(
                username=username,
                call=call,
                call_number=call.call_number,
                kind=AccessRecord.Kind.TRANSCRIPT_VIEW,
                channel=AccessRecord.Channel.API,
                accessed_at=datetime(2024, 5, day, 12, tzinfo=UTC),
                remote_address="10.0.0.1",
            )
        )
    return made


def export(*args):
    out = io.StringIO()
    call_command("export_access_records", *args, stdout=out)
    return out.getvalue()


def test_csv_of_a_period_is_quoted_and_safe_for_spreadsheets(records):
    rows = list(
        csv.reader(io.StringIO(export("--since", "2024-05-02", "--until", "2024-05-03T13:00")))
    )
    assert rows[0] == [
        "accessed_at",
        "username",
        "kind",
        "channel",
        "call_id",
        "call_number",
        "remote_address",
        "user_agent",
    ]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)", "bob"]
    assert rows[1][0] == "2024-05-02T12:00:00.000+00:00"


def test_json_lines_carry_the_same_fields(records):
    lines = export("--since", "2024-05-01", "--format", "jsonl").splitlines()
    items = [json.loads(line) for line in lines]
    assert [i["username"] for i in items] == ["ann", "=HYPERLINK(1)", "bob"]
    assert items[0]["call_id"] == records[0].call_id
    assert items[0]["kind"] == "transcript_view"


def test_bad_dates_are_refused():
    with pytest.raises(CommandError):
        export("--since", "yesterday")
    with pytest.raises(CommandError, match="after"):
        export("--since", "2024-05-02", "--until", "2024-05-01")


def test_the_admin_exports_the_selection_streamed(client, superuser, records):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:calls_accessrecord_changelist"),
        {"action": "export_jsonl", "_selected_action": [r.pk for r in records[:2]]},
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="access-records-')
    body = b"".join(response.streaming_content).decode()
    assert [json.loads(x)["username"] for x in body.splitlines()] == ["ann", "=HYPERLINK(1)"]


@pytest.mark.parametrize("count", [1, 30])
def test_the_admins_export_costs_the_same_queries_for_1_and_30_records(
    client, superuser, django_assert_num_queries, count
):
    call = PhoneCallFactory()
    ids = [
        AccessRecord.objects.create(
            username="ann",
            call=call,
            call_number=call.call_number,
            kind="transcript_view",
            channel="ui",
        ).pk
        for _ in range(count)
    ]
    client.force_login(superuser)
    url = reverse("admin:calls_accessrecord_changelist")
    # session, user, the selection's count, the records (one streamed SELECT)
    with django_assert_num_queries(4):
        response = client.post(url, {"action": "export_csv", "_selected_action": ids})
        body = b"".join(response.streaming_content)
    assert len(body.splitlines()) == count + 1
