"""calls.sql.rows: one row by its primary key, as the ORM would read it."""

import pytest
from django.core.files.base import ContentFile

from calls.models import PhoneCall, TranscriptMessage
from calls.sql.rows import by_pk
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_row_is_the_instance_the_orm_reads(django_assert_num_queries):
    call = PhoneCallFactory(messages=1, custom={"Disposition_c": "sold", "Score_c": 1.5})
    call.recording.save("r.wav", ContentFile(b"RIFF"), save=True)
    with django_assert_num_queries(1):
        found = by_pk(PhoneCall, call.pk)
    expected = PhoneCall.objects.get(pk=call.pk)
    assert _fields(found) == _fields(expected)
    assert found.custom == {"Disposition_c": "sold", "Score_c": 1.5}
    assert found.recording.name == expected.recording.name
    assert found.creation_date == expected.creation_date and found.creation_date.tzinfo
    assert not found._state.adding and found._state.db == "default"
    message = call.messages.get()
    assert _fields(by_pk(TranscriptMessage, message.pk)) == _fields(message)


def test_no_row_is_none():
    assert by_pk(PhoneCall, 987654321) is None
