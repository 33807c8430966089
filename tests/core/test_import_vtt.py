"""WebVTT: the export at /calls/<id>/transcript.vtt and ``manage.py import_vtt`` round-trip
a transcript's times exactly; an import sets times only, in one transaction, and reports
the cues that name no message."""

import io

import pytest
from django.core.management import CommandError, call_command

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from calls.transcript_vtt import Line, timestamp, vtt_blocks
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = pytest.mark.django_db

START, END = "StartOffsetMs_c", "EndOffsetMs_c"


def times(call: PhoneCall) -> dict[str, tuple[int | None, int | None]]:
    return {
        m.message_number: (m.custom.get(START), m.custom.get(END))
        for m in TranscriptMessage.objects.filter(call=call)
    }


def run(call_number: str, path) -> str:
    out = io.StringIO()
    call_command("import_vtt", call_number, str(path), stdout=out)
    return out.getvalue()


def test_an_import_reports_cues_that_name_no_message_of_the_call(tmp_path):
    call = PhoneCallFactory(call_number="CN-A")
    TranscriptMessageFactory(call=call, message_number="MN-A1")
    TranscriptMessageFactory(message_number="MN-OTHER")  # another call's message
    path = tmp_path / "c.vtt"
    path.write_text(
        "WEBVTT\n\nMN-A1\n00:00:01.000 --> 00:00:02.000\nx\n\n"
        "MN-OTHER\n00:00:03.000 --> 00:00:04.000\ny\n\n"
        "00:00:05.000 --> 00:00:06.000\nno identifier\n\n"
        "MN-NONE\n00:00:07.000 --> 00:00:08.000\nz\n"
    )

    out = run("CN-A", path)

    assert out.splitlines() == [
        "1 message(s) got new times.",
        "3 cue(s) match no message of the call: cue 3, MN-OTHER, MN-NONE.",
    ]
    assert times(call) == {"MN-A1": (1_000, 2_000)}
    assert TranscriptMessage.objects.get(message_number="MN-OTHER").custom == {}


def test_an_import_is_one_write_of_the_call_and_sets_only_the_times(tmp_path):
    call = services.phone_call_create(
        actor=services.Actor("cti"),
        values={"interaction_id": 1, "call_number": "CN-W"},
        messages=[
            {"message_number": "M1", "message_content": "hello", "custom": {"Other_c": 1}},
            {"message_number": "M2", "message_content": "bye"},
        ],
    ).call
    path = tmp_path / "c.vtt"
    path.write_text(
        "WEBVTT\n\nM1\n00:00:00.000 --> 00:00:01.500\nwrong words\n\n"
        "M2\n00:00:01.500 --> 00:00:03.000\nalso\n"
    )
    history = TranscriptMessage.history.count()

    run("CN-W", path)

    call.refresh_from_db()
    assert call.version == 2
    rows = {m.message_number: m for m in TranscriptMessage.objects.filter(call=call)}
    assert rows["M1"].message_content == "hello" and rows["M2"].message_content == "bye"
    assert rows["M1"].custom == {"Other_c": 1, START: 0, END: 1_500}
    assert TranscriptMessage.history.count() == history + 2
    # The same file again changes nothing: no new version.
    assert run("CN-W", path).startswith("0 message(s)")
    call.refresh_from_db()
    assert call.version == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not a vtt file", "the file is not WebVTT"),
        ("WEBVTT\n\nM1\n00:00:0x.000 --> 00:00:01.000\nhi\n", "the file is not WebVTT"),
        (
            "WEBVTT\n\nM1\n00:00:01.000 --> 00:00:02.000\na\n\n"
            "M1\n00:00:03.000 --> 00:00:04.000\nb\n",
            "'M1' is used twice",
        ),
        (
            "WEBVTT\n\nM0\n00:00:01.000 --> 00:00:02.000\na\n\n"
            "M1\n00:00:05.000 --> 00:00:04.000\nb\n",
            "cue 2: EndOffsetMs_c must not be before StartOffsetMs_c (5000).",
        ),
    ],
)
def test_a_bad_file_is_an_error_and_nothing_is_written(tmp_path, content, message):
    call = PhoneCallFactory(call_number="CN-B")
    TranscriptMessageFactory(call=call, message_number="M0")
    TranscriptMessageFactory(call=call, message_number="M1")
    path = tmp_path / "bad.vtt"
    path.write_text(content)

    with pytest.raises(CommandError) as refused:
        run("CN-B", path)

    assert message in str(refused.value)
    assert times(call) == {"M0": (None, None), "M1": (None, None)}


def test_an_unknown_call_or_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No call has the CallNumber 'NOPE'"):
        run("NOPE", tmp_path / "x.vtt")
    PhoneCallFactory(call_number="CN-C")
    with pytest.raises(CommandError, match="No such file"):
        run("CN-C", tmp_path / "x.vtt")


def test_timestamps_are_exact_to_the_millisecond():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3_723_004) == "01:02:03.004"
    assert timestamp(100 * 3_600_000 + 1) == "100:00:00.001"
    blocks = "".join(vtt_blocks([Line("M-->1", "A", "b", 1, 2)], title="t"))
    assert "M-->1" not in blocks  # an identifier that would read as a timing is left out
