"""/calls/export.csv: the staff list's filtered calls as a streaming CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import CustomAttribute
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, UserFactory

EXPORT = reverse("calls:export-csv")


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_the_export_needs_a_login(client, db):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_export_needs_the_view_permission(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(EXPORT).status_code == 403


def test_the_export_streams_a_csv_attachment_with_readable_columns(viewer_client, settings):  # noqa: F811
    settings.CALLBOOK_DISPLAY_TIME_ZONE = "Europe/Paris"
    when = datetime.datetime(2025, 7, 1, 12, 30, 5, tzinfo=datetime.UTC)
    call = PhoneCallFactory(
        phone_number="+14155550100",
        left_message_flag=True,
        creation_date=when,
        recording_duration_ms=65_400,
        external_system_call_id="ext-1",
    )
    TranscriptMessageFactory.create_batch(3, call=call)
    TranscriptMessageFactory(call=call, deleted_flag=True)  # not counted, as on the list

    response = viewer_client.get(EXPORT)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="calls-')
    header, row = _rows(response)
    assert header == [
        "Time (Europe/Paris)",
        "Phone number",
        "Call number",
        "Duration (seconds)",
        "Messages",
        "Recording stored",
        "Voicemail",
        "Deleted",
        "External call id",
        "Interaction id",
        "Call start",  # a custom attribute declared out of the box (calls.timing), by title
        "Link",
    ]
    values = dict(zip(header, row, strict=True))
    assert values["Time (Europe/Paris)"] == "2025-07-01 14:30:05 +02:00"
    # OWASP's leading quote even before a number: a spreadsheet shows the text +1415….
    assert values["Phone number"] == "'+14155550100"
    assert values["Call number"] == call.call_number
    assert values["Duration (seconds)"] == "65"
    assert values["Messages"] == "3"
    assert (values["Recording stored"], values["Voicemail"], values["Deleted"]) == (
        "No",
        "Yes",
        "No",
    )
    assert values["External call id"] == "ext-1"
    assert values["Interaction id"] == str(call.interaction_id)
    assert values["Link"] == f"http://testserver/calls/{call.id}/"


def test_an_unknown_duration_is_an_empty_cell(viewer_client):  # noqa: F811
    PhoneCallFactory(recording_duration_ms=None)
    header, row = _rows(viewer_client.get(EXPORT))
    assert dict(zip(header, row, strict=True))["Duration (seconds)"] == ""


def test_declared_custom_attributes_are_columns_under_their_titles(
    viewer_client,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        for name, kind, length, title in (
            ("Disposition_c", "string", 40, "Disposition"),
            ("Vip_c", "boolean", None, "VIP"),
        ):
            services.custom_attribute_save(
                attribute=CustomAttribute(
                    name=name, resource="phoneCalls", type=kind, max_length=length, title=title
                )
            )
    PhoneCallFactory(custom={"Disposition_c": "Refunded", "Vip_c": True})

    header, row = _rows(viewer_client.get(EXPORT))

    assert header[-3:] == ["Disposition", "VIP", "Link"]
    assert row[-3:-1] == ["Refunded", "Yes"]


def test_the_export_applies_the_list_filters_and_sort(viewer_client):  # noqa: F811
    now = timezone.now()
    old = PhoneCallFactory(creation_date=now - datetime.timedelta(days=3), phone_number="+1999")
    new = PhoneCallFactory(creation_date=now, phone_number="+1999", left_message_flag=True)
    PhoneCallFactory(creation_date=now, phone_number="+4930111")
    PhoneCallFactory(phone_number="+1999", deleted_flag=True)

    rows = _rows(viewer_client.get(EXPORT, {"q": "+1999"}))
    assert [r[2] for r in rows[1:]] == [new.call_number, old.call_number]  # newest first

    rows = _rows(viewer_client.get(EXPORT, {"q": "+1999", "sort": "time"}))
    assert [r[2] for r in rows[1:]] == [old.call_number, new.call_number]

    rows = _rows(viewer_client.get(EXPORT, {"voicemail": "true"}))
    assert [r[2] for r in rows[1:]] == [new.call_number]


def test_cells_that_spreadsheets_would_run_as_formulas_stay_text(viewer_client):  # noqa: F811
    PhoneCallFactory(external_system_call_id='=HYPERLINK("http://x","a, b")')

    header, row = _rows(viewer_client.get(EXPORT))

    values = dict(zip(header, row, strict=True))
    assert values["External call id"] == '\'=HYPERLINK("http://x","a, b")'
    assert values["Phone number"].startswith("'+1415")  # a + starts a formula too


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_no_cell_starts_a_formula_read_with_either_separator(viewer_client, delimiter):  # noqa: F811
    PhoneCallFactory(external_system_call_id="a;=1+1", phone_number="b,@SUM(A1)")
    PhoneCallFactory(external_system_call_id='x";-2', phone_number="+1\n=3")
    body = b"".join(viewer_client.get(EXPORT).streaming_content).decode("utf-8")
    rows = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    starts = [field.lstrip(' "')[:1] for row in rows for field in row]
    assert not set(starts) & set("=+-@\t\r")


@pytest.mark.parametrize("calls", [1, 30])
def test_the_export_costs_the_same_queries_for_any_number_of_calls(
    viewer_client,
    django_assert_num_queries,
    calls,  # noqa: F811
):
    PhoneCallFactory.create_batch(calls)
    # 1 the session, 2 the user, 3-4 the user's and the groups' permissions,
    # 5 the filtered calls with their message counts, read in chunks from one query
    # while the body streams.
    with django_assert_num_queries(5):
        rows = _rows(viewer_client.get(EXPORT))
    assert len(rows) == calls + 1
