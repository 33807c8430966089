"""A searched list is not counted: its page and one row more, "more than" when it has one.

Counting a common word's matches costs a probe per match (calls.staff.selectors,
``LookaheadPaginator``); the page says what it knows, and today's bar of the chart is read
off the first page (newest first) or counted up to a page.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import PhoneCall
from calls.staff import selectors
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db


def _said(n, *, text="the warranty ran out", when=None):
    calls = []
    for _ in range(n):
        call = PhoneCallFactory(call_time=when or timezone.now())
        TranscriptMessageFactory(call=call, message_content=text)
        calls.append(call)
    return calls


def _texts(response):
    html = response.content.decode()
    head = re.search(r'class="page-head__count">([^<]*)<', html).group(1)
    summary = re.search(r'class="pager__summary">([^<]*)<', html)
    return head, summary.group(1) if summary else None, html


def test_a_search_with_more_than_a_page_says_more_than_and_links_no_last_page(viewer_client):
    _said(53)
    response = viewer_client.get(LIST, {"q": "warranty"})
    head, summary, html = _texts(response)
    assert head == "More than 50 calls match"
    assert summary == "Calls 1–50 of more than 50"
    assert 'aria-current="page">Page 1</span>' in html
    assert 'aria-label="Last page"' not in html  # not known
    assert 'rel="next"' in html
    assert len(response.context["calls"]) == 50

    response = viewer_client.get(LIST, {"q": "warranty", "page": "2"})
    head, summary, html = _texts(response)
    assert head == "53 calls match"  # the walk reached the end: exact
    assert summary == "Calls 51–53"
    assert 'rel="next"' not in html and 'rel="prev"' in html
    assert len(response.context["calls"]) == 3


def test_a_search_within_a_page_is_counted_exactly(viewer_client):
    _said(3)
    PhoneCallFactory()  # says nothing of the kind
    head, summary, _ = _texts(viewer_client.get(LIST, {"q": "warranty"}))
    assert head == "3 calls match"
    assert summary is None  # one page: no pager


def test_exactly_a_page_of_matches_is_not_more(viewer_client):
    _said(50)
    head, _, html = _texts(viewer_client.get(LIST, {"q": "warranty"}))
    assert head == "50 calls match"
    assert 'rel="next"' not in html


def test_a_page_past_the_last_match_shows_the_first(viewer_client):
    calls = _said(4)
    response = viewer_client.get(LIST, {"q": "warranty", "page": "9"})
    assert response.context["page"].number == 1
    assert {c.id for c in response.context["calls"]} == {c.id for c in calls}
    for bad in ("0", "-3", "x", "999999999999"):
        assert viewer_client.get(LIST, {"q": "warranty", "page": bad}).status_code == 200


def test_the_unsearched_list_is_still_counted(viewer_client):
    PhoneCall.objects.bulk_create(PhoneCallFactory.build_batch(53))
    head, summary, html = _texts(viewer_client.get(LIST))
    assert head == "53 calls"
    assert summary == "Calls 1–50 of 53" and 'aria-label="Last page"' in html


def test_todays_bar_of_a_search_is_read_off_the_first_page(viewer_client):
    yesterday = timezone.now() - datetime.timedelta(days=1, hours=1)
    _said(2, when=yesterday)
    _said(3)
    response = viewer_client.get(LIST, {"q": "warranty"})
    chart = response.context["chart"]
    assert chart.bars[-1].count == 3 and not chart.at_least
    assert chart.bars[-2].count + chart.bars[-3].count == 2  # yesterday, in the display zone


def test_more_than_a_page_of_todays_matches_reads_more_than(viewer_client):
    _said(52)
    for params in ({"q": "warranty"}, {"q": "warranty", "sort": "phone"}):
        response = viewer_client.get(LIST, params)
        chart = response.context["chart"]
        assert chart.at_least and chart.bars[-1].at_least
        assert chart.bars[-1].count == selectors.PAGE_SIZE
        html = response.content.decode()
        assert f"more than {selectors.PAGE_SIZE} in total" in html
        assert f"more than {selectors.PAGE_SIZE} calls</title>" in html


def test_todays_bar_in_another_order_is_counted_exactly_within_a_page(viewer_client):
    _said(3)
    _said(2, text="nothing to see")
    chart = viewer_client.get(LIST, {"q": "warranty", "sort": "phone"}).context["chart"]
    assert chart.bars[-1].count == 3 and not chart.at_least


def test_the_search_finds_calls_by_number_or_by_words_once_each(viewer_client):
    by_number = PhoneCallFactory(phone_number="+14155550123")
    TranscriptMessageFactory(call=by_number, message_content="warranty and 555 again")
    TranscriptMessageFactory(call=by_number, message_content="555")
    by_words = _said(1, text="call me on 555")[0]
    ids = [c.id for c in viewer_client.get(LIST, {"q": "555"}).context["calls"]]
    assert sorted(ids) == sorted([by_number.id, by_words.id])  # no duplicates
