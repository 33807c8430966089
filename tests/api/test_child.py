"""/phoneCalls/{CallId}/child/TranscriptMessage: the child collection and its items
(contract §1, §2, §4, §6, §7)."""

import pytest

from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    COLLECTION_TYPE,
    ENVELOPE_KEYS,
    ITEM_TYPE,
    MESSAGE_KEYS,
    absolute,
    b64,
    call_url,
    content_url,
    message_url,
    messages_url,
    version_header,
)
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db


def version_of(call) -> int:
    return PhoneCall.objects.get(pk=call.pk).version


def message_ids(body) -> list[int]:
    return [item["MessageId"] for item in body["items"]]


# The collection


def test_the_child_collection_is_the_envelope_of_the_calls_messages_in_order(admin_api):
    call = PhoneCallFactory(messages=3)
    PhoneCallFactory(messages=2)  # another call's messages stay out
    response = admin_api.get(messages_url(call.id))
    assert response.status_code == 200
    assert response["Content-Type"] == COLLECTION_TYPE
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert message_ids(body) == list(call.messages.order_by("id").values_list("id", flat=True))
    assert all(set(item) == MESSAGE_KEYS for item in body["items"])
    assert body["links"] == [
        {
            "rel": "self",
            "href": absolute(messages_url(call.id)),
            "name": "TranscriptMessage",
            "kind": "collection",
        }
    ]


def test_the_child_collection_of_an_unknown_call_is_a_404(admin_api):
    call = PhoneCallFactory()
    assert admin_api.get(messages_url(call.id + 1000)).status_code == 404


def test_the_child_collection_pages_without_a_count(admin_api, django_assert_num_queries):
    call = PhoneCallFactory(messages=5)
    all_ids = list(call.messages.values_list("id", flat=True))
    body = admin_api.get(messages_url(call.id), {"limit": "2", "offset": "2"}).json()
    assert message_ids(body) == all_ids[2:4]
    assert (body["count"], body["hasMore"], body["limit"], body["offset"]) == (2, True, 2, 2)
    assert "totalResults" not in body


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "-1"},
        {"offset": "x"},
        {"orderBy": "Nope"},
        {"fields": "Nope"},
        {"expand": "TranscriptMessage"},
        {"finder": "PrimaryKey;CallId=1"},
        {"q": "Nope=1"},
        {"links": "friend"},
    ],
)
def test_bad_child_collection_parameters_are_a_400(admin_api, params):
    call = PhoneCallFactory(messages=1)
    assert admin_api.get(messages_url(call.id), params).status_code == 400


def test_the_child_primary_key_finder_names_a_message_id(admin_api):
    call = PhoneCallFactory(messages=3)
    wanted = call.messages.order_by("id")[1]
    body = admin_api.get(messages_url(call.id), {"finder": f"PrimaryKey;MessageId={wanted.id}"})
    assert message_ids(body.json()) == [wanted.id]


def test_the_child_finder_never_reaches_a_message_of_another_call(admin_api):
    call = PhoneCallFactory(messages=1)
    stranger = TranscriptMessageFactory()
    body = admin_api.get(
        messages_url(call.id), {"finder": f"PrimaryKey;MessageId={stranger.id}"}
    ).json()
    assert body["items"] == []


def test_the_child_collection_filters_with_q_in_both_syntaxes(admin_api):
    call = PhoneCallFactory(messages=4)
    agents = list(call.messages.filter(role_cd="AGENT").values_list("id", flat=True))
    assert message_ids(admin_api.get(messages_url(call.id), {"q": "RoleCd=AGENT"}).json()) == (
        agents
    )
    body = admin_api.get(
        messages_url(call.id), {"q": "RoleCd = 'AGENT' and MessageId > 0"}, **version_header(2)
    ).json()
    assert message_ids(body) == agents


def test_the_child_collection_shapes_with_fields_links_and_only_data(admin_api):
    call = PhoneCallFactory(messages=1)
    (item,) = admin_api.get(messages_url(call.id), {"fields": "MessageId,RoleCd"}).json()["items"]
    assert set(item) == {"MessageId", "RoleCd", "links"}
    (item,) = admin_api.get(messages_url(call.id), {"links": "parent"}).json()["items"]
    assert [entry["rel"] for entry in item["links"]] == ["parent"]
    (item,) = admin_api.get(messages_url(call.id), {"onlyData": "true"}).json()["items"]
    assert set(item) == MESSAGE_KEYS - {"links"}


# Items


def test_a_message_item_has_every_attribute_and_links_to_its_parent(admin_api):
    call = PhoneCallFactory(interaction_id=4242)
    message = TranscriptMessageFactory(
        call=call,
        message_content="Hello",
        role_cd="AGENT",
        message_number="MN-1",
        posted_by_party_id="300100",
        message_type_cd="TEXT",
        posted_by_display_name="Ann",
    )
    response = admin_api.get(message_url(call.id, message.id))
    assert response.status_code == 200
    assert response["Content-Type"] == ITEM_TYPE
    assert response["ETag"] == f'"{message.version}"'
    body = response.json()
    assert set(body) == MESSAGE_KEYS
    assert {k: body[k] for k in MESSAGE_KEYS - {"links", "CreationDate", "LastUpdateDate"}} == {
        "MessageId": message.id,
        "CallId": call.id,
        "DeletedFlag": False,
        "MessageContent": b64("Hello"),
        "MessageNumber": "MN-1",
        "MessageTypeCd": "TEXT",
        "PostedByDisplayName": "Ann",
        "PostedByPartyId": "300100",
        "RoleCd": "AGENT",
        "VisibilityCd": "EXTERNAL",
        "InteractionId": 4242,
        "CreatedBy": "factory",
        "LastUpdatedBy": "factory",
        "LastUpdateLogin": None,
    }
    href = absolute(message_url(call.id, message.id))
    assert body["links"] == [
        {
            "rel": "self",
            "href": href,
            "name": "TranscriptMessage",
            "kind": "item",
            "properties": {"changeIndicator": str(message.version)},
        },
        {"rel": "canonical", "href": href, "name": "TranscriptMessage", "kind": "item"},
        {
            "rel": "parent",
            "href": absolute(call_url(call.id)),
            "name": "phoneCalls",
            "kind": "item",
        },
        {
            "rel": "enclosure",
            "href": absolute(content_url(call.id, message.id)),
            "name": "MessageContent",
            "kind": "other",
        },
    ]


def test_a_message_without_content_has_no_enclosure_link(admin_api):
    message = TranscriptMessageFactory(message_content=None)
    body = admin_api.get(message_url(message.call_id, message.id)).json()
    assert body["MessageContent"] is None
    assert "enclosure" not in [entry["rel"] for entry in body["links"]]


@pytest.mark.parametrize("version", [6, 9])
def test_a_message_puts_its_links_under_context_from_version_6(admin_api, version):
    message = TranscriptMessageFactory()
    response = admin_api.get(message_url(message.call_id, message.id), **version_header(version))
    context = response.json()["@context"]
    assert (context["key"], context["headers"]) == (str(message.id), {"ETag": response["ETag"]})
    assert "links" not in response.json()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_message_under_another_call_is_a_404_and_stays_as_it_was(admin_api, method):
    owner = PhoneCallFactory(messages=1)
    stranger = PhoneCallFactory()
    message = owner.messages.get()
    versions = (version_of(owner), version_of(stranger))
    response = getattr(admin_api, method)(
        message_url(stranger.id, message.id),
        {"RoleCd": "X"} if method == "patch" else None,
        format="json",
    )
    assert response.status_code == 404
    assert TranscriptMessage.objects.get(pk=message.pk).role_cd == message.role_cd
    assert (version_of(owner), version_of(stranger)) == versions


# POST


def test_posting_a_message_creates_it_last_and_changes_the_calls_etag(admin_api, superuser):
    call = PhoneCallFactory(messages=1)
    before = admin_api.get(call_url(call.id))["ETag"]
    response = admin_api.post(
        messages_url(call.id),
        {"MessageContent": b64("Grüße"), "RoleCd": "CUSTOMER", "CallId": call.id},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MESSAGE_KEYS
    created = TranscriptMessage.objects.get(pk=body["MessageId"])
    assert created.call_id == call.id
    assert created.message_content == "Grüße"
    assert (body["VisibilityCd"], body["DeletedFlag"]) == ("EXTERNAL", False)
    assert (body["CreatedBy"], body["InteractionId"]) == (superuser.username, call.interaction_id)
    assert response["Location"] == absolute(message_url(call.id, created.id))
    assert response["ETag"] == f'"{created.version}"'
    assert message_ids(admin_api.get(messages_url(call.id)).json())[-1] == created.id
    assert admin_api.get(call_url(call.id))["ETag"] != before


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"MessageId": 5}, "MessageId"),
        ({"InteractionId": 5}, "InteractionId"),
        ({"CreatedBy": "me"}, "CreatedBy"),
        ({"RoleCd": 5.5}, "RoleCd"),
        ({"RoleCd": "R" * 31}, "RoleCd"),
        ({"MessageContent": "%%%"}, "MessageContent"),
        ({"MessageContent": b64(b"\xff\xfe")}, "MessageContent"),
        ({"Mood": "happy"}, "Mood"),
    ],
)
def test_a_bad_message_post_is_a_400_naming_the_attribute_and_creates_nothing(
    admin_api, payload, named
):
    call = PhoneCallFactory()
    version = version_of(call)
    response = admin_api.post(messages_url(call.id), payload, format="json")
    assert response.status_code == 400
    assert named in response.content.decode()
    assert call.messages.count() == 0
    assert version_of(call) == version


def test_a_posted_call_id_other_than_the_path_is_a_400(admin_api):
    call, other = PhoneCallFactory(), PhoneCallFactory()
    response = admin_api.post(messages_url(call.id), {"CallId": other.id}, format="json")
    assert response.status_code == 400
    assert "CallId" in response.content.decode()
    assert TranscriptMessage.objects.count() == 0


def test_posting_a_taken_message_number_is_a_400(admin_api):
    taken = TranscriptMessageFactory(message_number="MN-TAKEN")
    call = PhoneCallFactory()
    response = admin_api.post(messages_url(call.id), {"MessageNumber": "MN-TAKEN"}, format="json")
    assert response.status_code == 400
    assert "MN-TAKEN" in response.content.decode()
    assert TranscriptMessage.objects.get() == taken


# PATCH and DELETE


def test_patching_a_message_changes_only_what_was_sent_and_the_calls_etag(admin_api):
    call = PhoneCallFactory(messages=2)
    first, second = call.messages.order_by("id")
    call_version = version_of(call)
    response = admin_api.patch(
        message_url(call.id, first.id),
        {"RoleCd": "SUPERVISOR", "VisibilityCd": None},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["RoleCd"], body["VisibilityCd"]) == ("SUPERVISOR", "EXTERNAL")
    assert response["ETag"] == f'"{first.version + 1}"'
    changed = TranscriptMessage.objects.get(pk=first.pk)
    assert (changed.message_content, changed.message_number) == (
        first.message_content,
        first.message_number,
    )
    untouched = TranscriptMessage.objects.get(pk=second.pk)
    assert (untouched.role_cd, untouched.version) == (second.role_cd, second.version)
    assert version_of(call) == call_version + 1


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"MessageNumber": "MN-NEW"}, "MessageNumber"),
        ({"MessageId": 1}, "MessageId"),
        ({"InteractionId": 1}, "InteractionId"),
        ({"LastUpdatedBy": "me"}, "LastUpdatedBy"),
        ({"DeletedFlag": "no"}, "DeletedFlag"),
        ({"PostedByDisplayName": "x" * 65}, "PostedByDisplayName"),
    ],
)
def test_a_bad_message_patch_is_a_400_and_writes_nothing(admin_api, payload, named):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    versions = (version_of(call), message.version)
    response = admin_api.patch(message_url(call.id, message.id), payload, format="json")
    assert response.status_code == 400
    assert named in response.content.decode()
    after = TranscriptMessage.objects.get(pk=message.pk)
    assert (version_of(call), after.version) == versions
    assert after.role_cd == message.role_cd


def test_a_patched_call_id_other_than_the_path_is_a_400_and_the_same_one_is_fine(admin_api):
    call, other = PhoneCallFactory(messages=1), PhoneCallFactory()
    message = call.messages.get()
    url = message_url(call.id, message.id)
    assert admin_api.patch(url, {"CallId": other.id}, format="json").status_code == 400
    assert TranscriptMessage.objects.get(pk=message.pk).call_id == call.id
    assert admin_api.patch(url, {"CallId": call.id}, format="json").status_code == 200


def test_deleting_a_message_answers_204_and_changes_the_calls_etag(admin_api):
    call = PhoneCallFactory(messages=2)
    gone, kept = call.messages.order_by("id")
    before = admin_api.get(call_url(call.id))["ETag"]
    response = admin_api.delete(message_url(call.id, gone.id))
    assert response.status_code == 204
    assert response.content == b""
    assert message_ids(admin_api.get(messages_url(call.id)).json()) == [kept.id]
    assert admin_api.get(call_url(call.id))["ETag"] != before
    assert admin_api.get(message_url(call.id, gone.id)).status_code == 404


def test_put_on_a_message_is_a_405(admin_api):
    message = TranscriptMessageFactory()
    response = admin_api.put(message_url(message.call_id, message.id), {}, format="json")
    assert response.status_code == 405


# Concurrency control


def test_a_stale_if_match_on_a_message_is_a_412_with_its_current_etag(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    url = message_url(call.id, message.id)
    stale = admin_api.get(url)["ETag"]
    current = admin_api.patch(url, {"RoleCd": "A"}, format="json")["ETag"]
    call_version = version_of(call)
    for response in (
        admin_api.patch(url, {"RoleCd": "B"}, format="json", HTTP_IF_MATCH=stale),
        admin_api.delete(url, HTTP_IF_MATCH=stale),
    ):
        assert response.status_code == 412
        assert response["ETag"] == current
    assert TranscriptMessage.objects.get(pk=message.pk).role_cd == "A"
    assert version_of(call) == call_version


def test_the_message_etag_in_if_match_lets_patch_and_delete_through(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    url = message_url(call.id, message.id)
    etag = admin_api.get(url)["ETag"]
    response = admin_api.patch(url, {"RoleCd": "B"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert admin_api.delete(url, HTTP_IF_MATCH="*").status_code == 204


def test_if_none_match_on_a_message_is_a_304(admin_api):
    message = TranscriptMessageFactory()
    url = message_url(message.call_id, message.id)
    etag = admin_api.get(url)["ETag"]
    assert admin_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_calls_if_match_fails_after_any_change_of_a_message(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    etag = admin_api.get(call_url(call.id))["ETag"]
    admin_api.patch(message_url(call.id, message.id), {"RoleCd": "B"}, format="json")
    response = admin_api.patch(
        call_url(call.id), {"PhoneNumber": "+1"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412


# Query counts


@pytest.mark.parametrize("messages", [1, 50])
def test_the_child_collection_costs_three_queries_whatever_its_size(
    admin_api, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    # 1. SELECT the call
    # 2. SELECT the page of its messages
    # 3. INSERT the access record (a transcript view)
    with django_assert_num_queries(3):
        body = admin_api.get(messages_url(call.id), {"limit": "50"}).json()
    assert body["count"] == messages


@pytest.mark.parametrize("messages", [1, 50])
def test_a_message_get_costs_three_queries(admin_api, django_assert_num_queries, messages):
    call = PhoneCallFactory(messages=messages)
    message = call.messages.first()
    # 1. SELECT the call
    # 2. SELECT the message
    # 3. INSERT the access record (a transcript view)
    with django_assert_num_queries(3):
        assert admin_api.get(message_url(call.id, message.id)).status_code == 200


@pytest.mark.parametrize("messages", [1, 50])
def test_a_message_post_costs_the_same_queries(admin_api, django_assert_num_queries, messages):
    call = PhoneCallFactory(messages=messages)
    # 1. SELECT the call
    # 2. SAVEPOINT
    # 3. SELECT the call's version FOR UPDATE
    # 4. UPDATE the call's version and who-columns
    # 5. INSERT the message
    # 6. INSERT its history row
    # 7. RELEASE SAVEPOINT
    with django_assert_num_queries(7):
        response = admin_api.post(messages_url(call.id), {"RoleCd": "AGENT"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("messages", [1, 50])
def test_a_message_patch_costs_the_same_queries(admin_api, django_assert_num_queries, messages):
    call = PhoneCallFactory(messages=messages)
    message = call.messages.first()
    # 1. SELECT the call
    # 2. SELECT the message
    # 3. SAVEPOINT
    # 4. SELECT the call's version FOR UPDATE
    # 5. UPDATE the call's version and who-columns
    # 6. SELECT the message's version
    # 7. UPDATE the message
    # 8. INSERT the message's history row
    # 9. RELEASE SAVEPOINT
    with django_assert_num_queries(9):
        response = admin_api.patch(message_url(call.id, message.id), {"RoleCd": "X"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("messages", [1, 50])
def test_a_message_delete_costs_the_same_queries(admin_api, django_assert_num_queries, messages):
    call = PhoneCallFactory(messages=messages)
    message = call.messages.first()
    # 1. SELECT the call
    # 2. SELECT the message
    # 3. SAVEPOINT
    # 4. SELECT the call's version FOR UPDATE
    # 5. UPDATE the call's version and who-columns
    # 6. SELECT the message's version
    # 7. DELETE the message
    # 8. INSERT the message's history row
    # 9. RELEASE SAVEPOINT
    with django_assert_num_queries(9):
        assert admin_api.delete(message_url(call.id, message.id)).status_code == 204
