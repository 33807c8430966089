"""Search to the moment: the matching line under each row of a searched list."""

import re

import pytest
from django.urls import reverse

from calls.models import TranscriptMessage
from calls.staff import views
from calls.staff.snippets import START, STOP, _window, marked_html
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")

pytestmark = pytest.mark.django_db

LONG = (
    "Thanks for waiting, I have your account open now and I can see the order from last "
    "Tuesday, the one with the blue kettle. The refund was issued yesterday, so it should "
    "reach your card within three to five business days, depending on your bank."
)


def say(call, text, role="AGENT", name="Sam Ortiz", **values):
    return TranscriptMessageFactory(
        call=call, role_cd=role, posted_by_display_name=name, message_content=text, **values
    )


def snippet_html(response, call) -> str:
    return response.context["snippets"][call.id].html


def test_each_searched_row_shows_the_first_matching_line_and_who_said_it(viewer_client):
    call = PhoneCallFactory()
    say(call, "Hello, how can I help?")
    first = say(call, LONG)
    say(call, "The refund again, later.", role="CUSTOMER", name="Dana")

    response = viewer_client.get(LIST, {"q": "refund"})

    snippet = response.context["snippets"][call.id]
    assert snippet.message_id == first.id and snippet.speaker == "Sam Ortiz"
    assert re.search(r"<mark>refund</mark>", snippet.html, re.IGNORECASE)
    assert snippet.html.startswith("…") and snippet.html.endswith("…")  # a window, not all
    assert len(re.sub("<[^>]+>", "", snippet.html)) < len(LONG)
    html = response.content.decode()
    # q: the transcript search; back: the list's own state, for "← All calls"
    detail = reverse("calls:detail", kwargs={"call_id": call.id})
    link = f"{detail}?q=refund&amp;back=q%3Drefund#m{first.id}"
    assert html.count(f'href="{link}"') == 3  # the time, the call number and the line
    assert '<span class="snippet__who">Sam Ortiz <span class="snippet__role">AGENT</span>:' in html


def test_a_row_found_by_its_number_has_no_snippet(viewer_client):
    call = PhoneCallFactory(phone_number="+14155550123")
    say(call, "Nothing about the number here.")
    response = viewer_client.get(LIST, {"q": "+14155550123"})
    assert [c.id for c in response.context["calls"]] == [call.id]
    assert response.context["snippets"] == {}
    assert "calls__snippet" not in response.content.decode()


def test_the_unsearched_list_runs_no_snippet_query(viewer_client):
    say(PhoneCallFactory(), "refund")
    assert viewer_client.get(LIST).context["snippets"] == {}


def test_snippets_are_escaped_and_markers_in_the_text_are_not_markup(viewer_client):
    call = PhoneCallFactory()
    say(call, f'<img src=x onerror="alert(1)"> refund {START}bold{STOP} {STOP}', name="<b>Ann</b>")
    html = viewer_client.get(LIST, {"q": "refund"}).content.decode()
    assert "<img src=x" not in html and "<b>Ann" not in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    snippet = re.search(r'<span class="snippet__text">(.*?)</span></a>', html).group(1)
    # ts_headline leaves markup-like words out of its fragment; the substring window keeps
    # them, escaped. Either way the only tags are the marks, balanced.
    assert re.sub("</?mark>", "", snippet).count("<") == 0
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1


def test_internal_notes_are_snippets_only_for_those_who_may_read_them(viewer_client, monkeypatch):
    call = PhoneCallFactory()
    note = say(call, "Internal: refund approved", visibility_cd=TranscriptMessage.INTERNAL)
    said = say(call, "Your refund is on its way")
    assert viewer_client.get(LIST, {"q": "refund"}).context["snippets"][call.id].message_id == (
        note.id
    )
    monkeypatch.setattr(views, "may_read_internal_notes", lambda user: False)
    response = viewer_client.get(LIST, {"q": "refund"})
    assert response.context["snippets"][call.id].message_id == said.id
    assert "approved" not in response.content.decode()


def test_deleted_messages_are_never_snippets(viewer_client):
    call = PhoneCallFactory()
    say(call, "refund (deleted)", deleted_flag=True)
    kept = say(call, "the refund stays")
    assert viewer_client.get(LIST, {"q": "refund"}).context["snippets"][call.id].message_id == (
        kept.id
    )


@pytest.mark.parametrize("rows", [5, 60])
def test_snippets_cost_one_query_for_the_page(viewer_client, django_assert_num_queries, rows):
    for i in range(rows):
        call = PhoneCallFactory()
        say(call, f"Order {i}: the refund is late")
        say(call, "Another refund line")
    # Session, user, two permission loads, the page's ids (nothing counted), rows, agents,
    # snippets, the chart's finished days (today is read off the first page), newest id.
    with django_assert_num_queries(10):
        response = viewer_client.get(LIST, {"q": "refund"})
    assert len(response.context["snippets"]) == min(rows, 50)


def test_marked_html_is_escaped_and_balanced():
    assert (
        marked_html(f"a<{START}b{STOP}&{STOP}{START}c") == "a&lt;<mark>b</mark>&amp;<mark>c</mark>"
    )
    assert marked_html(f'{START}{START}"x"') == "<mark>&quot;x&quot;</mark>"


def test_the_substring_window_cuts_at_spaces_around_the_first_match():
    text = "word " * 40 + "the Refund was issued" + " tail" * 60
    window = _window(text, "refund")
    assert window.startswith("…word") and window.endswith("tail…")
    assert f"the {START}Refund{STOP} was issued" in window
    assert _window("refund at the start", "REFUND") == f"{START}refund{STOP} at the start"
