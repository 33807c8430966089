"""The change page of calls with thousands of messages: paged, bounded, and no edit lost."""

import re
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from calls import services
from calls.admin.transcript import NEW_PER_SAVE, PAGE_SIZE
from calls.models import PhoneCall, TranscriptMessage
from tests.admin.test_phone_calls import change_url, form_data, inline_prefix

pytestmark = pytest.mark.django_db
ACTOR = services.Actor("contact-centre")


def long_call(messages: int) -> PhoneCall:
    written = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 7, "phone_number": "+14155550100"},
        messages=[
            {
                "message_content": f"line {i}" + (" about the refund" if i % 500 == 0 else ""),
                "role_cd": "AGENT" if i % 2 else "CUSTOMER",
                "posted_by_display_name": "Sam",
            }
            for i in range(1, messages + 1)
        ],
    )
    return PhoneCall.objects.get(pk=written.call.pk)


def forms_of(response):
    return response.context["inline_admin_formsets"][0].formset.forms


@pytest.mark.parametrize("messages", [2_000, 5_000])
def test_the_change_page_of_a_long_call_opens_in_under_a_second(superuser_client, messages):
    call = long_call(messages)
    superuser_client.get(change_url(call))  # warm the templates and the content types
    started = time.perf_counter()
    response = superuser_client.get(change_url(call), {"tpage": 7})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    print(f"change page of a {messages}-message call: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    forms = forms_of(response)
    assert len(forms) == PAGE_SIZE
    first = 6 * PAGE_SIZE + 1
    assert forms[0].instance.message_content == f"line {first}"
    assert f"Messages {first}–{first + PAGE_SIZE - 1} of {messages}" in response.content.decode()


def test_the_change_page_costs_the_same_queries_at_7_and_5000_messages(
    superuser_client, django_assert_num_queries
):
    small, large = long_call(7), long_call(5_000)
    ContentType.objects.get_for_model(PhoneCall)
    # session, user, the call with its message count, the page of messages, and the
    # access record of the transcript view.
    with django_assert_num_queries(5):
        superuser_client.get(change_url(small))
    with django_assert_num_queries(5):
        superuser_client.get(change_url(large), {"tpage": 50})


def test_saving_one_message_of_a_5000_message_call_succeeds(superuser_client):
    call = long_call(5_000)
    url = change_url(call) + "?tpage=42"
    response = superuser_client.get(url)
    data = form_data(response)
    prefix = inline_prefix(response)
    target = forms_of(response)[10].instance
    data[f"{prefix}-10-message_content"] = "the corrected line"

    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    target.refresh_from_db()
    assert target.message_content == "the corrected line"
    assert target.version == 2
    call.refresh_from_db()
    assert call.version == 2
    assert TranscriptMessage.objects.filter(call=call).count() == 5_000
    # The others are untouched: one changed message, one history row of it.
    assert TranscriptMessage.history.filter(call_id=call.pk, history_type="~").count() == 1


def test_save_and_continue_comes_back_to_the_same_transcript_page(superuser_client):
    call = long_call(PAGE_SIZE * 4)
    url = change_url(call) + "?tpage=3"
    data = form_data(superuser_client.get(url))
    data["_continue"] = "Save and continue editing"
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith("?tpage=3")


def test_a_full_page_with_every_new_row_posts_fewer_fields_than_django_allows(
    superuser_client,
):
    call = long_call(PAGE_SIZE * 2)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for n in range(total, total + NEW_PER_SAVE):
        data[f"{prefix}-{n}-message_content"] = f"new {n}"
        data[f"{prefix}-{n}-role_cd"] = "AGENT"
        data[f"{prefix}-{n}-posted_by_display_name"] = "Sam"
        data[f"{prefix}-{n}-posted_by_party_id"] = "1"
        data[f"{prefix}-{n}-message_type_cd"] = "TEXT"
        data[f"{prefix}-{n}-visibility_cd"] = "EXTERNAL"
        data[f"{prefix}-{n}-message_number"] = f"NEW-{n}"
        data[f"{prefix}-{n}-deleted_flag"] = "on"
    data[f"{prefix}-TOTAL_FORMS"] = total + NEW_PER_SAVE
    # Every existing row with every box ticked too: the most a page can post.
    for n in range(total):
        data[f"{prefix}-{n}-deleted_flag"] = "on"
    fields = len(data) + 10  # the CSRF token, the save button, and room to spare
    print(f"the fullest page posts {fields} fields")
    # Even Django's default limit (1,000) would take it; ours is higher.
    assert fields < 1_000 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert call.messages.count() == PAGE_SIZE * 2 + NEW_PER_SAVE


def test_more_new_rows_than_a_save_takes_are_refused_and_kept(superuser_client):
    call = long_call(3)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    extra = NEW_PER_SAVE + 1
    for n in range(3, 3 + extra):
        data[f"{prefix}-{n}-message_content"] = f"typed {n}"
    data[f"{prefix}-TOTAL_FORMS"] = 3 + extra

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 200
    assert call.messages.count() == 3
    content = response.content.decode()
    assert "Please submit at most" in content
    assert f"typed {3 + extra - 1}" in content


def test_a_save_refused_by_the_service_says_why_and_keeps_what_was_typed(
    superuser_client, monkeypatch
):
    call = long_call(3)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    data[f"{inline_prefix(response)}-1-message_content"] = "my careful correction"
    data["phone_number"] = "+14155550111"

    def taken(**kwargs):
        raise services.DuplicateNumber(TranscriptMessage, "message_number", "MN-TAKEN")

    monkeypatch.setattr(services, "phone_call_admin_save", taken)
    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was saved: MessageNumber &#x27;MN-TAKEN&#x27; is already taken." in content
    assert "my careful correction" in content
    assert 'value="+14155550111"' in content
    call.refresh_from_db()
    assert call.phone_number == "+14155550100"


def test_a_save_over_a_newer_version_keeps_what_was_typed_and_can_be_applied_again(
    superuser_client,
):
    call = long_call(3)
    response = superuser_client.get(change_url(call))
    data = form_data(response)
    prefix = inline_prefix(response)
    data[f"{prefix}-2-message_content"] = "typed while someone else saved"
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+1999"})

    response = superuser_client.post(change_url(call), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "changed by someone else" in content
    assert "typed while someone else saved" in content
    # The page now carries the version it was refused at: saving again applies the edit.
    again = {**data, "loaded_version": response.context["adminform"].form["loaded_version"].value()}
    assert again["loaded_version"] == "2"
    response = superuser_client.post(change_url(call), again)
    assert response.status_code == 302
    third = call.messages.order_by("id")[2]
    assert third.message_content == "typed while someone else saved"


@pytest.mark.parametrize("asked", ["1234", "#1234"])
def test_go_to_a_message_by_its_position_opens_its_page(superuser_client, asked):
    call = long_call(2_000)
    response = superuser_client.get(change_url(call), {"tfind": asked})
    assert response.status_code == 302
    page = (1234 - 1) // PAGE_SIZE + 1
    assert response["Location"].endswith(f"?tpage={page}#message-1234")
    page = superuser_client.get(response["Location"].split("#")[0])
    assert 'id="message-1234"' in page.content.decode()


def test_go_to_a_message_by_its_message_number(superuser_client):
    call = long_call(300)
    wanted = call.messages.order_by("id")[249]
    response = superuser_client.get(change_url(call), {"tfind": wanted.message_number})
    page = (250 - 1) // PAGE_SIZE + 1
    assert response["Location"].endswith(f"?tpage={page}#message-250")


def test_go_to_words_shows_the_messages_that_contain_them_with_their_positions(
    superuser_client,
):
    call = long_call(2_000)
    response = superuser_client.get(change_url(call), {"tfind": "REFUND"})
    assert response.status_code == 200
    forms = forms_of(response)
    assert [f.position for f in forms] == [500, 1000, 1500, 2000]
    content = response.content.decode()
    assert "Messages 1–4 of the 4 containing “REFUND”" in content
    # The matches are editable like any page, and a save applies to them.
    data = form_data(response)
    data[f"{inline_prefix(response)}-3-role_cd"] = "SUPERVISOR"
    url = change_url(call) + "?tfind=REFUND"
    assert superuser_client.post(url, data).status_code == 302
    assert call.messages.order_by("id").last().role_cd == "SUPERVISOR"


def test_a_page_beyond_the_last_shows_the_last(superuser_client):
    call = long_call(PAGE_SIZE * 4 + 7)
    response = superuser_client.get(change_url(call), {"tpage": 99})
    assert len(forms_of(response)) == 7
    assert forms_of(response)[0].position == PAGE_SIZE * 4 + 1


def test_every_inline_input_is_named_for_its_column_and_message(superuser_client):
    call = long_call(PAGE_SIZE * 3)
    content = superuser_client.get(change_url(call), {"tpage": 2}).content.decode()
    for label in ("Text", "Role", "Posted by", "Party id", "Type", "Visibility", "Deleted"):
        assert f'aria-label="{label} of message {PAGE_SIZE + 1}"' in content, label
    assert f'aria-label="Delete of message {PAGE_SIZE * 2}"' in content
    assert 'aria-label="Text of the new message"' in content
    unnamed = [
        tag
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", content)
        if 'type="hidden"' not in tag
        and 'type="submit"' not in tag
        and "aria-label=" not in tag
        and not re.search(r'\bid="id_(?!messages-)', tag)  # the call's own fields have <label>
        and 'id="transcript-find"' not in tag
    ]
    assert unnamed == []
