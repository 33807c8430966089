"""The call list at /: search, filters, sort, pagination, the chart, and its query cost."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

LIST = reverse("calls:list")


def _numbers(response) -> list[str]:
    return [call.call_number for call in response.context["calls"]]


def test_the_list_shows_newest_calls_first_with_their_marks(viewer_client):  # noqa: F811
    now = timezone.now()
    old = PhoneCallFactory(creation_date=now - datetime.timedelta(hours=2), messages=3)
    new = PhoneCallFactory(
        creation_date=now, left_message_flag=True, recording_url="https://pbx.example/r.wav"
    )
    TranscriptMessageFactory(call=old, deleted_flag=True)

    response = viewer_client.get(LIST)

    assert response.status_code == 200
    assert _numbers(response) == [new.call_number, old.call_number]
    rows = {c.call_number: c for c in response.context["calls"]}
    assert rows[old.call_number].message_count == 3  # the deleted message is not counted
    assert rows[new.call_number].message_count == 0
    html = response.content.decode()
    assert html.count('title="Has a recording"') == 1
    assert html.count('title="Left a voicemail"') == 1
    assert reverse("calls:detail", kwargs={"call_id": old.id}) in html


@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("phone_number", "+14155550199"),
        ("phone_number", "415 555-0199"),
        ("call_number", "special-cn"),
        ("external_system_call_id", "GENESYS-991"),
    ],
)
def test_the_search_box_matches_numbers_and_ids(viewer_client, field, query):  # noqa: F811
    wanted = PhoneCallFactory(
        **{
            "phone_number": "+14155550199",
            "call_number": "SPECIAL-CN-1",
            "external_system_call_id": "GENESYS-991",
        }
    )
    PhoneCallFactory(phone_number="+4930123456", external_system_call_id="OTHER-1")

    response = viewer_client.get(LIST, {"q": query})

    assert _numbers(response) == [wanted.call_number]


def test_the_search_box_matches_words_said_in_the_transcript(viewer_client):  # noqa: F811
    wanted = PhoneCallFactory()
    TranscriptMessageFactory(call=wanted, message_content="I would like a refund for my order")
    other = PhoneCallFactory()
    TranscriptMessageFactory(call=other, message_content="Thanks, goodbye")
    hidden = PhoneCallFactory()
    TranscriptMessageFactory(call=hidden, message_content="refund please", deleted_flag=True)

    response = viewer_client.get(LIST, {"q": "refund"})

    assert _numbers(response) == [wanted.call_number]


def test_filters_for_voicemail_recording_and_internal_messages(viewer_client):  # noqa: F811
    voicemail = PhoneCallFactory(left_message_flag=True)
    external = PhoneCallFactory(recording_url="https://pbx.example/a.wav")
    unsafe = PhoneCallFactory(recording_url="javascript:alert(1)")
    internal = PhoneCallFactory()
    TranscriptMessageFactory(call=internal, visibility_cd=TranscriptMessage.INTERNAL)
    plain = PhoneCallFactory()

    assert _numbers(viewer_client.get(LIST, {"voicemail": "true"})) == [voicemail.call_number]
    assert _numbers(viewer_client.get(LIST, {"recording": "true"})) == [external.call_number]
    assert _numbers(viewer_client.get(LIST, {"internal": "true"})) == [internal.call_number]
    without_recording = set(_numbers(viewer_client.get(LIST, {"recording": "false"})))
    assert without_recording == {
        voicemail.call_number,
        unsafe.call_number,
        internal.call_number,
        plain.call_number,
    }


def test_deleted_calls_are_hidden_unless_asked_for(viewer_client):  # noqa: F811
    kept = PhoneCallFactory()
    gone = PhoneCallFactory(deleted_flag=True)

    assert _numbers(viewer_client.get(LIST)) == [kept.call_number]
    assert set(_numbers(viewer_client.get(LIST, {"deleted": "include"}))) == {
        kept.call_number,
        gone.call_number,
    }
    assert _numbers(viewer_client.get(LIST, {"deleted": "only"})) == [gone.call_number]


def test_the_date_range_uses_days_of_the_display_time_zone(viewer_client, settings):  # noqa: F811
    settings.CALLBOOK_DISPLAY_TIME_ZONE = "America/New_York"
    # 03:00 UTC on the 10th is still the 9th in New York.
    utc = datetime.UTC
    late_on_9th = PhoneCallFactory(creation_date=datetime.datetime(2025, 3, 10, 3, tzinfo=utc))
    on_10th = PhoneCallFactory(creation_date=datetime.datetime(2025, 3, 10, 15, tzinfo=utc))

    response = viewer_client.get(LIST, {"date_from": "2025-03-10", "date_to": "2025-03-10"})
    assert _numbers(response) == [on_10th.call_number]
    response = viewer_client.get(LIST, {"date_to": "2025-03-09"})
    assert _numbers(response) == [late_on_9th.call_number]


def test_columns_sort_both_ways_and_headers_say_how(viewer_client):  # noqa: F811
    b = PhoneCallFactory(call_number="B-1", phone_number="+2000")
    a = PhoneCallFactory(call_number="A-1", phone_number="+3000")
    c = PhoneCallFactory(call_number="C-1", phone_number="+1000")

    assert _numbers(viewer_client.get(LIST, {"sort": "number"})) == ["A-1", "B-1", "C-1"]
    assert _numbers(viewer_client.get(LIST, {"sort": "-number"})) == ["C-1", "B-1", "A-1"]
    assert _numbers(viewer_client.get(LIST, {"sort": "phone"})) == [
        c.call_number,
        b.call_number,
        a.call_number,
    ]
    html = viewer_client.get(LIST, {"sort": "phone"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-phone" in html
    # An unknown sort key falls back to the default instead of failing.
    assert viewer_client.get(LIST, {"sort": "password"}).status_code == 200


def test_pages_keep_the_filters_and_clamp_to_the_last_page(viewer_client):  # noqa: F811
    PhoneCallFactory.create_batch(55, left_message_flag=True)

    first = viewer_client.get(LIST, {"voicemail": "true"})
    assert len(first.context["calls"]) == 50
    assert "?voicemail=true&amp;page=2" in first.content.decode()

    beyond = viewer_client.get(LIST, {"voicemail": "true", "page": "999"})
    assert beyond.context["page"].number == 2
    assert len(beyond.context["calls"]) == 5
    assert viewer_client.get(LIST, {"page": "abc"}).status_code == 200


def test_the_chart_counts_the_filtered_calls_per_day(viewer_client):  # noqa: F811
    now = timezone.now()
    PhoneCallFactory.create_batch(3, creation_date=now, left_message_flag=True)
    PhoneCallFactory(creation_date=now - datetime.timedelta(days=1))
    PhoneCallFactory(creation_date=now - datetime.timedelta(days=45))

    chart = viewer_client.get(LIST).context["chart"]
    assert len(chart.bars) == 30
    assert chart.bars[-1].count == 3
    assert chart.bars[-2].count == 1
    assert chart.total == 4

    filtered = viewer_client.get(LIST, {"voicemail": "true"})
    assert filtered.context["chart"].total == 3
    html = filtered.content.decode()
    assert '<svg class="chart__svg"' in html and 'role="img"' in html
    assert len(re.findall(r'<rect class="chart__bar', html)) == 30


def test_integration_text_in_the_list_is_escaped(viewer_client):  # noqa: F811
    PhoneCallFactory(call_number="<b>CN</b>", phone_number='"><script>x()</script>')

    html = viewer_client.get(LIST).content.decode()

    assert "<script>x()" not in html and "<b>CN" not in html
    assert "&lt;b&gt;CN&lt;/b&gt;" in html
    assert "&quot;&gt;&lt;script&gt;x()&lt;/script&gt;" in html


def test_a_search_echoes_back_escaped(viewer_client):  # noqa: F811
    html = viewer_client.get(LIST, {"q": '"><img src=x onerror=alert(1)>'}).content.decode()
    assert "<img src=x" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def _list_queries(client, django_assert_num_queries, params=None, *, extra=0):
    # 1 session, 2 user, 3-4 the user's and the groups' permissions, 5 the count of the
    # filtered calls (searched: the page's ids and one more, nothing counted), 6 the page
    # rows (message counts in a subquery), 7 the agents of the page's calls, (with a
    # search: the matching lines,) then the chart's count of today (searched, newest
    # first: read off the first page instead) and its counts of the finished days (not
    # kept yet), and the newest call's id (for the live list's poll). ``extra``: a
    # searched page past the last match reads the first page.
    searched = bool((params or {}).get("q"))
    with django_assert_num_queries((11 if searched else 10) + extra):
        response = client.get(LIST, params or {})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("rows", [10, 100])
def test_the_list_costs_ten_queries_for_any_number_of_rows(
    viewer_client,
    django_assert_num_queries,
    rows,  # noqa: F811
):
    for i in range(rows):
        call = PhoneCallFactory(messages=2)
        if i % 3 == 0:
            TranscriptMessageFactory(call=call, visibility_cd=TranscriptMessage.INTERNAL)
    response = _list_queries(viewer_client, django_assert_num_queries)
    assert len(response.context["calls"]) == min(rows, 50)
    response = _list_queries(
        viewer_client,
        django_assert_num_queries,
        {"q": "CALL", "internal": "true", "sort": "phone", "page": "2"},
        extra=1,  # 34 calls at most have internal notes: page 2 is past the end
    )


def test_page_rows_come_from_the_page_ids_only(viewer_client):  # noqa: F811
    calls = [PhoneCallFactory(call_number=f"N-{i:03d}") for i in range(120)]
    response = viewer_client.get(LIST, {"sort": "number", "page": "3"})
    assert _numbers(response) == [c.call_number for c in calls[100:120]]
    assert PhoneCall.objects.count() == 120


def test_a_very_long_list_counts_up_to_a_cap_and_says_so(
    viewer_client,
    monkeypatch,  # noqa: F811
):
    from calls.staff import selectors

    def summaries(response):
        """The head count and the pager summary: the only places a count is shown."""
        html = response.content.decode()
        head = re.search(r'class="page-head__count">([^<]*)<', html).group(1)
        pager = re.search(r'class="pager__summary">([^<]*)<', html).group(1)
        return head, pager

    monkeypatch.setattr(selectors, "COUNT_CAP", 120)
    PhoneCall.objects.bulk_create(PhoneCallFactory.build_batch(130))
    response = viewer_client.get(reverse("calls:list"))
    assert response.context["page"].paginator.capped
    assert summaries(response) == ("120+ calls", "Calls 1–50 of 120+")
    assert "Page 1 of 3+" in response.content.decode()  # pages of 50 within 120

    monkeypatch.setattr(selectors, "COUNT_CAP", 130)
    response = viewer_client.get(reverse("calls:list"))
    assert not response.context["page"].paginator.capped, "exactly at the cap is not over it"
    assert summaries(response) == ("130 calls", "Calls 1–50 of 130")


def test_the_chart_counts_today_live_and_keeps_the_finished_days(
    viewer_client, django_capture_on_commit_callbacks
):
    now = timezone.now()
    PhoneCallFactory()
    old = PhoneCallFactory(creation_date=now - datetime.timedelta(days=3))
    assert viewer_client.get(LIST).context["chart"].total == 2
    # A call that arrives is in the chart at once: today is counted live (issue 13).
    PhoneCallFactory(phone_number="+14155550999")
    response = viewer_client.get(LIST)
    assert len(response.context["calls"]) == 3
    assert response.context["chart"].total == 3
    # A finished day is kept: a row written behind the services' back is not seen...
    PhoneCall.objects.bulk_create(
        [PhoneCallFactory.build(creation_date=now - datetime.timedelta(days=2))]
    )
    assert viewer_client.get(LIST).context["chart"].total == 3
    # ...until a call of a finished day is written through them: deleting one forgets it.
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_delete(call=old)
    # Counted again: the deleted call is gone, the one written behind the back is seen.
    assert viewer_client.get(LIST).context["chart"].total == 3


def test_a_change_or_purge_of_an_older_call_forgets_the_kept_days(
    viewer_client, django_capture_on_commit_callbacks
):
    old = PhoneCallFactory(creation_date=timezone.now() - datetime.timedelta(days=5))
    assert viewer_client.get(LIST, {"voicemail": "true"}).context["chart"].total == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_update(
            actor=services.Actor("t"), call=old, values={"left_message_flag": True}
        )
    assert viewer_client.get(LIST, {"voicemail": "true"}).context["chart"].total == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_calls(PhoneCall.objects.filter(pk=old.pk))
    assert viewer_client.get(LIST, {"voicemail": "true"}).context["chart"].total == 0


def test_todays_writes_keep_the_finished_days(viewer_client, django_capture_on_commit_callbacks):
    from calls import day_counts

    call = PhoneCallFactory()
    before = day_counts.generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_update(actor=services.Actor("t"), call=call, values={})
    assert day_counts.generation() == before


@pytest.mark.parametrize("url", ["/", "/calls/export.csv"])
def test_the_last_representable_date_as_date_to_is_not_a_500(viewer_client, url):
    """``date_to`` is inclusive: the day after 9999-12-31 does not exist (issue 11, point 6)."""
    call = PhoneCallFactory()
    response = viewer_client.get(url, {"date_to": "9999-12-31"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert call.call_number.encode() in body


def test_the_list_links_the_csv_export_of_its_filters(viewer_client):  # noqa: F811
    PhoneCallFactory(left_message_flag=True)
    html = viewer_client.get(LIST, {"voicemail": "true", "sort": "time", "page": "1"}).content
    export = reverse("calls:export-csv")
    assert f'href="{export}?voicemail=true&amp;sort=time" download>Export CSV' in html.decode()


def test_the_phone_layout_sorts_with_a_menu_that_keeps_the_filters(viewer_client):  # noqa: F811
    PhoneCallFactory(left_message_flag=True)
    html = viewer_client.get(LIST, {"voicemail": "true", "sort": "-duration"}).content.decode()
    menu = html[html.index('<form class="sortbar"') : html.index("</form>", html.index("sortbar"))]
    assert '<input type="hidden" name="voicemail" value="true">' in menu
    assert 'name="sort"' in menu and menu.count('type="hidden" name="sort"') == 0
    assert '<option value="-duration" selected>Longest first</option>' in menu
    assert menu.count("<option") == 8  # every order the headers offer


def test_the_marks_are_text_for_screen_readers_not_controls(viewer_client):  # noqa: F811
    PhoneCallFactory(left_message_flag=True, recording_url="https://pbx.example/r.wav")
    PhoneCallFactory()
    html = viewer_client.get(LIST).content.decode()
    assert '<span class="visually-hidden">Recording</span>' in html
    assert '<span class="visually-hidden">No recording</span>' in html
    assert '<span class="visually-hidden">Voicemail</span>' in html
    assert '<span class="visually-hidden">No voicemail</span>' in html
    # Nothing in the list's cells is drawn as a button without being one.
    assert "<button" not in html[html.index("<tbody>") : html.index("</tbody>")]
