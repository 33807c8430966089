"""The admin: change list, change page with the transcript inline, saves through services."""

import io
import wave

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calls.admin.forms import TranscriptMessageInlineForm
from calls.admin.renderers import TRANSCRIPT_RENDERER
from calls.admin.transcript import PAGE_SIZE
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def changelist():
    return reverse("admin:calls_phonecall_changelist")


def add_url():
    return reverse("admin:calls_phonecall_add")


def change_url(call):
    return reverse("admin:calls_phonecall_change", args=[call.pk])


def wav_bytes(seconds=1.0):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(2 * int(8000 * seconds)))
    return buffer.getvalue()


def form_data(response):
    """The POST data the change page would send back untouched, read from its forms."""
    data = {}
    adminform = response.context["adminform"].form
    for name, field in adminform.fields.items():
        if field.disabled:
            continue
        value = adminform[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None and name not in ("recording_file",):
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        management = fs.management_form
        for name in management.fields:
            data[f"{fs.prefix}-{name}"] = management[name].value()
        for form in fs.forms:
            for name, field in form.fields.items():
                if field.disabled:
                    continue
                value = form[name].value()
                key = form.add_prefix(name)
                if isinstance(value, bool):
                    if value:
                        data[key] = "on"
                elif value is not None:
                    data[key] = value
    return data


def inline_prefix(response):
    return response.context["inline_admin_formsets"][0].formset.prefix


def test_change_list_shows_the_calls_with_their_message_counts(superuser_client):
    call = PhoneCallFactory(messages=3, phone_number="+14155550123")
    response = superuser_client.get(changelist())
    assert response.status_code == 200
    content = response.content.decode()
    assert call.call_number in content
    assert "+14155550123" in content
    assert response.context["cl"].result_list[0].message_count == 3


@pytest.mark.parametrize("calls", [5, 50])
def test_change_list_query_count_is_the_same_for_5_and_50_calls(
    superuser_client, django_assert_num_queries, calls
):
    for _ in range(calls):
        PhoneCallFactory(messages=2)
    # session, user, the paginator's COUNT (without the message counts), the page of
    # calls with their message counts (one correlated subquery), and the date hierarchy's
    # MIN/MAX and its distinct days.
    with django_assert_num_queries(6):
        response = superuser_client.get(changelist())
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == calls


def test_change_list_searches_call_number_phone_number_and_external_id(superuser_client):
    wanted = PhoneCallFactory(
        call_number="FIND-ME-1", phone_number="+14155559876", external_system_call_id="EXT-XYZ"
    )
    PhoneCallFactory(call_number="OTHER-1", phone_number="+14155550000")
    for term in ("FIND-ME", "9876", "EXT-XYZ"):
        response = superuser_client.get(changelist(), {"q": term})
        assert list(response.context["cl"].result_list) == [wanted], term


def test_change_list_filters_by_left_message_and_deleted_flags(superuser_client):
    voicemail = PhoneCallFactory(left_message_flag=True)
    deleted = PhoneCallFactory(deleted_flag=True)
    PhoneCallFactory()
    response = superuser_client.get(changelist(), {"left_message_flag__exact": "1"})
    assert list(response.context["cl"].result_list) == [voicemail]
    response = superuser_client.get(changelist(), {"deleted_flag__exact": "1"})
    assert list(response.context["cl"].result_list) == [deleted]


def test_change_page_shows_the_transcript_inline_in_insertion_order(superuser_client):
    call = PhoneCallFactory()
    first = TranscriptMessageFactory(call=call, message_content="first words")
    second = TranscriptMessageFactory(call=call, message_content="second words")
    response = superuser_client.get(change_url(call))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance.pk for form in formset.forms] == [first.pk, second.pk]
    content = response.content.decode()
    assert content.index("first words") < content.index("second words")


def test_change_page_query_count_does_not_grow_with_messages(
    superuser_client, django_assert_num_queries
):
    small = PhoneCallFactory(messages=1)
    large = PhoneCallFactory(messages=40)
    # The change page looks up the call's content type once per process (ContentType's
    # cache): warm it, so the count does not depend on which test ran first.
    ContentType.objects.get_for_model(PhoneCall)
    # session, user, the call (with its message count), the call's messages, and the
    # access record of the transcript view (one INSERT … WHERE NOT EXISTS, deduped).
    with django_assert_num_queries(5) as few:
        superuser_client.get(change_url(small))
    with django_assert_num_queries(len(few.captured_queries)):
        superuser_client.get(change_url(large))


def test_change_page_shows_the_who_columns_and_version_read_only(superuser_client):
    call = PhoneCallFactory(created_by="integration-bot")
    response = superuser_client.get(change_url(call))
    form = response.context["adminform"].form
    for name in ("created_by", "creation_date", "last_updated_by", "version", "call_number"):
        assert name not in form.fields
    assert "integration-bot" in response.content.decode()


def test_change_page_has_an_upload_field_and_no_player_without_a_recording(superuser_client):
    call = PhoneCallFactory()
    response = superuser_client.get(change_url(call))
    content = response.content.decode()
    assert 'name="recording_file"' in content
    assert "<audio" not in content
    assert "No recording." in content


def test_change_page_plays_the_recording_from_the_recording_page(superuser_client):
    call = PhoneCallFactory(recording="recordings/2026/01/abc", recording_format="audio/wav")
    response = superuser_client.get(change_url(call))
    recording_url = reverse("calls:recording", kwargs={"call_id": call.pk})
    content = response.content.decode()
    # preload="none": opening the page fetches nothing, so it records no play.
    audio = '<audio id="player" class="callbook-player__audio" controls preload="none"'
    assert f'{audio} src="{recording_url}?v=1"' in content
    # The staff page's controls, driven by its script.
    assert "data-player-speed" in content
    assert 'data-player-seek="-5"' in content
    assert '<script src="/static/calls/call.js" defer>' in content


def test_saving_with_messages_bumps_the_version_and_sets_who_columns(superuser_client, superuser):
    call = PhoneCallFactory(messages=2, phone_number="+10000000000")
    version = call.version
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    data["phone_number"] = "+14155550999"
    data[f"{prefix}-0-message_content"] = "edited by the admin"
    data[f"{prefix}-1-DELETE"] = "on"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = total + 1
    data[f"{prefix}-{total}-message_number"] = "ADMIN-NEW-1"
    data[f"{prefix}-{total}-message_content"] = "added inline"
    data[f"{prefix}-{total}-role_cd"] = "SUPERVISOR"
    data[f"{prefix}-{total}-visibility_cd"] = ""

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    call.refresh_from_db()
    assert call.phone_number == "+14155550999"
    assert call.version == version + 1  # one save, one bump
    assert call.last_updated_by == superuser.username
    assert call.last_update_login
    messages = list(call.messages.all())
    assert [m.message_content for m in messages] == ["edited by the admin", "added inline"]
    edited, added = messages
    assert edited.last_updated_by == superuser.username
    assert edited.version == 2
    assert added.created_by == superuser.username
    assert added.last_updated_by == superuser.username
    assert added.creation_date is not None
    assert added.visibility_cd == TranscriptMessage.EXTERNAL


def test_changing_only_a_message_bumps_the_call_version(superuser_client):
    call = PhoneCallFactory(messages=1)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data[f"{inline_prefix(response)}-0-role_cd"] = "SUPERVISOR"
    superuser_client.post(change_url(call), data)
    call.refresh_from_db()
    assert call.version == 2
    assert call.messages.get().role_cd == "SUPERVISOR"


def test_saving_without_changes_leaves_the_version_alone(superuser_client):
    call = PhoneCallFactory(messages=2)
    response = superuser_client.get(change_url(call))
    response = superuser_client.post(change_url(call), form_data(response))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.version == 1
    assert call.last_updated_by == "factory"


def test_saving_over_a_newer_version_is_refused(superuser_client):
    call = PhoneCallFactory()
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    PhoneCall.objects.filter(pk=call.pk).update(version=5)  # somebody else saved meanwhile
    data["phone_number"] = "+19999999999"
    response = superuser_client.post(change_url(call), data)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    call.refresh_from_db()
    assert call.phone_number != "+19999999999"


def test_message_numbers_cannot_be_changed_once_created(superuser_client):
    call = PhoneCallFactory(messages=1)
    number = call.messages.get().message_number
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data[f"{inline_prefix(response)}-0-message_number"] = "CHANGED"
    superuser_client.post(change_url(call), data)
    assert call.messages.get().message_number == number


def test_adding_a_call_with_messages_sets_who_columns(superuser_client, superuser):
    response = superuser_client.get(add_url())
    data = form_data(response)
    prefix = inline_prefix(response)
    data.update(
        {
            "call_number": "ADMIN-CALL-1",
            "interaction_id": "42",
            "phone_number": "+14155550001",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-message_number": "ADMIN-CALL-1-M1",
            f"{prefix}-0-message_content": "hello",
            f"{prefix}-0-visibility_cd": "INTERNAL",
        }
    )
    response = superuser_client.post(add_url(), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    call = PhoneCall.objects.get(call_number="ADMIN-CALL-1")
    assert call.version == 1
    assert call.created_by == call.last_updated_by == superuser.username
    message = call.messages.get()
    assert message.created_by == superuser.username
    assert message.visibility_cd == TranscriptMessage.INTERNAL


def test_recording_upload_is_stored_through_storage(superuser_client):
    call = PhoneCallFactory()
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    content = wav_bytes()
    data["recording_file"] = SimpleUploadedFile("hello.wav", content, content_type="audio/wav")
    response = superuser_client.post(change_url(call), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    call.refresh_from_db()
    assert call.recording.name
    assert call.recording.storage.exists(call.recording.name)
    with call.recording.open("rb") as stored:
        assert stored.read() == content
    assert call.recording_format == "audio/wav"
    assert call.version == 2


def test_a_non_audio_upload_is_refused(superuser_client):
    call = PhoneCallFactory()
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data["recording_file"] = SimpleUploadedFile("notes.txt", b"hi", content_type="text/plain")
    response = superuser_client.post(change_url(call), data)
    assert response.status_code == 200
    call.refresh_from_db()
    assert not call.recording


def test_removing_the_recording_deletes_the_file_after_commit(
    superuser_client, django_capture_on_commit_callbacks
):
    call = PhoneCallFactory()
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data["recording_file"] = SimpleUploadedFile("a.wav", wav_bytes(), content_type="audio/wav")
    superuser_client.post(change_url(call), data)
    call.refresh_from_db()
    name = call.recording.name

    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data["clear_recording"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(change_url(call), data)
    call.refresh_from_db()
    assert not call.recording
    assert call.recording_format is None
    assert not call.recording.storage.exists(name)


def test_deleting_a_call_in_the_admin_removes_its_messages_and_recording(
    superuser_client, django_capture_on_commit_callbacks
):
    call = PhoneCallFactory(messages=3)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data["recording_file"] = SimpleUploadedFile("a.wav", wav_bytes(), content_type="audio/wav")
    superuser_client.post(change_url(call), data)
    call.refresh_from_db()
    name = call.recording.name
    delete = reverse("admin:calls_phonecall_delete", args=[call.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not PhoneCall.objects.filter(pk=call.pk).exists()
    assert not TranscriptMessage.objects.filter(call_id=call.pk).exists()
    assert not call.recording.storage.exists(name)


def test_a_call_with_500_messages_opens_and_saves_its_last_page(superuser_client):
    call = PhoneCallFactory(messages=500)
    url = change_url(call) + f"?tpage={500 // PAGE_SIZE}"
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == PAGE_SIZE
    data = form_data(response)
    data[f"{inline_prefix(response)}-{PAGE_SIZE - 1}-message_content"] = "the last word"
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    call.refresh_from_db()
    assert call.version == 2
    assert call.messages.count() == 500
    assert call.messages.order_by("id").last().message_content == "the last word"


def test_the_transcript_renderer_writes_the_same_markup_as_djangos_templates():
    message = TranscriptMessageFactory.build(
        pk=7, message_content='<b>"quoted" & <escaped></b>', deleted_flag=True, role_cd=None
    )
    data = {"message_content": "x", "visibility_cd": "INTERNAL"}
    for form_kwargs in ({"instance": message}, {"instance": message, "data": data}):
        fast = TranscriptMessageInlineForm(renderer=TRANSCRIPT_RENDERER, **form_kwargs)
        slow = TranscriptMessageInlineForm(**form_kwargs)
        for name in fast.fields:
            assert str(fast[name]) == str(slow[name]), name
            assert str(fast[name].errors) == str(slow[name].errors), name


def test_admin_edits_of_messages_are_recorded_in_the_change_history(superuser_client, superuser):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    data[f"{prefix}-0-message_content"] = "corrected"
    data[f"{prefix}-TOTAL_FORMS"] = 2
    data[f"{prefix}-1-message_number"] = "HIST-NEW"
    data[f"{prefix}-1-message_content"] = "added"
    superuser_client.post(change_url(call), data)
    changed = message.history.latest()
    assert (changed.history_type, changed.message_content) == ("~", "corrected")
    assert changed.history_user == superuser
    added = TranscriptMessage.history.get(message_number="HIST-NEW")
    assert (added.history_type, added.history_user) == ("+", superuser)


def test_history_revert_is_disabled_so_writes_stay_in_the_service(superuser_client):
    call = PhoneCallFactory()
    response = superuser_client.get(reverse("admin:calls_phonecall_history", args=[call.pk]))
    assert response.status_code == 200
    assert admin.site._registry[PhoneCall].revert_disabled(None, call) is True


def test_admin_saves_keep_the_duration_and_the_e164_number(
    superuser_client, django_capture_on_commit_callbacks
):
    call = PhoneCallFactory(phone_number="+14155550100")
    data = form_data(superuser_client.get(change_url(call)))
    data["phone_number"] = "020 7946 0000"
    data["recording_file"] = SimpleUploadedFile("a.wav", wav_bytes(2.0), content_type="audio/wav")
    assert superuser_client.post(change_url(call), data).status_code == 302
    call.refresh_from_db()
    assert call.recording_duration_ms == 2000
    assert call.phone_number_e164 is None  # not a possible number in the default region (US)
    data = form_data(superuser_client.get(change_url(call)))
    data["phone_number"] = "+44 20 7946 0000"
    data["clear_recording"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert superuser_client.post(change_url(call), data).status_code == 302
    call.refresh_from_db()
    assert (call.recording_duration_ms, call.phone_number_e164) == (None, "+442079460000")
    assert call.phone_number == "+44 20 7946 0000"


def test_a_call_added_in_the_admin_gets_its_e164_number(superuser_client):
    response = superuser_client.get(add_url())
    data = form_data(response)
    prefix = inline_prefix(response)
    data.update(
        {
            "call_number": "ADMIN-E164",
            "interaction_id": "42",
            "phone_number": "(415) 555-0100",
            f"{prefix}-TOTAL_FORMS": "0",
        }
    )
    assert superuser_client.post(add_url(), data).status_code == 302
    assert PhoneCall.objects.get(call_number="ADMIN-E164").phone_number_e164 == "+14155550100"
