"""The times in the admin: the inline transcript shows and edits each message's start and
end (validated 0 <= start <= end), the call's start is among its custom attributes, and a
WebVTT upload sets the times of a call's messages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calls.models import CustomAttribute, PhoneCall, TranscriptMessage
from tests.admin.test_phone_calls import change_url, form_data, inline_prefix
from tests.factories import PhoneCallFactory, TranscriptMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

START, END = "StartOffsetMs_c", "EndOffsetMs_c"


def import_url(call: PhoneCall) -> str:
    return reverse("admin:calls_phonecall_import_vtt", args=[call.pk])


def test_the_inline_transcript_shows_and_edits_the_times(superuser_client):
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, custom={START: 1_000, END: 2_000})
    page = superuser_client.get(change_url(call))
    html = page.content.decode()
    assert f'name="{inline_prefix(page)}-0-{START}"' in html and 'value="1000"' in html
    assert "CallStartTime_c" in page.context["adminform"].form.fields

    data = form_data(page)
    data[f"{inline_prefix(page)}-0-{END}"] = "2500"
    data["CallStartTime_c"] = "2025-03-04 09:15:00"
    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    message.refresh_from_db()
    assert message.custom == {START: 1_000, END: 2_500}
    call.refresh_from_db()
    assert call.call_time.isoformat() == "2025-03-04T09:15:00+00:00"  # the list's time too


def test_the_inline_refuses_an_end_before_the_start(superuser_client):
    call = PhoneCallFactory()
    message = TranscriptMessageFactory(call=call, custom={START: 5_000})
    page = superuser_client.get(change_url(call))
    data = form_data(page)
    data[f"{inline_prefix(page)}-0-{END}"] = "4000"

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 200
    assert "must not be before StartOffsetMs_c (5000)" in response.content.decode()
    message.refresh_from_db()
    assert message.custom == {START: 5_000}


def test_a_timing_attribute_cannot_be_declared_with_another_type():
    attribute = CustomAttribute(
        name=START, resource="TranscriptMessage", type="string", max_length=9, title="S"
    )
    with pytest.raises(Exception, match="must be of type Integer"):
        attribute.full_clean()


def test_the_change_page_links_to_the_webvtt_import(superuser_client):
    call = PhoneCallFactory()
    assert import_url(call) in superuser_client.get(change_url(call)).content.decode()


def test_a_webvtt_upload_sets_the_times_and_says_what_it_did(
    superuser_client, django_assert_num_queries
):
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, message_number="MN-1")
    upload = SimpleUploadedFile(
        "t.vtt",
        b"WEBVTT\n\nMN-1\n00:00:01.250 --> 00:00:02.000\nA: hi\n\n"
        b"MN-9\n00:00:03.000 --> 00:00:04.000\nB: ?\n",
        content_type="text/vtt",
    )
    # 1 session, 2 user, 3 the call; 4 SAVEPOINT, 5 the call's row lock, 6 the messages
    # the cues name, 7 the call's version, 8 the messages' times, 9 their history rows,
    # 10 RELEASE (no webhook is subscribed: no outbox row)
    with django_assert_num_queries(10):
        response = superuser_client.post(import_url(call), {"file": upload})

    assert response.status_code == 302 and response["Location"] == change_url(call)
    assert TranscriptMessage.objects.get(message_number="MN-1").custom == {
        START: 1_250,
        END: 2_000,
    }
    page = superuser_client.get(change_url(call)).content.decode()
    assert "1 message(s) got new times." in page and "MN-9" in page


def test_a_bad_upload_is_shown_again_with_the_reason(superuser_client):
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, message_number="MN-1")
    upload = SimpleUploadedFile("t.vtt", b"hello", content_type="text/vtt")

    response = superuser_client.post(import_url(call), {"file": upload})

    assert response.status_code == 200
    assert "Nothing was imported: the file is not WebVTT" in response.content.decode()
    assert TranscriptMessage.objects.get(message_number="MN-1").custom == {}


def test_the_upload_needs_the_change_permission(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_phonecall"))
    client.force_login(viewer)
    call = PhoneCallFactory()

    assert client.get(import_url(call)).status_code == 403
    assert import_url(call) not in client.get(change_url(call)).content.decode()
