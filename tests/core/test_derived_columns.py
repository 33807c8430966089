"""The columns the services derive on every write: recording duration and E.164 number.

Neither is an Oracle attribute: the API's items and its schema are as before.
"""

import base64
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from calls import services
from calls.models import PhoneCall
from tests.api.helpers import CALL_KEYS, CALLS, OCTETS, call_url, client_for, recording_url
from tests.audio_samples import flac_bytes, mp3_bytes, opus_bytes, webm_bytes
from tests.factories import PhoneCallFactory, wav_bytes

pytestmark = pytest.mark.django_db

ACTOR = services.Actor("tester")


def stored(call: PhoneCall) -> tuple[int | None, str | None]:
    return PhoneCall.objects.values_list("recording_duration_ms", "phone_number_e164").get(
        pk=call.pk
    )


def test_a_created_call_keeps_its_recordings_duration_and_its_numbers_e164_form():
    call = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 1, "phone_number": "(415) 555-0100"},
        recording=wav_bytes(seconds=1.5),
    ).call
    assert stored(call) == (1500, "+14155550100")
    assert PhoneCall.objects.get(pk=call.pk).phone_number == "(415) 555-0100"  # as sent


def test_without_a_recording_or_a_number_both_are_unknown():
    call = services.phone_call_create(actor=ACTOR, values={"interaction_id": 1}).call
    assert stored(call) == (None, None)
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1, "phone_number": "anonymous"}
    ).call
    assert stored(call) == (None, None)


def test_a_replaced_recording_replaces_the_duration_and_a_cleared_one_clears_it():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1}, recording=flac_bytes(30.0)
    ).call
    assert stored(call)[0] == 30000
    services.phone_call_set_recording(actor=ACTOR, call=call, content=opus_bytes(2.0))
    assert stored(call)[0] == 2000
    # A file whose metadata says nothing: unknown, not the old value.
    services.phone_call_set_recording(actor=ACTOR, call=call, content=webm_bytes(None))
    assert stored(call)[0] is None
    services.phone_call_set_recording(actor=ACTOR, call=call, content=mp3_bytes(frames=38))
    assert stored(call)[0] == round(38 * 1152 / 44100 * 1000)
    services.phone_call_set_recording(actor=ACTOR, call=call, content=None)
    assert stored(call)[0] is None


def test_an_update_of_other_attributes_keeps_the_duration_and_renormalises_the_number():
    call = services.phone_call_create(
        actor=ACTOR,
        values={"interaction_id": 1, "phone_number": "+14155550100"},
        recording=wav_bytes(seconds=1),
    ).call
    services.phone_call_update(actor=ACTOR, call=call, values={"left_message_flag": True})
    assert stored(call) == (1000, "+14155550100")
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": "+44 20 7946 0000"})
    assert stored(call) == (1000, "+442079460000")
    services.phone_call_update(actor=ACTOR, call=call, values={"phone_number": None})
    assert stored(call) == (1000, None)


def test_an_upsert_normalises_the_number_on_both_of_its_paths():
    written = services.phone_call_upsert(
        actor=ACTOR,
        call_id=None,
        values={"call_number": "UP-1", "interaction_id": 1, "phone_number": "415 555 0101"},
    )
    assert written.created and stored(written.call)[1] == "+14155550101"
    written = services.phone_call_upsert(
        actor=ACTOR,
        call_id=None,
        values={"call_number": "UP-1", "interaction_id": 1, "phone_number": "415 555 0102"},
    )
    assert not written.created and stored(written.call)[1] == "+14155550102"


def test_a_purged_recording_has_no_duration():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1}, recording=wav_bytes(seconds=1)
    ).call
    services.purge_recordings(PhoneCall.objects.filter(pk=call.pk), now=timezone.now())
    assert stored(call)[0] is None


def test_the_api_neither_shows_nor_takes_the_derived_columns(superuser):
    api = client_for(superuser)
    response = api.post(
        CALLS,
        {
            "InteractionId": 1,
            "PhoneNumber": "(415) 555-0100",
            "RecordingFormat": "audio/wav",
            "CallRecording": base64.b64encode(wav_bytes(seconds=2)).decode(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    item = response.json()
    assert set(item) == CALL_KEYS
    assert item["PhoneNumber"] == "(415) 555-0100"
    call = PhoneCall.objects.get(pk=item["CallId"])
    assert stored(call) == (2000, "+14155550100")
    # The raw PUT of the enclosure measures the new recording too.
    response = api.put(recording_url(call.pk), flac_bytes(7.0), content_type=OCTETS)
    assert response.status_code == 204
    assert stored(call)[0] == 7000
    assert set(api.get(call_url(call.pk)).json()) == CALL_KEYS
    # Not an attribute: sending one is refused like any unknown attribute.
    response = api.patch(
        call_url(call.pk), {"RecordingDurationMs": 5}, format="json", content_type=None
    )
    assert response.status_code == 400


# manage.py backfill_calls


def backfill(*args: str) -> str:
    out = io.StringIO()
    call_command("backfill_calls", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def old_call(**values) -> PhoneCall:
    """A call stored before the derived columns existed (no service write fills them)."""
    (call,) = PhoneCall.objects.bulk_create(
        [PhoneCallFactory.build(**values, phone_number_e164=None)]
    )
    return call


def test_the_backfill_fills_both_columns_of_older_calls_and_nothing_else():
    numbered = old_call(phone_number="+1 (415) 555-0100")
    unparseable = old_call(phone_number="anonymous")
    recorded = old_call(phone_number=None)
    recorded.recording.save("r", ContentFile(wav_bytes(seconds=3)), save=True)
    silent = old_call(phone_number=None)
    silent.recording.save("r", ContentFile(b"not audio"), save=True)
    PhoneCall.objects.update(recording_duration_ms=None)
    versions = dict(PhoneCall.objects.values_list("id", "version"))
    updated = dict(PhoneCall.objects.values_list("id", "last_update_date"))
    history = PhoneCall.history.count()

    out = backfill()

    assert "Phone numbers: 1 call(s) got a new E.164 form." in out
    assert "Durations: 1 recording(s) measured, 1 without a stated duration." in out
    assert stored(numbered) == (None, "+14155550100")
    assert stored(unparseable) == (None, None)
    assert stored(recorded) == (3000, None)
    assert stored(silent) == (None, None)
    # Not contract data: no new version (ETag), no who-columns, no history row.
    assert dict(PhoneCall.objects.values_list("id", "version")) == versions
    assert dict(PhoneCall.objects.values_list("id", "last_update_date")) == updated
    assert PhoneCall.history.count() == history
    # A second run finds nothing new to do.
    assert "0 call(s)" in backfill("--phone-numbers")


def test_the_backfill_recomputes_everything_with_all_after_the_region_changed(settings):
    call = old_call(phone_number="20 7946 0000")
    backfill("--phone-numbers")
    assert stored(call)[1] == "+12079460000"  # read as a US number
    settings.CALLBOOK_PHONE_REGION = "GB"
    backfill("--phone-numbers")
    assert stored(call)[1] == "+12079460000", "without --all only calls lacking one are visited"
    backfill("--phone-numbers", "--all")
    assert stored(call)[1] == "+442079460000"


def test_the_backfill_goes_in_batches_and_shows_its_progress(capsys):
    for i in range(7):
        old_call(phone_number=f"415 555 01{i:02d}")
    call_command("backfill_calls", "--phone-numbers", "--batch-size", "3")
    err = capsys.readouterr().err
    assert "phone numbers" in err and "7/7" in err
    assert PhoneCall.objects.filter(phone_number_e164__isnull=True).count() == 0


def test_a_recording_replaced_while_the_backfill_reads_keeps_its_own_duration():
    call = services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1}, recording=wav_bytes(seconds=1)
    ).call
    old_name = call.recording.name
    services.phone_call_set_recording(actor=ACTOR, call=call, content=wav_bytes(seconds=2))
    # The backfill read the old file's row before the replacement: its write is a no-op.
    call.recording.storage.save(old_name, ContentFile(wav_bytes(seconds=1)))
    services.phone_call_fill_duration(call_id=call.pk, recording=old_name)
    assert stored(call)[0] == 2000


def test_the_backfill_of_a_number_waits_for_the_calls_lock_and_reads_the_new_number():
    # The batch is read under row locks: what it writes is the form of the number it read.
    call = old_call(phone_number="415 555 0100")
    PhoneCall.objects.filter(pk=call.pk).update(phone_number="415 555 0199")
    assert services.phone_calls_fill_e164([call.pk]) == 1
    assert stored(call)[1] == "+14155550199"


# When the call happened (calls.timing): call_time, derived like the columns above.


def test_the_backfill_gives_calls_the_start_their_values_carry_under_the_setting(settings):
    start = "2025-02-03T04:05:06.000+00:00"
    call = old_call(custom={"StartTime_c": start})
    assert stored_time(call) == call.creation_date  # not the attribute named by the setting
    settings.CALLBOOK_CALL_START_ATTRIBUTE = "StartTime_c"  # the tenant's own field
    versions = dict(PhoneCall.objects.values_list("id", "version"))

    out = backfill("--call-times")

    assert "Call times: 1 call(s) got a new time." in out
    assert stored_time(call).isoformat(timespec="milliseconds") == start
    assert dict(PhoneCall.objects.values_list("id", "version")) == versions
    assert "Call times: 0 call(s)" in backfill("--call-times")


def stored_time(call: PhoneCall):
    return PhoneCall.objects.values_list("call_time", flat=True).get(pk=call.pk)


def test_the_api_sets_the_call_time_from_the_start_and_never_answers_it(superuser):
    start = "2025-02-03T04:05:06.789+00:00"
    body = (
        client_for(superuser)
        .post(CALLS, {"InteractionId": 1, "CallStartTime_c": start}, format="json")
        .json()
    )

    call = PhoneCall.objects.get(pk=body["CallId"])
    assert call.call_time.isoformat(timespec="milliseconds") == start
    assert body["CallStartTime_c"] == start
    assert set(body) == CALL_KEYS | {"CallStartTime_c"}  # call_time is no attribute
