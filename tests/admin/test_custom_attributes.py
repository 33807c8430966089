"""The admin of custom attributes: declarations, and their values on a call and its messages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from calls import services
from calls.models import CustomAttribute, PhoneCall
from calls.oracle import custom
from tests.admin.test_phone_calls import change_url, form_data, inline_prefix
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for name, resource, kind, length, title in (
            ("Disposition_c", "phoneCalls", "string", 10, "Disposition"),
            ("Score_c", "phoneCalls", "integer", None, "Score"),
            ("Vip_c", "phoneCalls", "boolean", None, "VIP"),
            ("FollowUpAt_c", "phoneCalls", "datetime", None, "Follow up at"),
            ("Sentiment_c", "TranscriptMessage", "string", 10, "Sentiment"),
        ):
            services.custom_attribute_save(
                attribute=CustomAttribute(
                    name=name, resource=resource, type=kind, max_length=length, title=title
                )
            )


def test_an_admin_declares_a_custom_attribute(superuser_client, django_capture_on_commit_callbacks):
    data = {"name": "Disposition_c", "resource": "phoneCalls", "type": "string", "max_length": 80}
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:calls_customattribute_add"), {**data, "title": "Disposition"}
        )

    assert response.status_code == 302
    assert CustomAttribute.objects.get().max_length == 80
    # The next request of this (and every) worker speaks it.
    assert "Disposition_c" in custom.current().call_by_name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Disposition"}, "ends in _c"),
        ({"max_length": ""}, "A string attribute needs a maximum length"),
        ({"type": "integer"}, "Only string attributes have a maximum length"),
    ],
)
def test_the_admin_refuses_an_invalid_declaration(superuser_client, fields, message):
    data = {
        "name": "Disposition_c",
        "resource": "phoneCalls",
        "type": "string",
        "max_length": 80,
        "title": "D",
        **fields,
    }

    response = superuser_client.post(reverse("admin:calls_customattribute_add"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomAttribute.objects.exists()


def test_deleting_a_declaration_in_the_admin_keeps_the_values(
    superuser_client, declared, django_capture_on_commit_callbacks
):
    call = PhoneCallFactory(custom={"Score_c": 3})
    attribute = CustomAttribute.objects.get(name="Score_c")
    url = reverse("admin:calls_customattribute_delete", args=[attribute.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not CustomAttribute.objects.filter(name="Score_c").exists()
    assert "Score_c" not in custom.current().call_by_name
    call.refresh_from_db()
    assert call.custom == {"Score_c": 3}


def test_the_call_page_shows_and_saves_custom_attributes(superuser_client, declared):
    call = PhoneCallFactory(custom={"Disposition_c": "SALE", "Score_c": 5, "Old_c": "kept"})
    message = TranscriptMessageFactory(call=call)
    version = call.version
    response = superuser_client.get(change_url(call))
    content = response.content.decode()
    assert "Custom attributes" in content
    assert 'name="Disposition_c"' in content and 'value="SALE"' in content
    assert "Sentiment" in content  # the inline's column

    data = form_data(response)
    prefix = inline_prefix(response)
    data.update(
        Disposition_c="NO_SALE",
        Score_c="",
        Vip_c="true",
        FollowUpAt_c="2024-05-16 10:20:25",
        **{f"{prefix}-0-Sentiment_c": "GOOD"},
    )
    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    call.refresh_from_db()
    # Score_c cleared, Old_c (no longer declared) kept; the time in CALLBOOK_TIME_ZONE (UTC).
    assert call.custom == {
        "Disposition_c": "NO_SALE",
        "Vip_c": True,
        "FollowUpAt_c": "2024-05-16T10:20:25.000+00:00",
        "Old_c": "kept",
    }
    assert call.version == version + 1
    message.refresh_from_db()
    assert message.custom == {"Sentiment_c": "GOOD"}


def test_the_admin_validates_custom_values_as_the_api_does(superuser_client, declared):
    call = PhoneCallFactory()
    data = form_data(superuser_client.get(change_url(call)))
    data.update(Disposition_c="X" * 11, Score_c="1.5")

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"Disposition_c", "Score_c"}
    call.refresh_from_db()
    assert call.custom == {}


def test_a_new_call_in_the_admin_gets_its_custom_values(superuser_client, declared):
    response = superuser_client.get(reverse("admin:calls_phonecall_add"))
    data = form_data(response)
    data.update(call_number="ADMIN-1", interaction_id="7", Disposition_c="SALE")

    response = superuser_client.post(reverse("admin:calls_phonecall_add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert PhoneCall.objects.get().custom == {"Disposition_c": "SALE"}


def test_custom_attributes_add_no_query_to_the_call_page(
    superuser_client, declared, django_assert_num_queries
):
    call = PhoneCallFactory(messages=3, custom={"Disposition_c": "SALE"})
    ContentType.objects.get_for_model(PhoneCall)
    custom.current()  # the declarations are loaded: the steady state
    # session, user, the call, its messages, the access record (as without custom attributes)
    with django_assert_num_queries(5):
        assert superuser_client.get(change_url(call)).status_code == 200
