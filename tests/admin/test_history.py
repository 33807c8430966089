"""The call's History page: one timeline of the call's and its messages' changes."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from calls import services
from calls.admin.history import PER_PAGE
from calls.models import PhoneCall, TranscriptMessage
from tests.admin.test_phone_calls import change_url, form_data, inline_prefix

pytestmark = pytest.mark.django_db
ACTOR = services.Actor("integration")


def history_url(call):
    return reverse("admin:calls_phonecall_history", args=[call.pk])


def created_call(messages=3, **values):
    values = {"interaction_id": 1, "phone_number": "+14155550100", **values}
    written = services.phone_call_create(
        actor=ACTOR,
        values=values,
        messages=[{"message_content": f"words {i}"} for i in range(1, messages + 1)],
    )
    return written.call


def changes_of(entry):
    return {(c.label, c.old, c.new) for c in entry.changes}


def test_a_message_edit_is_listed_with_its_old_and_new_text_who_and_which_message(
    superuser_client, superuser
):
    call = created_call(messages=3)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data[f"{inline_prefix(response)}-1-message_content"] = "corrected words"
    assert superuser_client.post(change_url(call), data).status_code == 302

    response = superuser_client.get(history_url(call))

    assert response.status_code == 200
    entries = response.context["entries"]
    edit = entries[0]
    assert (edit.action, edit.subject, edit.user) == ("changed", "Message #2", superuser.username)
    assert edit.message_number == call.messages.order_by("id")[1].message_number
    assert changes_of(edit) == {("Text", "words 2", "corrected words")}
    content = response.content.decode()
    assert "corrected words" in content and "words 2" in content
    assert f"{change_url(call)}?tfind=2" in content


def test_the_timeline_holds_call_and_message_changes_without_who_column_noise(superuser_client):
    call = created_call(messages=2)
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+14155550199"})
    message = call.messages.order_by("id").first()
    services.message_update(actor=ACTOR, message=message, values={"role_cd": "AGENT"})

    entries = superuser_client.get(history_url(call)).context["entries"]

    # The message edit bumped the call (a history row of who-columns and the version
    # only): it is not listed. The messages made with the call are part of its entry.
    assert [(e.subject, e.action) for e in entries] == [
        ("Message #1", "changed"),
        ("The call", "changed"),
        ("The call", "created"),
    ]
    assert changes_of(entries[0]) == {("Role", "—", "AGENT")}
    assert changes_of(entries[1]) == {("Phone number", "+14155550100", "+14155550199")}
    assert entries[2].note == "Created with 2 messages."
    labels = {c.label for e in entries for c in [*e.changes, *e.values]}
    assert not labels & {"Last update date", "Last updated by", "Version", "Creation date"}


def test_added_and_deleted_messages_are_listed(superuser_client):
    call = created_call(messages=2)
    added = services.message_create(
        actor=ACTOR, call=call, values={"message_content": "an afterthought"}
    )
    services.message_delete(actor=ACTOR, message=call.messages.order_by("id").first())

    entries = superuser_client.get(history_url(call)).context["entries"]

    deleted, created = entries[0], entries[1]
    assert (deleted.action, deleted.subject) == ("deleted", "A deleted message")
    assert ("Text", "", "words 1") in {(v.label, v.old, v.new) for v in deleted.values}
    assert (created.action, created.message_number) == ("created", added.message_number)
    assert created.subject == "Message #2"  # its position now that the first is gone


def test_the_first_edit_of_a_seeded_call_shows_no_false_change_of_its_creation_date(
    superuser_client,
):
    call_command("seed_demo", stdout=io.StringIO())
    call = PhoneCall.objects.get(call_number="DEMO-0001")
    created = call.history.earliest()
    assert created.creation_date == call.creation_date
    assert created.history_date == call.creation_date
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data["phone_number"] = "+14155550177"
    assert superuser_client.post(change_url(call), data).status_code == 302

    entries = superuser_client.get(history_url(call)).context["entries"]

    assert [(e.subject, e.action) for e in entries] == [
        ("The call", "changed"),
        ("The call", "created"),
    ]
    assert {c.label for c in entries[0].changes} == {"Phone number"}
    message_history = TranscriptMessage.history.filter(call_id=call.pk)
    assert set(message_history.values_list("history_date", flat=True)) == {created.history_date}


def test_a_change_without_an_earlier_version_says_so(superuser_client):
    call = created_call(messages=1)
    PhoneCall.history.filter(id=call.pk).delete()  # as after load_scale_data's COPY
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1415555"})

    entry = superuser_client.get(history_url(call)).context["entries"][0]

    assert entry.subject == "The call"
    assert entry.note.startswith("No earlier version is recorded")


@pytest.mark.parametrize("edits", [3, PER_PAGE + 20])
def test_the_timeline_is_paged_with_the_same_queries_at_any_length(
    superuser_client, django_assert_num_queries, edits
):
    call = created_call(messages=2)
    message = call.messages.order_by("id").first()
    for n in range(edits):
        services.message_update(actor=ACTOR, message=message, values={"role_cd": f"R{n}"})
    ContentType.objects.get_for_model(PhoneCall)
    last_page = 1 if edits < PER_PAGE else 2
    # session, user, the call; the call's first history date, the COUNT and the page of
    # the UNION; the page's call rows and message rows (each with its earlier version's
    # id), the earlier message versions, the messages' positions, and the count of the
    # messages created with the call (for its entry on the last page).
    with django_assert_num_queries(11):
        response = superuser_client.get(history_url(call), {"p": last_page})
    entries = response.context["entries"]
    assert len(entries) == (edits + 1) - (last_page - 1) * PER_PAGE
    assert entries[-1].subject == "The call"
    assert entries[0].changes
