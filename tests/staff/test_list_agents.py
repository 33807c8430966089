"""Who took the call: the list's agent column (agents' display names) and its filter."""

import pytest
from django.urls import reverse

from calls.models import TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    return [call.call_number for call in response.context["calls"]]


def say(call, role, name, **values):
    return TranscriptMessageFactory(call=call, role_cd=role, posted_by_display_name=name, **values)


@pytest.fixture
def calls(db):
    handed_over = PhoneCallFactory(call_number="HANDED-OVER")
    say(handed_over, "CUSTOMER", "Dana Miller")
    say(handed_over, "AGENT", "Sam Ortiz")
    say(handed_over, "AGENT", "Priya Shah")
    say(handed_over, "AGENT", "Sam Ortiz")
    say(handed_over, "SUPERVISOR", "Lee Chen")
    say(handed_over, "AGENT", "Gone Agent", deleted_flag=True)
    say(handed_over, "AGENT", None)
    noted = PhoneCallFactory(call_number="NOTED")
    say(noted, "AGENT", "sam ortiz", visibility_cd=TranscriptMessage.INTERNAL)
    PhoneCallFactory(call_number="IVR-ONLY")
    return {"handed_over": handed_over, "noted": noted}


def test_each_row_names_its_agents_in_the_order_they_first_spoke(viewer_client, calls):
    response = viewer_client.get(LIST)
    rows = {call.call_number: call.agents for call in response.context["calls"]}
    # Customers, supervisors, deleted messages and nameless agents are not "who took it".
    assert rows == {
        "HANDED-OVER": ["Sam Ortiz", "Priya Shah"],
        "NOTED": ["sam ortiz"],
        "IVR-ONLY": [],
    }
    html = response.content.decode()
    assert '<a href="?agent=Priya+Shah" title="Calls taken by Priya Shah">Priya Shah</a>' in html


def test_the_agent_filter_matches_any_case_and_only_agents(viewer_client, calls):
    assert _numbers(viewer_client.get(LIST, {"agent": "SAM ORTIZ"})) == ["NOTED", "HANDED-OVER"]
    assert _numbers(viewer_client.get(LIST, {"agent": " Priya Shah "})) == ["HANDED-OVER"]
    assert _numbers(viewer_client.get(LIST, {"agent": "Dana Miller"})) == []  # a customer
    assert _numbers(viewer_client.get(LIST, {"agent": "Lee Chen"})) == []  # a supervisor
    assert _numbers(viewer_client.get(LIST, {"agent": "Gone Agent"})) == []  # deleted
    assert _numbers(viewer_client.get(LIST, {"agent": "Sam"})) == []  # the whole name


def test_an_agent_link_keeps_the_other_filters(viewer_client, calls):
    html = viewer_client.get(LIST, {"voicemail": "false", "page": "1"}).content.decode()
    assert 'href="?voicemail=false&amp;agent=Sam+Ortiz"' in html


def test_agent_names_are_escaped(viewer_client):
    call = PhoneCallFactory()
    say(call, "AGENT", "<b>x</b>")
    html = viewer_client.get(LIST).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize("rows", [5, 60])
def test_the_agents_cost_one_query_for_the_page(viewer_client, django_assert_num_queries, rows):
    for i in range(rows):
        call = PhoneCallFactory()
        say(call, "AGENT", f"Agent {i % 7}")
        say(call, "AGENT", f"Agent {(i + 1) % 7}")
    # Session, user, two permission loads, count, rows, agents, the chart's today and
    # finished days, newest call's id: as without a filter.
    with django_assert_num_queries(10):
        response = viewer_client.get(LIST, {"agent": "agent 3"})
    expected = sum(1 for i in range(rows) if 3 in (i % 7, (i + 1) % 7))
    assert len(response.context["calls"]) == min(expected, 50)
    assert all("Agent 3" in call.agents for call in response.context["calls"])
