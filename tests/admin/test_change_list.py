"""The call list in the admin: transcript search, filters and the bulk actions."""

import io
import json

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from calls.models import AccessRecord, PhoneCall
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def changelist():
    return reverse("admin:calls_phonecall_changelist")


def shown(response):
    return set(response.context["cl"].result_list)


def test_the_search_finds_words_said_in_the_transcript(superuser_client):
    wanted = PhoneCallFactory()
    TranscriptMessageFactory(call=wanted, message_content="I would like a refund for my order")
    other = PhoneCallFactory()
    TranscriptMessageFactory(call=other, message_content="What are your opening hours?")

    response = superuser_client.get(changelist(), {"q": "refund"})

    assert shown(response) == {wanted}
    assert "words said in the transcript" in response.content.decode()


def test_the_search_still_finds_numbers_and_ids(superuser_client):
    wanted = PhoneCallFactory(phone_number="+14155550101", external_system_call_id="EXT-77")
    PhoneCallFactory(phone_number="+4930555000")
    assert shown(superuser_client.get(changelist(), {"q": "415 555-0101"})) == {wanted}
    assert shown(superuser_client.get(changelist(), {"q": "EXT-77"})) == {wanted}


def test_the_search_costs_the_same_queries_for_5_and_50_matches(
    superuser_client, django_assert_num_queries
):
    for n in range(50):
        call = PhoneCallFactory()
        if n < 5:
            TranscriptMessageFactory(call=call, message_content="apricot refund")
        TranscriptMessageFactory(call=call, message_content="banana refund")
    # session, user, the COUNT, the page with its message counts, the date hierarchy's
    # bounds and days.
    for words, expected in (("apricot", 5), ("banana", 50)):
        with django_assert_num_queries(6):
            response = superuser_client.get(changelist(), {"q": words})
        assert len(response.context["cl"].result_list) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("stored", {"stored"}), ("link", {"link"}), ("none", {"none"})]
)
def test_the_recording_filter(superuser_client, value, expected):
    calls = {
        "stored": PhoneCallFactory(recording="recordings/2026/01/a"),
        "link": PhoneCallFactory(recording_url="https://pbx.example/r/1"),
        "none": PhoneCallFactory(recording_url="not a link"),
    }
    response = superuser_client.get(changelist(), {"recording": value})
    assert shown(response) == {calls[name] for name in expected}


def act(client, action, calls, confirm=False):
    data = {
        "action": action,
        helpers.ACTION_CHECKBOX_NAME: [c.pk for c in calls],
        "select_across": "0",
        "index": "0",
    }
    if confirm:
        data.pop("index")
        data["post"] = "yes"
    return client.post(changelist(), data)


def test_mark_deleted_first_says_how_many_calls_and_messages(superuser_client):
    calls = [PhoneCallFactory(messages=3), PhoneCallFactory(messages=4)]
    PhoneCallFactory(messages=9)

    response = act(superuser_client, "mark_deleted", calls)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<strong>2 calls</strong> with <strong>7 transcript messages</strong>" in content
    assert not PhoneCall.objects.filter(deleted_flag=True).exists()


def test_mark_deleted_and_restore_go_through_the_service(superuser_client, superuser):
    calls = [PhoneCallFactory(messages=1), PhoneCallFactory(messages=1)]
    already = PhoneCallFactory(deleted_flag=True)

    response = act(superuser_client, "mark_deleted", [*calls, already], confirm=True)

    assert response.status_code == 302
    for call in calls:
        call.refresh_from_db()
        assert call.deleted_flag is True
        assert call.version == 2
        assert call.last_updated_by == superuser.username
        latest = call.history.latest()
        assert (latest.history_type, latest.deleted_flag) == ("~", True)
        assert latest.history_user == superuser
    already.refresh_from_db()
    assert already.version == 1  # nothing to change: left alone

    act(superuser_client, "restore", calls, confirm=True)
    assert not PhoneCall.objects.filter(pk__in=[c.pk for c in calls], deleted_flag=True).exists()
    assert PhoneCall.objects.get(pk=calls[0].pk).version == 3


def test_the_confirmation_costs_the_same_queries_for_2_and_40_calls(
    superuser_client, django_assert_num_queries
):
    few = [PhoneCallFactory(messages=2) for _ in range(2)]
    many = [PhoneCallFactory(messages=2) for _ in range(38)] + few
    # session, user, the changelist's page and its COUNT, the selected calls, and the
    # confirmation's two COUNTs.
    with django_assert_num_queries(6) as first:
        act(superuser_client, "export_jsonl", few)
    with django_assert_num_queries(len(first.captured_queries)):
        response = act(superuser_client, "export_jsonl", many)
    assert "<strong>40 calls</strong> with <strong>80 transcript messages</strong>" in (
        response.content.decode()
    )


def test_export_writes_the_import_format_and_audits_each_call(superuser_client):
    first = PhoneCallFactory(call_number="EXP-1", messages=2)
    second = PhoneCallFactory(call_number="EXP-2", messages=1)
    PhoneCallFactory(call_number="NOT-EXPORTED")

    response = act(superuser_client, "export_jsonl", [second, first], confirm=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="calls-')
    lines = b"".join(response.streaming_content).decode().splitlines()
    items = [json.loads(line) for line in lines]
    assert [i["CallNumber"] for i in items] == ["EXP-1", "EXP-2"]
    assert [len(i["TranscriptMessage"]) for i in items] == [2, 1]
    records = AccessRecord.objects.filter(kind="transcript_download", channel="ui")
    assert set(records.values_list("call_number", flat=True)) == {"EXP-1", "EXP-2"}


def test_an_export_of_the_whole_selection_is_read_back_by_import_calls(superuser_client, tmp_path):
    from django.core.management import call_command

    call = PhoneCallFactory(call_number="ROUND-TRIP", messages=3)
    response = act(superuser_client, "export_jsonl", [call], confirm=True)
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"".join(response.streaming_content))
    PhoneCall.objects.filter(pk=call.pk).delete()

    call_command("import_calls", str(path), stdout=io.StringIO())

    restored = PhoneCall.objects.get(call_number="ROUND-TRIP")
    assert restored.messages.count() == 3


def test_bulk_changes_need_the_change_permission(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_phonecall"))
    client.force_login(viewer)
    response = client.get(changelist())
    choices = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "export_jsonl" in choices
    assert "mark_deleted" not in choices
    assert "restore" not in choices
