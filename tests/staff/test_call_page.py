"""The call page and the transcript download: content, escaping, links, times, query cost."""

import datetime

import pytest
from django.urls import reverse

from calls.models import TranscriptMessage
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

XSS = '<img src=x onerror="alert(1)">'
WHEN = datetime.datetime(2025, 7, 1, 12, 30, 5, tzinfo=datetime.UTC)


def detail(call):
    return reverse("calls:detail", kwargs={"call_id": call.id})


def download(call):
    return reverse("calls:transcript", kwargs={"call_id": call.id})


def test_the_call_page_shows_the_conversation_in_order(viewer_client):  # noqa: F811
    call = PhoneCallFactory()
    TranscriptMessageFactory(
        call=call,
        role_cd="CUSTOMER",
        posted_by_display_name="Dana Miller",
        message_content="My parcel never arrived.",
    )
    TranscriptMessageFactory(
        call=call,
        role_cd="AGENT",
        posted_by_display_name="Sam Ortiz",
        message_content="Let me check that for you.",
    )
    TranscriptMessageFactory(
        call=call,
        role_cd="AGENT",
        visibility_cd=TranscriptMessage.INTERNAL,
        message_content="Courier lost it; refund approved.",
    )
    TranscriptMessageFactory(call=call, message_content="secret draft", deleted_flag=True)

    html = viewer_client.get(detail(call)).content.decode()

    assert html.index("My parcel never arrived.") < html.index("Let me check that for you.")
    assert "secret draft" not in html
    assert 'class="msg msg--customer"' in html
    assert 'class="msg msg--agent"' in html
    assert 'class="msg msg--agent msg--internal"' in html
    assert "Dana Miller" in html and "CUSTOMER" in html
    assert "3 messages" in html


def test_unknown_roles_get_a_neutral_style_not_their_own_class(viewer_client):  # noqa: F811
    call = PhoneCallFactory()
    TranscriptMessageFactory(call=call, role_cd='x" onclick="y')
    html = viewer_client.get(detail(call)).content.decode()
    assert 'class="msg msg--other"' in html
    assert 'onclick="y' not in html


def test_integration_values_are_text_never_markup(viewer_client):  # noqa: F811
    call = PhoneCallFactory(phone_number=XSS, external_system_call_id=XSS, recording_format=XSS)
    TranscriptMessageFactory(
        call=call, message_content=XSS, posted_by_display_name=XSS, role_cd=XSS
    )

    html = viewer_client.get(detail(call)).content.decode()

    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 4


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "/relative/path",
        "vbscript:msgbox(1)",
        "https:///no-host",
    ],
)
def test_non_web_urls_never_become_links_or_sources(viewer_client, url):  # noqa: F811
    call = PhoneCallFactory(transcript_url=url, call_details_url=url, recording_url=url)

    html = viewer_client.get(detail(call)).content.decode()

    assert f'href="{url}' not in html
    assert "<audio" not in html
    assert 'rel="noopener noreferrer"' not in html


def test_web_urls_are_links_that_leak_nothing(viewer_client):  # noqa: F811
    call = PhoneCallFactory(
        transcript_url="https://crm.example/t?id=1&x=2",
        call_details_url="http://pbx.example/calls/9",
        recording_url="https://pbx.example/r/9.mp3",
    )

    html = viewer_client.get(detail(call)).content.decode()

    assert '<a href="https://crm.example/t?id=1&amp;x=2" rel="noopener noreferrer"' in html
    assert '<a href="http://pbx.example/calls/9" rel="noopener noreferrer"' in html
    assert '<a href="https://pbx.example/r/9.mp3" rel="noopener noreferrer"' in html


def test_an_external_recording_is_a_link_that_no_browser_fetches_by_itself(viewer_client):  # noqa: F811
    # Every staff browser opening the call would otherwise tell the integrator's server who
    # looks at which call, and when; only a recording Callbook stores itself is played.
    url = "https://pbx.example/r/9.mp3"
    call = PhoneCallFactory(recording_url=url)

    response = viewer_client.get(detail(call))
    html = response.content.decode()

    assert "<audio" not in html and "<source" not in html
    assert f'src="{url}"' not in html
    assert f'<a href="{url}" rel="noopener noreferrer" target="_blank">' in html
    assert "media-src 'self';" in response["Content-Security-Policy"] + ";"
    assert "https:" not in response["Content-Security-Policy"]


def test_a_stored_audio_recording_plays_from_our_own_view(viewer_client):  # noqa: F811
    call = PhoneCallFactory(
        recording="recordings/x",
        recording_format="audio/wav",
        recording_url="https://pbx.example/ignored.wav",
    )
    html = viewer_client.get(detail(call)).content.decode()
    assert f'src="{reverse("calls:recording", kwargs={"call_id": call.id})}"' in html
    assert "ignored.wav" not in html
    assert 'id="player-speed"' in html and 'value="0.5"' in html and 'value="2"' in html
    # Playback is reported by played.js; the download link asks for a download (its own record).
    played = reverse("calls:recording-played", kwargs={"call_id": call.id})
    assert f'data-played-url="{played}"' in html and "calls/played.js" in html
    recording = reverse("calls:recording", kwargs={"call_id": call.id})
    assert f'href="{recording}?download=1" download="recording-{call.call_number}.wav"' in html


def test_a_stored_recording_of_another_type_is_only_a_download(viewer_client):  # noqa: F811
    call = PhoneCallFactory(recording="recordings/x", recording_format="text/html")
    html = viewer_client.get(detail(call)).content.decode()
    assert "<audio" not in html
    assert "Download the recording" in html


def test_times_are_in_the_display_zone_with_the_offset(viewer_client, settings):  # noqa: F811
    settings.CALLBOOK_DISPLAY_TIME_ZONE = "Asia/Kathmandu"
    call = PhoneCallFactory(creation_date=WHEN, last_update_date=WHEN)
    TranscriptMessageFactory(call=call, creation_date=WHEN)

    page = viewer_client.get(detail(call)).content.decode()
    text = b"".join(viewer_client.get(download(call)).streaming_content).decode()
    listing = viewer_client.get(reverse("calls:list")).content.decode()

    shown = "2025-07-01 18:15:05 +05:45"
    assert shown in page and shown in text and shown in listing
    assert 'datetime="2025-07-01T18:15:05+05:45"' in page
    assert "Asia/Kathmandu" in text


def test_the_transcript_downloads_as_plain_text(viewer_client):  # noqa: F811
    call = PhoneCallFactory(call_number="CN/../1", creation_date=WHEN)
    TranscriptMessageFactory(
        call=call,
        posted_by_display_name="Dana",
        role_cd="CUSTOMER",
        message_content="line one\nline two <b>",
        creation_date=WHEN,
    )
    TranscriptMessageFactory(
        call=call,
        posted_by_display_name="Sam",
        role_cd="AGENT",
        visibility_cd=TranscriptMessage.INTERNAL,
        message_content="note",
        creation_date=WHEN,
    )
    TranscriptMessageFactory(call=call, message_content="deleted one", deleted_flag=True)

    response = viewer_client.get(download(call))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="transcript-CN_.._1.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    text = b"".join(response.streaming_content).decode()
    assert "[2025-07-01 12:30:05 +00:00] Dana (CUSTOMER):\n    line one\n    line two <b>\n" in text
    assert "Sam (AGENT, internal):\n    note\n" in text
    assert "deleted one" not in text


def test_the_transcript_downloads_without_the_internal_notes_when_asked(viewer_client):  # noqa: F811
    call = PhoneCallFactory(call_number="CN-8")
    TranscriptMessageFactory(call=call, posted_by_display_name="Dana", message_content="hello")
    TranscriptMessageFactory(
        call=call, visibility_cd=TranscriptMessage.INTERNAL, message_content="internal note"
    )

    response = viewer_client.get(download(call), {"internal": "exclude"})

    expected = 'attachment; filename="transcript-CN-8-without-internal-notes.txt"'
    assert response["Content-Disposition"] == expected
    text = b"".join(response.streaming_content).decode()
    assert "hello" in text
    assert "internal note" not in text
    assert "Internal notes are left out.\n" in text


def test_the_call_page_offers_both_downloads_only_when_there_are_internal_notes(viewer_client):  # noqa: F811
    plain = PhoneCallFactory(messages=2)
    noted = PhoneCallFactory(messages=2)
    TranscriptMessageFactory(call=noted, visibility_cd=TranscriptMessage.INTERNAL)
    without = f'href="{download(noted)}?internal=exclude"'
    assert without in viewer_client.get(detail(noted)).content.decode()
    assert "?internal=exclude" not in viewer_client.get(detail(plain)).content.decode()


def test_an_unknown_call_is_404(viewer_client):  # noqa: F811
    call = PhoneCallFactory()
    url = reverse("calls:detail", kwargs={"call_id": call.id + 1000})
    assert viewer_client.get(url).status_code == 404


@pytest.mark.parametrize("messages", [10, 2000])
def test_the_call_page_costs_seven_queries_for_any_transcript_length(
    viewer_client,
    django_assert_num_queries,
    messages,  # noqa: F811
):
    call = PhoneCallFactory(messages=messages, phone_number=None)
    # 1 session, 2 user, 3-4 permissions, 5 the call, 6 its visible messages,
    # 7 the access record of the transcript view (no number: no caller history).
    with django_assert_num_queries(7):
        response = viewer_client.get(detail(call))
    assert response.status_code == 200
    assert response.content.decode().count('<li class="msg ') == messages


def test_the_download_costs_seven_queries_too(viewer_client, django_assert_num_queries):  # noqa: F811
    call = PhoneCallFactory(messages=30)
    # As the page: the access record of the download is the seventh.
    with django_assert_num_queries(7):
        response = viewer_client.get(download(call))
        text = b"".join(response.streaming_content).decode()
    assert text.count("\n[") == 30


def test_the_call_page_shows_the_duration_in_its_header(viewer_client):  # noqa: F811
    timed = PhoneCallFactory(recording="recordings/x", recording_duration_ms=754_000)
    html = viewer_client.get(detail(timed)).content.decode()
    assert '<span class="visually-hidden">Duration </span><time datetime="PT754S">12:34</time>' in (
        html
    )
    unknown = PhoneCallFactory(recording="recordings/y", recording_duration_ms=None)
    html = viewer_client.get(detail(unknown)).content.decode()
    assert "Duration </span>" not in html  # the header leaves an unknown duration out
    assert '<dt>Duration</dt><dd><span class="muted" title="Unknown"' in html


def test_the_call_page_header_names_the_agents(viewer_client):  # noqa: F811
    call = PhoneCallFactory()
    for role, name in [("CUSTOMER", "Dana"), ("AGENT", "Sam <Ortiz>"), ("AGENT", "Priya")]:
        TranscriptMessageFactory(call=call, role_cd=role, posted_by_display_name=name)
    html = viewer_client.get(detail(call)).content.decode()
    assert '<span class="call-head__agents">Agents: Sam &lt;Ortiz&gt;, Priya</span>' in html
