"""Change history of calls and transcript messages (django-simple-history)."""

import base64
import datetime

import pytest
from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from calls.sql import history
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, UserFactory

API = "/crmRestApi/resources/11.13.18.05/phoneCalls"
ACTOR = services.Actor(username="tester")

pytestmark = pytest.mark.django_db


def test_creating_a_call_records_its_first_version():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 7, "phone_number": "+14155550100"}
    ).call
    (row,) = call.history.all()
    assert row.history_type == "+"
    assert row.phone_number == "+14155550100"


def test_updating_a_call_records_what_changed():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 7, "phone_number": "+14155550100"}
    ).call
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+14155550199"})
    newest, oldest = call.history.all()[:2]
    assert newest.history_type == "~"
    delta = newest.diff_against(oldest)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "phone_number"] == [
        ("phone_number", "+14155550100", "+14155550199")
    ]


def test_changing_and_deleting_a_message_is_recorded():
    message = TranscriptMessageFactory(message_content="first words")
    message_id = message.id
    services.message_update(actor=ACTOR, message=message, values={"message_content": "fixed"})
    services.message_delete(actor=ACTOR, message=message)
    history = TranscriptMessage.history.filter(id=message_id).order_by("history_date")
    assert [(h.history_type, h.message_content) for h in history] == [
        ("+", "first words"),
        ("~", "fixed"),
        ("-", "fixed"),
    ]


def test_deleting_a_call_deletes_its_history_too():
    # A deleted call is gone: its history rows would keep its number (issue 17).
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 7}, messages=[{"message_content": "hi"}]
    ).call
    call_id = call.id
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1415"})
    services.phone_call_delete(call=call)
    assert not PhoneCall.history.filter(id=call_id).exists()
    assert not TranscriptMessage.history.filter(call_id=call_id).exists()


def test_a_write_through_the_api_records_the_api_user():
    from django.test import Client

    user = UserFactory(username="integration", is_superuser=True)
    auth = "Basic " + base64.b64encode(b"integration:correct-horse-battery").decode()
    response = Client().post(
        API,
        {"InteractionId": 1, "PhoneNumber": "+14155550100"},
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert response.status_code == 201, response.content
    call = PhoneCall.objects.get()
    row = call.history.get()
    assert row.history_user == user


def test_an_admin_change_records_the_admin_user(admin_client, superuser):
    call = PhoneCallFactory()
    page = admin_client.get(f"/admin/calls/phonecall/{call.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    # Change one field through the real admin form, whatever else it carries.
    post = {}
    for bound in form:
        value = bound.value()
        if value is None or bound.name in ("recording", "recording_file"):
            continue
        post[bound.name] = "on" if value is True else ("" if value is False else value)
    for key in list(post):
        if post[key] == "":
            post.pop(key)
    post["phone_number"] = "+14155550777"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for field in management:
            post[field.html_name] = field.value()
    response = admin_client.post(f"/admin/calls/phonecall/{call.pk}/change/", post)
    assert response.status_code == 302, response.content[:2000]
    row = call.history.latest()
    assert row.phone_number == "+14155550777"
    assert row.history_user == superuser


def test_the_call_admin_is_a_history_admin():
    assert isinstance(admin.site._registry[PhoneCall], SimpleHistoryAdmin)


def test_the_admin_shows_a_calls_history(admin_client):
    call = services.phone_call_create(actor=ACTOR, values={"interaction_id": 7}).call
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1415"})
    response = admin_client.get(f"/admin/calls/phonecall/{call.pk}/history/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 2
    assert b"+1415" in response.content


def _tracked(row, model):
    return {f.attname: getattr(row, f.attname) for f in model.history.model.tracked_fields}


def test_a_set_based_history_row_holds_what_the_library_records():
    """calls.history copies rows in SQL; its rows must equal django-simple-history's own."""
    user = UserFactory()
    message = TranscriptMessageFactory(message_content="hello", posted_by_party_id=42)
    (library_row,) = TranscriptMessage.history.filter(id=message.id)  # from the save signal
    call = message.call
    call._history_user = user
    when = library_row.history_date + datetime.timedelta(seconds=1)

    history.record(TranscriptMessage, "id", [message.pk], history.CHANGED, when, user_of=call)

    copied = TranscriptMessage.history.filter(id=message.id).latest()
    assert copied.history_id != library_row.history_id
    assert _tracked(copied, TranscriptMessage) == _tracked(library_row, TranscriptMessage)
    assert (copied.history_type, copied.history_date, copied.history_user) == ("~", when, user)
    assert copied.history_change_reason is None


def test_an_api_create_records_the_call_and_each_message_as_stored():
    from django.test import Client

    user = UserFactory(username="integration", is_superuser=True)
    auth = "Basic " + base64.b64encode(b"integration:correct-horse-battery").decode()
    texts = ["first", "second", "third"]
    body = {
        "InteractionId": 1,
        "TranscriptMessage": [
            {"MessageContent": base64.b64encode(t.encode()).decode(), "RoleCd": "AGENT"}
            for t in texts
        ],
    }
    response = Client().post(API, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 201, response.content

    call = PhoneCall.objects.get()
    (call_row,) = call.history.all()
    assert _tracked(call_row, PhoneCall) == _tracked(call, PhoneCall)
    assert (call_row.history_type, call_row.history_user) == ("+", user)
    rows = list(TranscriptMessage.history.order_by("history_id"))
    stored = list(call.messages.order_by("id"))
    assert [_tracked(r, TranscriptMessage) for r in rows] == [
        _tracked(m, TranscriptMessage) for m in stored
    ]
    assert [r.message_content for r in rows] == texts
    assert {(r.history_type, r.history_user, r.history_date) for r in rows} == {
        ("+", user, call.creation_date)
    }


def test_history_of_more_rows_than_one_statement_may_bind_is_copied_in_batches(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = PhoneCallFactory(messages=7)
    ids = list(call.messages.values_list("id", flat=True))
    monkeypatch.setattr(connection.features, "max_query_params", 3 + 2)  # 2 ids a statement
    with CaptureQueriesContext(connection) as statements:
        history.record(TranscriptMessage, "id", ids, history.CHANGED, timezone.now(), user_of=call)
    # PostgreSQL takes the ids as one array: one statement, whatever the limit says.
    assert len(statements.captured_queries) == (1 if connection.vendor == "postgresql" else 4)
    copied = TranscriptMessage.history.filter(history_type="~").order_by("history_id")
    assert [row.id for row in copied] == sorted(ids)
