"""The model rules: what the database enforces, and the version kept by the services."""

import pytest
from django.db import IntegrityError, transaction

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

ACTOR = services.Actor("tester", login="L1")


def version_of(call):
    return PhoneCall.objects.values_list("version", flat=True).get(pk=call.pk)


def test_the_database_refuses_a_second_call_with_the_same_call_number():
    PhoneCallFactory(call_number="DUP-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        # bulk_create skips the model's validation: only the constraint can stop it.
        PhoneCall.objects.bulk_create([PhoneCallFactory.build(call_number="DUP-1")])


def test_the_database_refuses_a_second_message_with_the_same_message_number():
    TranscriptMessageFactory(message_number="MDUP-1")
    other = PhoneCallFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptMessage.objects.bulk_create(
            [TranscriptMessageFactory.build(call=other, message_number="MDUP-1")]
        )


def test_the_create_service_names_a_taken_call_number():
    PhoneCallFactory(call_number="DUP-2")
    with pytest.raises(services.DuplicateNumber) as raised:
        services.phone_call_create(
            actor=ACTOR, values={"call_number": "DUP-2", "interaction_id": 1}
        )
    assert (raised.value.model, raised.value.field) == (PhoneCall, "call_number")
    assert PhoneCall.objects.filter(call_number="DUP-2").count() == 1


def test_call_and_message_numbers_are_generated_when_not_given():
    call = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 5},
        messages=[{"message_content": "a"}, {"message_content": "b"}],
    ).call
    call.refresh_from_db()
    assert call.call_number.startswith("CN") and len(call.call_number) <= 30
    numbers = list(call.messages.values_list("message_number", flat=True))
    assert all(n.startswith("MN") and len(n) <= 30 for n in numbers)
    assert len({call.call_number, *numbers}) == 3


def test_create_sets_the_who_columns_and_starts_at_version_1():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 5}, messages=[{"message_content": "hi"}]
    ).call
    call.refresh_from_db()
    assert call.version == 1
    assert (call.created_by, call.last_updated_by, call.last_update_login) == (
        "tester",
        "tester",
        "L1",
    )
    assert call.creation_date == call.last_update_date
    message = call.messages.get()
    assert message.created_by == "tester"
    assert message.visibility_cd == TranscriptMessage.EXTERNAL


def test_deleting_a_call_deletes_its_messages():
    call = PhoneCallFactory(messages=3)
    keep = PhoneCallFactory(messages=2)
    services.phone_call_delete(call=call)
    assert not TranscriptMessage.objects.filter(call_id=call.pk).exists()
    assert keep.messages.count() == 2


def test_the_database_cascades_a_call_delete_to_its_messages():
    call = PhoneCallFactory(messages=2)
    PhoneCall.objects.filter(pk=call.pk).delete()
    assert not TranscriptMessage.objects.filter(call_id=call.pk).exists()


def test_updating_a_call_increments_its_version():
    call = PhoneCallFactory()
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1555"})
    assert version_of(call) == 2
    services.phone_call_update(actor=ACTOR, call=call, values={"left_message_flag": True})
    assert version_of(call) == 3
    call.refresh_from_db()
    assert call.last_updated_by == "tester"


def test_creating_a_message_increments_the_call_version():
    call = PhoneCallFactory()
    services.message_create(actor=ACTOR, call=call, values={"message_content": "new"})
    assert version_of(call) == 2


def test_updating_a_message_increments_its_version_and_the_calls():
    message = TranscriptMessageFactory()
    call = message.call
    services.message_update(actor=ACTOR, message=message, values={"role_cd": "SUPERVISOR"})
    message.refresh_from_db()
    assert message.version == 2
    assert message.last_updated_by == "tester"
    assert version_of(call) == 2


def test_deleting_a_message_increments_the_call_version():
    message = TranscriptMessageFactory()
    call = message.call
    services.message_delete(actor=ACTOR, message=message)
    assert not TranscriptMessage.objects.filter(pk=message.pk).exists()
    assert version_of(call) == 2


def test_a_null_visibility_is_stored_as_external():
    call = PhoneCallFactory()
    message = services.message_create(
        actor=ACTOR, call=call, values={"message_content": "x", "visibility_cd": None}
    )
    message.refresh_from_db()
    assert message.visibility_cd == TranscriptMessage.EXTERNAL


def test_messages_keep_the_order_they_were_given_in():
    texts = ["zulu", "alpha", "mike", "bravo", "yankee"]
    call = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 9},
        messages=[{"message_content": t, "message_number": f"ORD-{t}"} for t in texts],
    ).call
    services.message_create(actor=ACTOR, call=call, values={"message_content": "last"})
    assert list(call.messages.values_list("message_content", flat=True)) == [*texts, "last"]
