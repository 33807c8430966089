"""Change history of calls and transcript messages (django-simple-history)."""

import base64

import pytest
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, UserFactory

API = "/crmRestApi/resources/11.13.18.05/phoneCalls"
ACTOR = services.Actor(username="tester")

pytestmark = pytest.mark.django_db


def test_creating_a_call_records_its_first_version():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 7, "phone_number": "+14155550100"}
    )
    (row,) = call.history.all()
    assert row.history_type == "+"
    assert row.phone_number == "+14155550100"


def test_updating_a_call_records_what_changed():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 7, "phone_number": "+14155550100"}
    )
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


def test_deleting_a_call_is_recorded_and_its_history_stays():
    call = services.phone_call_create(actor=ACTOR, values={"interaction_id": 7})
    call_id = call.id
    services.phone_call_delete(call=call)
    assert [h.history_type for h in PhoneCall.history.filter(id=call_id)] == ["-", "+"]


def test_a_write_through_the_api_records_the_api_user():
    from django.test import Client

    user = UserFactory(username="integration", is_superuser=True)
    auth = "Basic " + base64.b64encode(b"integration:correct-horse-battery").decode()
    response = Client().post(
        API, {"InteractionId": 1, "PhoneNumber": "+14155550100"},
        content_type="application/json", HTTP_AUTHORIZATION=auth,
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
    call = services.phone_call_create(actor=ACTOR, values={"interaction_id": 7})
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1415"})
    response = admin_client.get(f"/admin/calls/phonecall/{call.pk}/history/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 2
    assert b"+1415" in response.content
