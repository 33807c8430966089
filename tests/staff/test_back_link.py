"""'← All calls' returns to the list as it was (issue 13, point 9): the list's row links carry
its state in ``back=``, the call page turns it into a link to the list, and nothing else."""

import re
from html import unescape

import pytest
from django.urls import reverse

from calls.staff.back import list_query
from calls.staff.selectors import PAGE_SIZE
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db


def detail(call):
    return reverse("calls:detail", kwargs={"call_id": call.id})


def all_calls_href(response) -> str:
    found = re.search(r'<a href="([^"]*)">← All calls</a>', response.content.decode())
    assert found, "the call page has its '← All calls' link"
    return unescape(found.group(1))


def test_a_rows_link_carries_the_lists_search_filters_sort_and_page(viewer_client):
    calls = PhoneCallFactory.create_batch(PAGE_SIZE + 5, phone_number="+14155550100")
    state = {"caller": "415 555 0100", "sort": "-duration", "voicemail": "false", "page": "2"}
    html = viewer_client.get(LIST, {**state, "unknown": "x"}).content.decode()

    links = {unescape(href) for href in re.findall(r'class="calls__open" href="([^"]+)"', html)}
    assert len(links) == 5  # page 2
    expected = "back=caller%3D415%2B555%2B0100%26sort%3D-duration%26voicemail%3Dfalse%26page%3D2"
    assert all(link.endswith(f"/?{expected}") for link in links), links
    assert {link.split("?")[0] for link in links} <= {detail(call) for call in calls}


def test_an_unfiltered_lists_links_are_the_bare_call_address(viewer_client):
    call = PhoneCallFactory()
    html = viewer_client.get(LIST).content.decode()
    assert f'class="calls__open" href="{detail(call)}"' in html


def test_the_call_page_links_back_to_the_list_it_came_from(viewer_client):
    call = PhoneCallFactory()
    back = "q=refund&sort=-duration&agent=Sam+Ortiz&page=2"
    response = viewer_client.get(detail(call), {"back": back})
    assert all_calls_href(response) == f"{LIST}?q=refund&sort=-duration&agent=Sam+Ortiz&page=2"


def test_a_snippets_link_keeps_its_search_term_and_line_and_returns_to_the_list(viewer_client):
    call = PhoneCallFactory()
    line = TranscriptMessageFactory(call=call, message_content="about my refund")
    html = viewer_client.get(LIST, {"q": "refund", "sort": "time"}).content.decode()
    link = f"{detail(call)}?q=refund&amp;back=q%3Drefund%26sort%3Dtime#m{line.id}"
    assert html.count(f'href="{link}"') == 3  # the time, the call number and the line

    response = viewer_client.get(detail(call), {"q": "refund", "back": "q=refund&sort=time"})
    assert all_calls_href(response) == f"{LIST}?q=refund&sort=time"


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example",
        "https://evil.example/?q=refund",
        "/\\evil.example",
        "javascript:alert(1)",
        "next=https://evil.example",
        "x" * 3000,
    ],
)
def test_a_back_that_is_no_list_state_links_to_the_plain_list(viewer_client, hostile):
    response = viewer_client.get(detail(PhoneCallFactory()), {"back": hostile})
    assert all_calls_href(response) == LIST


def test_only_the_lists_parameters_survive_and_are_re_encoded():
    assert list_query("?q=a%26b&evil=//x&sort=time") == "q=a%26b&sort=time"
    # A submitted filter form's empty fields stay: the list's address, unchanged.
    assert list_query("q=refund&caller=&voicemail=false") == "q=refund&caller=&voicemail=false"
    assert list_query("q=%22%3E%3Cscript%3E") == "q=%22%3E%3Cscript%3E"  # escaped as data
    assert list_query("page=2&page=3") == "page=2&page=3"
    assert list_query("") == ""


def test_the_caller_historys_links_keep_the_way_back(viewer_client):
    call = PhoneCallFactory(phone_number="+14155550100")
    other = PhoneCallFactory(phone_number="+14155550100")
    html = viewer_client.get(detail(call), {"back": "q=refund"}).content.decode()
    assert f'href="{detail(other)}?back=q%3Drefund"' in html
