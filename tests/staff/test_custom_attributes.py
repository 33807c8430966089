"""The call page shows the declared custom attributes of the call and of each message."""

import pytest
from django.urls import reverse

from calls import services
from calls.models import CustomAttribute
from calls.oracle import custom
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture
def declared(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for name, resource, kind, length, title in (
            ("Disposition_c", "phoneCalls", "string", 40, "Disposition"),
            ("Vip_c", "phoneCalls", "boolean", None, "VIP"),
            ("FollowUpAt_c", "phoneCalls", "datetime", None, "Follow up at"),
            ("Score_c", "phoneCalls", "integer", None, "Score"),
            ("Sentiment_c", "TranscriptMessage", "string", 40, "Sentiment"),
        ):
            services.custom_attribute_save(
                attribute=CustomAttribute(
                    name=name, resource=resource, type=kind, max_length=length, title=title
                )
            )


def detail(call):
    return reverse("calls:detail", kwargs={"call_id": call.id})


def test_the_call_page_shows_the_call_s_custom_attributes(viewer_client, declared, settings):
    settings.CALLBOOK_DISPLAY_TIME_ZONE = "Europe/Berlin"
    call = PhoneCallFactory(
        custom={
            "Disposition_c": XSS,
            "Vip_c": True,
            "FollowUpAt_c": "2024-05-16T10:20:25.453+00:00",
            "Gone_c": "not declared",
        }
    )

    content = viewer_client.get(detail(call)).content.decode()

    assert '<div class="props__custom"><dt>Disposition</dt><dd>&lt;img src=x' in content
    assert XSS not in content
    assert "<dt>VIP</dt><dd>Yes</dd>" in content
    assert (
        '<time datetime="2024-05-16T12:20:25.453000+02:00">2024-05-16 12:20:25 +02:00</time>'
        in (content)
    )
    assert "<dt>Score</dt><dd>—</dd>" in content
    assert "not declared" not in content


def test_each_message_shows_its_custom_values(viewer_client, declared):
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, custom={"Sentiment_c": XSS})
    TranscriptMessageFactory(call=call)

    content = viewer_client.get(detail(call)).content.decode()

    assert content.count('<span class="msg__custom">') == 1
    assert '<span class="msg__custom">Sentiment: &lt;img src=x onerror=&quot;' in content


@pytest.mark.parametrize("messages", [1, 30])
def test_custom_attributes_cost_the_call_page_no_query(
    viewer_client, declared, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages, custom={"Disposition_c": "SALE"})
    custom.current()  # the declarations are loaded: the steady state
    # 1 session, 2 user, 3-4 permissions, 5 the call, 6 its visible messages (their custom
    # values a column of the same query), 7 the caller's other calls (none), 8 the access
    # record: as without them.
    with django_assert_num_queries(8):
        response = viewer_client.get(detail(call))
    assert response.content.decode().count('<li class="msg ') == messages


def test_without_declarations_the_page_is_as_before(viewer_client):
    call = PhoneCallFactory(custom={"Disposition_c": "SALE"})
    TranscriptMessageFactory(call=call, custom={"Sentiment_c": "GOOD"})

    content = viewer_client.get(detail(call)).content.decode()

    assert "props__custom" not in content and "msg__custom" not in content
