"""The audit of access: one row per play, download or view, shown read-only in the admin."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request

from calls.audit import access_record
from calls.models import AccessRecord
from calls.services import phone_call_delete
from tests.factories import PhoneCallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user, **meta):
    request = RequestFactory().get("/", **meta)
    request.user = user
    return request


def test_an_access_is_one_insert_naming_who_what_when_and_where(django_assert_num_queries):
    user = UserFactory(username="agent7")
    call = PhoneCallFactory()
    request = _request(user, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox/140")
    # 1: INSERT of the record (user and call are already loaded).
    with django_assert_num_queries(1):
        record = access_record(
            request=request, call=call, kind=AccessRecord.Kind.RECORDING_PLAY, channel="ui"
        )
    record.refresh_from_db()
    assert (record.user_id, record.username) == (user.pk, "agent7")
    assert (record.call_id, record.call_number) == (call.pk, call.call_number)
    assert (record.kind, record.channel) == ("recording_play", "ui")
    assert record.remote_address == "198.51.100.7"
    assert record.user_agent == "Firefox/140"
    assert record.accessed_at is not None


def test_an_api_request_of_drf_is_recorded_the_same_way():
    user = UserFactory(username="integration")
    call = PhoneCallFactory()
    request = Request(_request(user, REMOTE_ADDR="198.51.100.8"))
    request.user = user
    record = access_record(request=request, call=call, kind="transcript_download", channel="api")
    assert (record.username, record.channel, record.remote_address) == (
        "integration",
        "api",
        "198.51.100.8",
    )


def test_an_anonymous_access_keeps_no_user():
    record = access_record(
        request=_request(AnonymousUser()),
        call=PhoneCallFactory(),
        kind="transcript_view",
        channel="ui",
    )
    assert record.user is None and record.username == ""


def test_a_long_user_agent_is_cut_to_the_column():
    record = access_record(
        request=_request(UserFactory(), HTTP_USER_AGENT="x" * 2000),
        call=PhoneCallFactory(),
        kind="recording_download",
        channel="api",
    )
    assert len(record.user_agent) == 512


@pytest.mark.parametrize("kind,channel", [("recording_stream", "ui"), ("recording_play", "web")])
def test_unknown_kinds_and_channels_are_refused(kind, channel):
    with pytest.raises(ValueError):
        access_record(
            request=_request(UserFactory()), call=PhoneCallFactory(), kind=kind, channel=channel
        )
    assert not AccessRecord.objects.exists()


def test_the_record_outlives_the_call_and_the_user():
    user = UserFactory()
    call = PhoneCallFactory()
    record = access_record(request=_request(user), call=call, kind="recording_play", channel="ui")
    phone_call_delete(call=call)
    user.delete()
    record.refresh_from_db()
    assert record.call_id is None and record.user_id is None
    assert record.call_number == call.call_number and record.username == user.username


@pytest.fixture
def records():
    call = PhoneCallFactory(call_number="CALL-AUDITED")
    for name in ("alice", "bob"):
        access_record(
            request=_request(UserFactory(username=name)),
            call=call,
            kind="recording_play",
            channel="ui",
        )
    return call


def test_the_admin_lists_and_searches_access_records(admin_client, records):
    response = admin_client.get("/admin/calls/accessrecord/")
    assert response.status_code == 200
    assert b"alice" in response.content and b"bob" in response.content
    response = admin_client.get("/admin/calls/accessrecord/", {"q": "alice"})
    assert b"alice" in response.content and b"bob" not in response.content
    response = admin_client.get("/admin/calls/accessrecord/", {"q": "CALL-AUDITED"})
    assert response.content.count(b"CALL-AUDITED") >= 2


def test_the_admin_shows_access_records_read_only(admin_client, records):
    record = AccessRecord.objects.first()
    assert admin_client.get("/admin/calls/accessrecord/add/").status_code == 403
    page = admin_client.get(f"/admin/calls/accessrecord/{record.pk}/change/")
    assert page.status_code == 200
    assert b'name="username"' not in page.content  # no input: read-only
    response = admin_client.post(
        f"/admin/calls/accessrecord/{record.pk}/change/", {"username": "mallory"}
    )
    assert response.status_code == 403
    assert admin_client.get(f"/admin/calls/accessrecord/{record.pk}/delete/").status_code == 403
    record.refresh_from_db()
    assert record.username != "mallory"


def test_the_access_record_list_costs_the_same_for_2_and_40_rows(admin_client, records):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/calls/accessrecord/").status_code == 200
        return len(captured)

    few = queries()
    call = PhoneCallFactory()
    for _ in range(38):
        access_record(
            request=_request(UserFactory()), call=call, kind="transcript_view", channel="api"
        )
    # Session, user, the page of rows, the date hierarchy: no query per row.
    assert queries() == few <= 8


def test_the_admin_lists_purge_records_read_only(admin_client):
    assert admin_client.get("/admin/calls/purgerecord/").status_code == 200
    assert admin_client.get("/admin/calls/purgerecord/add/").status_code == 403
