"""Caller history: E.164 matching in the list, and the call page's other calls of a number."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db


def detail(call):
    return reverse("calls:detail", kwargs={"call_id": call.id})


def _numbers(response) -> list[str]:
    return [call.call_number for call in response.context["calls"]]


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


@pytest.fixture
def spellings(db):
    return [
        PhoneCallFactory(call_number="PLUS", phone_number="+14155550100", creation_date=ago(5)),
        PhoneCallFactory(call_number="DASH", phone_number="+1 415-555-0100", creation_date=ago(4)),
        PhoneCallFactory(call_number="PARENS", phone_number="(415) 555 0100", creation_date=ago(3)),
        PhoneCallFactory(call_number="OTHER", phone_number="+14155550199", creation_date=ago(2)),
        PhoneCallFactory(call_number="ANON", phone_number="anonymous", creation_date=ago(1)),
    ]


@pytest.mark.parametrize(
    "typed", ["415 555 0100", "(415) 555-0100", "+1 415 555 0100", "4155550100"]
)
def test_the_number_search_normalises_what_staff_type(viewer_client, spellings, typed):
    assert set(_numbers(viewer_client.get(LIST, {"q": typed}))) == {"PLUS", "DASH", "PARENS"}


def test_the_caller_filter_takes_any_spelling_and_unparseable_numbers_as_written(
    viewer_client, spellings
):
    assert _numbers(viewer_client.get(LIST, {"caller": "415.555.0100"})) == [
        "PARENS",
        "DASH",
        "PLUS",
    ]
    assert _numbers(viewer_client.get(LIST, {"caller": "anonymous"})) == ["ANON"]
    assert _numbers(viewer_client.get(LIST, {"caller": "nobody"})) == []


def test_the_call_page_lists_the_other_calls_from_the_number_newest_first(viewer_client, spellings):
    plus, dash, parens, *_ = spellings
    TranscriptMessageFactory(call=dash, message_content="Hello, my <order> is late")
    TranscriptMessageFactory(call=dash, message_content="second line")
    dash.recording_duration_ms = 95_000
    dash.save()
    PhoneCallFactory(call_number="GONE", phone_number="+14155550100", deleted_flag=True)

    response = viewer_client.get(detail(plus))

    history = response.context["history"]
    assert history.count == 2 and not history.capped
    assert [c.call_number for c in history.latest] == ["PARENS", "DASH"]
    html = response.content.decode()
    assert "Other calls from this number" in html
    assert "Hello, my &lt;order&gt; is late" in html and "second line" not in html
    assert '<time datetime="PT95S">1:35</time>' in html
    assert f'href="{LIST}?caller=%2B14155550100"' in html
    assert "No transcript" in html  # PARENS has none


def test_a_number_without_an_e164_form_finds_the_same_text_only(viewer_client, spellings):
    again = PhoneCallFactory(phone_number="anonymous")
    history = viewer_client.get(detail(again)).context["history"]
    assert [c.call_number for c in history.latest] == ["ANON"]


def test_a_call_without_a_number_has_no_history(viewer_client):
    call = PhoneCallFactory(phone_number=None)
    response = viewer_client.get(detail(call))
    assert response.context["history"] is None
    assert "Other calls from this number" not in response.content.decode()


def test_a_first_caller_is_told_so(viewer_client):
    call = PhoneCallFactory(phone_number="+4930123456")
    html = viewer_client.get(detail(call)).content.decode()
    assert "No other calls from this number." in html


def test_the_count_stops_at_its_cap(viewer_client, monkeypatch):
    from calls.models import PhoneCall
    from calls.staff import selectors

    monkeypatch.setattr(selectors, "HISTORY_COUNT_CAP", 12)
    PhoneCall.objects.bulk_create(
        PhoneCallFactory.build_batch(15, phone_number="+14155550100", creation_date=ago(9))
    )
    call = PhoneCallFactory(phone_number="+1 415 555 0100")
    response = viewer_client.get(detail(call))
    history = response.context["history"]
    assert (history.count, history.capped, len(history.latest)) == (12, True, 10)
    assert "12+ other calls" in response.content.decode()


@pytest.mark.parametrize("others", [1, 40])
def test_the_history_costs_two_queries_for_any_number_of_calls(
    viewer_client, django_assert_num_queries, others
):
    for i in range(others):
        PhoneCallFactory(phone_number="+14155550100", messages=3, creation_date=ago(i + 10))
    call = PhoneCallFactory(phone_number="(415) 555-0100", messages=5)
    # 1 session, 2 user, 3-4 permissions, 5 the call, 6 its messages, 7 the other calls'
    # count, 8 the latest ten with their first lines, 9 the access record of the view.
    with django_assert_num_queries(9):
        response = viewer_client.get(detail(call))
    assert len(response.context["history"].latest) == min(others, 10)
