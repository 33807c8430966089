"""Recording uploads (issue 11, point 5): bounded, complete, and never orphaning a file."""

import io

import pytest

from calls import services
from calls.models import PhoneCall
from tests.api.helpers import CALLS, ERROR_TYPE, OCTETS, recording_url
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

ACTOR = services.Actor("cti")


def stored_files(storage) -> list[str]:
    """Every file under recordings/ in the storage."""
    if not storage.exists("recordings"):
        return []
    names, stack = [], ["recordings"]
    while stack:
        directory = stack.pop()
        directories, files = storage.listdir(directory)
        names += [f"{directory}/{f}" for f in files]
        stack += [f"{directory}/{d}" for d in directories]
    return sorted(names)


def chunked_put(client, url, body: bytes, *, terminated: bool = True):
    """A PUT as a WSGI server hands over a chunked body: no Content-Length, decoded input."""
    environ = {"wsgi.input": io.BytesIO(body), "HTTP_TRANSFER_ENCODING": "chunked"}
    if terminated:
        environ["wsgi.input_terminated"] = True  # gunicorn and werkzeug set it
    return client.generic("PUT", url, b"", content_type=OCTETS, **environ)


# ------------------------------------------------------------------------- size limit


def test_a_recording_over_the_request_limit_is_a_413_in_the_error_format(admin_api4, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # CALLBOOK_MAX_REQUEST_BYTES
    call = PhoneCallFactory()
    response = admin_api4.put(recording_url(call.id), b"x" * 1001, content_type=OCTETS)
    assert response.status_code == 413
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert "larger than 1000 bytes" in response.json()["o:errorDetails"][0]["detail"]
    assert PhoneCall.objects.get(pk=call.pk).recording.name == ""
    assert stored_files(call.recording.storage) == []
    assert (
        admin_api4.put(recording_url(call.id), b"x" * 1000, content_type=OCTETS).status_code == 204
    )


def test_a_chunked_recording_over_the_limit_is_a_413_and_stores_nothing(admin_api4, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    call = PhoneCallFactory()
    response = chunked_put(admin_api4, recording_url(call.id), b"x" * 200_000)
    assert response.status_code == 413
    assert stored_files(call.recording.storage) == []


def test_a_json_body_announced_over_the_limit_is_a_413_before_it_is_read(admin_api4, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 40  # the body is 53 bytes
    response = admin_api4.post(CALLS, {"InteractionId": 1, "PhoneNumber": "9" * 30}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert not PhoneCall.objects.exists()


def test_the_413_speaks_plain_text_in_version_1(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    call = PhoneCallFactory()
    response = admin_api.put(recording_url(call.id), b"x" * 11, content_type=OCTETS)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


# ------------------------------------------------------------------------ chunked bodies


def test_a_chunked_recording_is_stored_whole(admin_api):
    call = PhoneCallFactory()
    audio = bytes(range(256)) * 1000  # 256,000 bytes: several reads, past the memory spool
    response = chunked_put(admin_api, recording_url(call.id), audio)
    assert response.status_code == 204
    call.refresh_from_db()
    with call.recording.storage.open(call.recording.name, "rb") as stored:
        assert stored.read() == audio


def test_a_chunked_body_the_server_did_not_terminate_is_a_411_and_stores_nothing(admin_api4):
    """Without wsgi.input_terminated the input has no known end: Django would read it empty."""
    call = PhoneCallFactory()
    response = chunked_put(admin_api4, recording_url(call.id), b"audio", terminated=False)
    assert response.status_code == 411
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert PhoneCall.objects.get(pk=call.pk).recording.name == ""
    assert stored_files(call.recording.storage) == []


def test_a_body_shorter_than_its_content_length_is_a_400_not_a_short_recording(admin_api4):
    call = PhoneCallFactory()
    response = admin_api4.generic(
        "PUT",
        recording_url(call.id),
        b"",
        content_type=OCTETS,
        CONTENT_LENGTH="100",
        **{"wsgi.input": io.BytesIO(b"only ten b")},
    )
    assert response.status_code == 400
    assert PhoneCall.objects.get(pk=call.pk).recording.name == ""
    assert stored_files(call.recording.storage) == []


# ------------------------------------------------------------- concurrent replacements


def test_concurrent_replacements_leave_only_the_winners_file(django_capture_on_commit_callbacks):
    """Two uploads both read the call (recording A) before either commits.

    The first replaces A with B; the second, still holding A on its instance, replaces
    what the locked row holds (B) with C. Only C may remain in storage.
    """
    call = PhoneCallFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_set_recording(actor=ACTOR, call=call, content=b"A")
    first, second = PhoneCall.objects.get(pk=call.pk), PhoneCall.objects.get(pk=call.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_set_recording(actor=ACTOR, call=first, content=b"B")
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_set_recording(actor=ACTOR, call=second, content=b"C")
    call.refresh_from_db()
    storage = call.recording.storage
    assert stored_files(storage) == [call.recording.name]
    with storage.open(call.recording.name, "rb") as stored:
        assert stored.read() == b"C"


def test_a_replacement_that_rolls_back_removes_its_own_file(django_capture_on_commit_callbacks):
    call = PhoneCallFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_set_recording(actor=ACTOR, call=call, content=b"A")
    kept = PhoneCall.objects.get(pk=call.pk).recording.name
    stale = PhoneCall.objects.get(pk=call.pk)
    PhoneCall.objects.filter(pk=call.pk).delete()  # another request deleted the call
    with pytest.raises(PhoneCall.DoesNotExist):
        services.phone_call_set_recording(actor=ACTOR, call=stale, content=b"loser")
    assert stored_files(call.recording.storage) == [kept]  # the loser's file is gone
