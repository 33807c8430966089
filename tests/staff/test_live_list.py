"""The live list: /calls/new.json counts the calls of the list's filters that arrived."""

import pytest
from django.urls import reverse

from calls.models import PhoneCall
from calls.staff import selectors
from tests.factories import PhoneCallFactory

LIST = reverse("calls:list")
NEW = reverse("calls:list-updates")

pytestmark = pytest.mark.django_db


def test_the_list_hands_its_newest_call_and_filters_to_the_poll(viewer_client):
    newest = PhoneCallFactory()
    html = viewer_client.get(LIST, {"voicemail": "true", "page": "2", "sort": "phone"}).content
    html = html.decode()
    assert f'data-poll-url="{NEW}?voicemail=true&amp;after={newest.id}"' in html
    assert 'data-show-url="?voicemail=true&amp;sort=phone"' in html
    assert 'id="live" class="live" role="status"' in html
    assert "calls/list.js" in html


def test_new_calls_are_counted_with_the_lists_filters(viewer_client):
    seen = PhoneCallFactory()
    PhoneCallFactory(left_message_flag=True)
    PhoneCallFactory(left_message_flag=False)
    PhoneCallFactory(left_message_flag=True, deleted_flag=True)  # hidden like in the list
    response = viewer_client.get(NEW, {"after": seen.id, "voicemail": "true"})
    assert response.status_code == 200
    assert response.json() == {"new": 1, "more": False}
    assert viewer_client.get(NEW, {"after": seen.id}).json() == {"new": 2, "more": False}
    assert "no-store" in response["Cache-Control"]  # like every staff answer


def test_past_the_cap_it_says_more(viewer_client, monkeypatch):
    monkeypatch.setattr(selectors, "NEW_CALLS_CAP", 3)
    PhoneCall.objects.bulk_create(PhoneCallFactory.build_batch(5))
    assert viewer_client.get(NEW, {"after": 0}).json() == {"new": 3, "more": True}


def test_while_nothing_arrived_the_etag_answers_304_without_counting(
    viewer_client, django_assert_num_queries
):
    seen = PhoneCallFactory()
    first = viewer_client.get(NEW, {"after": seen.id})
    assert first.json() == {"new": 0, "more": False}
    etag = first["ETag"]
    assert etag == f'"{seen.id}"'
    # Session, user, two permission loads, the newest id: no count.
    with django_assert_num_queries(5):
        again = viewer_client.get(NEW, {"after": seen.id}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    PhoneCallFactory()
    # Session, user, two permission loads, the newest id, the count.
    with django_assert_num_queries(6):
        changed = viewer_client.get(NEW, {"after": seen.id}, headers={"If-None-Match": etag})
    assert changed.json() == {"new": 1, "more": False}
    assert changed["ETag"] != etag


@pytest.mark.parametrize("after", ["", "abc", "-1", "1e3", "٣", "9" * 19])
def test_a_bad_after_is_a_400(viewer_client, after):
    assert viewer_client.get(NEW, {"after": after}).status_code == 400


def test_the_poll_needs_the_permission(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(NEW, {"after": 0}).status_code == 403
