"""When the call happened: the call start (``CallStartTime_c``) as the list's and the call
page's time, sorted, filtered and charted by it; message times as the start plus their
offsets; without a start, the creation date as before."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import day_counts, services
from calls.models import PhoneCall
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

LIST = reverse("calls:list")
ACTOR = services.Actor("cti")
START = "CallStartTime_c"


def created(start: datetime.datetime | None = None, **values) -> PhoneCall:
    """A call created through the services, as the API does, with a start when given."""
    custom = {START: start.isoformat(timespec="milliseconds")} if start else {}
    return services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1, "custom": custom, **values}
    ).call


def numbers(response) -> list[str]:
    return [call.call_number for call in response.context["calls"]]


def test_a_call_with_a_start_happened_then_and_one_without_when_it_arrived():
    start = datetime.datetime(2025, 3, 4, 9, 15, 0, 250000, tzinfo=datetime.UTC)
    started = created(start)
    plain = created()

    assert PhoneCall.objects.get(pk=started.pk).call_time == start
    plain = PhoneCall.objects.get(pk=plain.pk)
    assert plain.call_time == plain.creation_date


def test_a_patch_of_the_start_moves_the_call_and_clearing_it_moves_it_back():
    call = created()
    start = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    services.phone_call_update(
        actor=ACTOR, call=call, values={"custom": {START: start.isoformat()}}
    )
    assert PhoneCall.objects.get(pk=call.pk).call_time == start

    services.phone_call_update(actor=ACTOR, call=call, values={"custom": {START: None}})
    stored = PhoneCall.objects.get(pk=call.pk)
    assert stored.call_time == stored.creation_date


def test_the_list_sorts_and_filters_by_when_the_call_happened(viewer_client):
    now = timezone.now()
    # Pushed in this order today, but they happened in another order on other days.
    last_week = created(now - datetime.timedelta(days=7), call_number="LAST-WEEK")
    yesterday = created(now - datetime.timedelta(days=1), call_number="YESTERDAY")
    today = created(call_number="TODAY")

    assert numbers(viewer_client.get(LIST)) == ["TODAY", "YESTERDAY", "LAST-WEEK"]
    assert numbers(viewer_client.get(LIST, {"sort": "time"})) == [
        "LAST-WEEK",
        "YESTERDAY",
        "TODAY",
    ]
    day = (now - datetime.timedelta(days=1)).date().isoformat()
    response = viewer_client.get(LIST, {"date_from": day, "date_to": day})
    assert numbers(response) == ["YESTERDAY"]
    assert today and last_week and yesterday


def test_the_list_shows_the_call_start_as_its_time(viewer_client):
    start = timezone.now() - datetime.timedelta(days=2, minutes=3)
    created(start.replace(second=7, microsecond=0))

    html = viewer_client.get(LIST).content.decode()

    assert start.replace(second=7).strftime("%Y-%m-%d %H:%M:07") in html


def test_the_chart_counts_each_call_on_the_day_it_happened(viewer_client):
    now = timezone.now()
    created(now - datetime.timedelta(days=3))
    created(now - datetime.timedelta(days=3))
    created()

    chart = viewer_client.get(LIST).context["chart"]

    counts = {bar.day: bar.count for bar in chart.bars}
    assert counts[(now - datetime.timedelta(days=3)).date()] == 2
    assert counts[now.date()] == 1


def test_a_new_call_that_happened_on_a_finished_day_forgets_the_kept_counts(
    viewer_client, django_capture_on_commit_callbacks
):
    viewer_client.get(LIST)  # the finished days are counted and kept
    before = day_counts.generation()

    with django_capture_on_commit_callbacks(execute=True):
        created(timezone.now() - datetime.timedelta(days=5))

    assert day_counts.generation() > before
    bars = viewer_client.get(LIST).context["chart"].bars
    assert sum(bar.count for bar in bars) == 1


def test_a_new_call_of_today_keeps_the_counts_of_the_finished_days(
    django_capture_on_commit_callbacks,
):
    before = day_counts.generation()
    with django_capture_on_commit_callbacks(execute=True):
        created(timezone.now())
        created()
    assert day_counts.generation() == before


def test_a_call_moved_away_from_a_finished_day_forgets_the_kept_counts(
    django_capture_on_commit_callbacks,
):
    call = created(timezone.now() - datetime.timedelta(days=5))
    before = day_counts.generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_update(actor=ACTOR, call=call, values={"custom": {START: None}})
    assert day_counts.generation() > before


def test_the_list_costs_the_same_queries_with_call_starts(viewer_client, django_assert_num_queries):
    now = timezone.now()
    for i in range(30):
        created(now - datetime.timedelta(hours=i))
    PhoneCallFactory.create_batch(30)
    viewer_client.get(LIST)  # the finished days are kept
    # session, user, 2 permissions, count, page rows, agents, today's count, newest id
    with django_assert_num_queries(9):
        response = viewer_client.get(LIST)
    assert len(response.context["calls"]) == 50


def detail(call: PhoneCall) -> str:
    return reverse("calls:detail", kwargs={"call_id": call.id})


def test_the_call_page_says_when_the_call_started_and_when_it_arrived(viewer_client):
    start = datetime.datetime(2025, 3, 4, 9, 15, 0, tzinfo=datetime.UTC)
    call = created(start)

    html = viewer_client.get(detail(call)).content.decode()

    assert "2025-03-04 09:15:00 +00:00" in html
    assert "(call start)" in html and "<dt>Received</dt>" in html
    # The start is the page's time, not one more custom value among the details.
    assert "<dt>Call start</dt>" not in html


def test_message_times_are_the_call_start_plus_their_offsets(viewer_client):
    start = datetime.datetime(2025, 3, 4, 9, 15, 0, tzinfo=datetime.UTC)
    call = created(start)
    TranscriptMessageFactory(call=call, custom={"StartOffsetMs_c": 83_400, "EndOffsetMs_c": 90_000})
    TranscriptMessageFactory(
        call=call, creation_date=datetime.datetime(2025, 3, 5, 1, 2, 3, tzinfo=datetime.UTC)
    )

    html = viewer_client.get(detail(call)).content.decode()
    text = viewer_client.get(reverse("calls:transcript", kwargs={"call_id": call.id}))
    text = b"".join(text.streaming_content).decode()

    assert 'title="2025-03-04 09:16:23 +00:00">09:16:23</time>' in html
    assert 'title="2025-03-05 01:02:03 +00:00">01:02:03</time>' in html  # no offset
    assert "Time: 2025-03-04 09:15:00 +00:00" in text
    assert "[2025-03-04 09:16:23 +00:00]" in text and "[2025-03-05 01:02:03 +00:00]" in text


def test_without_a_call_start_an_offset_leaves_the_message_time_as_it_arrived(viewer_client):
    call = PhoneCallFactory()
    when = datetime.datetime(2025, 3, 5, 1, 2, 3, tzinfo=datetime.UTC)
    TranscriptMessageFactory(call=call, creation_date=when, custom={"StartOffsetMs_c": 5_000})

    html = viewer_client.get(detail(call)).content.decode()

    assert 'title="2025-03-05 01:02:03 +00:00">01:02:03</time>' in html
    assert "<dt>Received</dt>" not in html
