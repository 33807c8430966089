"""Legal hold in the admin: the change form's reason, the actions, and refused deletes (of
the call and of its messages)."""

import pytest
from django.urls import reverse

from calls import services
from calls.models import PhoneCall
from tests.admin.test_phone_calls import change_url, changelist, form_data, inline_prefix
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def test_a_reason_on_the_change_form_places_the_hold_and_clearing_it_lifts_it(
    superuser_client, superuser
):
    call = PhoneCallFactory()
    data = form_data(superuser_client.get(change_url(call)))
    data["legal_hold_reason"] = "Case 2024-17"
    assert superuser_client.post(change_url(call), data).status_code == 302
    call.refresh_from_db()
    assert call.legal_hold_by == superuser.username and call.legal_hold_since is not None

    data = form_data(superuser_client.get(change_url(call)))
    data["legal_hold_reason"] = ""
    superuser_client.post(change_url(call), data)
    call.refresh_from_db()
    assert call.legal_hold_since is None and call.legal_hold_by is None


def test_the_actions_hold_and_release_many_calls(superuser_client):
    calls = [PhoneCallFactory() for _ in range(3)]
    ids = [str(c.pk) for c in calls]
    response = superuser_client.post(
        changelist(),
        {"action": "place_legal_hold", "_selected_action": ids, "hold_reason": "Case 9"},
        follow=True,
    )
    assert "3 call(s) placed on legal hold." in response.content.decode()
    assert PhoneCall.objects.filter(legal_hold_reason="Case 9").count() == 3
    held = superuser_client.get(changelist(), {"on_hold": "yes"})
    assert held.context["cl"].result_count == 3

    refused = superuser_client.post(
        changelist(), {"action": "place_legal_hold", "_selected_action": ids}, follow=True
    )
    assert "Give a hold reason" in refused.content.decode()

    superuser_client.post(
        changelist(), {"action": "release_legal_hold", "_selected_action": ids[:2]}
    )
    assert PhoneCall.objects.exclude(legal_hold_since=None).count() == 1


def test_the_admin_refuses_to_delete_a_held_call(superuser_client):
    held, free = PhoneCallFactory(), PhoneCallFactory()
    superuser_client.post(
        changelist(),
        {"action": "place_legal_hold", "_selected_action": [held.pk], "hold_reason": "Case"},
    )
    page = superuser_client.get(change_url(held)).content.decode()
    assert "deletelink" not in page
    delete_url = reverse("admin:calls_phonecall_delete", args=[held.pk])
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403

    response = superuser_client.post(
        changelist(),
        {"action": "delete_selected", "_selected_action": [held.pk, free.pk], "post": "yes"},
    )
    assert "on legal hold" in response.content.decode()
    assert PhoneCall.objects.count() == 2


def test_a_held_calls_messages_have_no_delete_box_and_a_posted_delete_is_ignored(
    superuser_client,
):
    held = PhoneCallFactory(messages=2)
    services.legal_hold_place(
        actor=services.Actor("counsel"), calls=PhoneCall.objects.filter(pk=held.pk), reason="C"
    )
    response = superuser_client.get(change_url(held))
    prefix = inline_prefix(response)
    assert f'name="{prefix}-0-DELETE"' not in response.content.decode()
    # A delete posted all the same (a form opened before the hold) is not one the formset
    # reads: the edits beside it are saved, the message stays.
    data = form_data(response)
    data[f"{prefix}-0-DELETE"] = "on"
    data[f"{prefix}-1-message_content"] = "edited"
    assert superuser_client.post(change_url(held), data).status_code == 302
    assert held.messages.count() == 2
    assert "edited" in [m.message_content for m in held.messages.all()]


def test_the_service_refuses_the_admins_message_delete_of_a_held_call():
    held = PhoneCallFactory(messages=1)
    services.legal_hold_place(
        actor=services.Actor("counsel"), calls=PhoneCall.objects.filter(pk=held.pk), reason="C"
    )
    with pytest.raises(services.CallOnHold, match="transcript messages cannot be deleted"):
        services.phone_call_admin_save(
            actor=services.Actor("admin"),
            call=held,
            changed_fields=[],
            deleted_messages=list(held.messages.all()),
        )
    assert held.messages.count() == 1


def test_a_held_calls_messages_may_be_edited_in_the_admin(superuser_client):
    held = PhoneCallFactory(messages=2)
    services.legal_hold_place(
        actor=services.Actor("counsel"), calls=PhoneCall.objects.filter(pk=held.pk), reason="C"
    )
    response = superuser_client.get(change_url(held))
    data = form_data(response)
    data[f"{inline_prefix(response)}-0-message_content"] = "edited"
    assert superuser_client.post(change_url(held), data).status_code == 302
    assert "edited" in [m.message_content for m in held.messages.all()]
