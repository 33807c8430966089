"""The audit of access: one row per play, download or view, shown read-only in the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request

from calls.audit import access_record, access_record_once
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


def _once(user, call, kind="recording_play", channel="ui", **meta):
    return access_record_once(request=_request(user, **meta), call=call, kind=kind, channel=channel)


def test_a_deduped_access_is_one_statement_whether_it_writes_or_merges(
    django_assert_num_queries,
):
    user, call = UserFactory(username="agent7"), PhoneCallFactory()
    # 1: INSERT … SELECT … WHERE NOT EXISTS (the check and the write in one).
    with django_assert_num_queries(1):
        assert _once(user, call, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox/140")
    with django_assert_num_queries(1):
        assert not _once(user, call)
    record = AccessRecord.objects.get()
    assert (record.user_id, record.username, record.call_id) == (user.pk, "agent7", call.pk)
    assert (record.call_number, record.kind, record.channel) == (
        call.call_number,
        "recording_play",
        "ui",
    )
    assert (record.remote_address, record.user_agent) == ("198.51.100.7", "Firefox/140")


def test_another_user_call_or_kind_is_its_own_record():
    user, call = UserFactory(), PhoneCallFactory()
    assert _once(user, call)
    assert _once(UserFactory(), call)
    assert _once(user, PhoneCallFactory())
    assert _once(user, call, kind="transcript_view")
    assert not _once(user, call, channel="api")  # the same reader of the same thing
    assert AccessRecord.objects.count() == 4


def test_a_record_older_than_the_window_does_not_merge(settings):
    user, call = UserFactory(), PhoneCallFactory()
    _once(user, call)
    window = settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS
    AccessRecord.objects.update(accessed_at=timezone.now() - timedelta(seconds=window - 5))
    assert not _once(user, call)
    AccessRecord.objects.update(accessed_at=timezone.now() - timedelta(seconds=window + 1))
    assert _once(user, call)
    assert AccessRecord.objects.count() == 2


def test_a_window_of_zero_and_anonymous_reads_are_never_merged(settings):
    call = PhoneCallFactory()
    assert _once(AnonymousUser(), call) and _once(AnonymousUser(), call)
    settings.CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS = 0
    user = UserFactory()
    assert _once(user, call) and _once(user, call)
    assert AccessRecord.objects.count() == 4


def test_an_unknown_kind_is_refused_by_the_deduped_record_too():
    with pytest.raises(ValueError):
        _once(UserFactory(), PhoneCallFactory(), kind="recording_stream")
