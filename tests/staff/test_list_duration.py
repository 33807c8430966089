"""The list's duration column: shown, sorted both ways (unknown last), filtered by minutes."""

import pytest
from django.urls import reverse

from tests.factories import PhoneCallFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    return [call.call_number for call in response.context["calls"]]


@pytest.fixture
def timed(db):
    return {
        "short": PhoneCallFactory(call_number="SHORT", recording_duration_ms=45_000),
        "unknown": PhoneCallFactory(call_number="UNKNOWN", recording_duration_ms=None),
        "long": PhoneCallFactory(call_number="LONG", recording_duration_ms=3_725_400),
        "mid": PhoneCallFactory(call_number="MID", recording_duration_ms=185_000),
    }


def test_durations_are_shown_as_minutes_and_seconds_with_a_machine_form(viewer_client, timed):
    html = viewer_client.get(LIST).content.decode()
    assert '<time datetime="PT45S">0:45</time>' in html
    assert '<time datetime="PT185S">3:05</time>' in html
    assert '<time datetime="PT3725S">1:02:05</time>' in html
    assert 'aria-label="Unknown">—</span>' in html


def test_the_duration_column_sorts_longest_first_then_shortest_first_unknown_last(
    viewer_client, timed
):
    first = viewer_client.get(LIST).content.decode()
    assert "?sort=-duration" in first  # the first click sorts longest first
    assert _numbers(viewer_client.get(LIST, {"sort": "-duration"})) == [
        "LONG",
        "MID",
        "SHORT",
        "UNKNOWN",
    ]
    response = viewer_client.get(LIST, {"sort": "duration"})
    assert _numbers(response) == ["SHORT", "MID", "LONG", "UNKNOWN"]
    assert 'aria-sort="ascending"' in response.content.decode()


def test_longer_than_and_shorter_than_take_minutes_and_leave_unknown_out(viewer_client, timed):
    assert _numbers(viewer_client.get(LIST, {"longer_than": "3", "sort": "duration"})) == [
        "MID",
        "LONG",
    ]
    assert _numbers(viewer_client.get(LIST, {"shorter_than": "0.8"})) == ["SHORT"]
    both = viewer_client.get(LIST, {"longer_than": "0.5", "shorter_than": "60"})
    assert _numbers(both) == ["MID", "SHORT"]
    assert both.context["filtered"]


@pytest.mark.parametrize("value", ["-1", "abc", "1e9"])
def test_a_bad_number_of_minutes_is_a_form_error_not_a_500(viewer_client, timed, value):
    response = viewer_client.get(LIST, {"longer_than": value})
    assert response.status_code == 200
    assert "longer_than" in response.context["filter"].form.errors


def test_sorting_and_filtering_by_duration_costs_no_extra_query(
    viewer_client, django_assert_num_queries, timed
):
    # As the plain list: session, user, two permission loads, count, rows, agents, the
    # chart's today and finished days, the newest call's id.
    with django_assert_num_queries(10):
        response = viewer_client.get(LIST, {"sort": "-duration", "longer_than": "1"})
    assert _numbers(response) == ["LONG", "MID"]
