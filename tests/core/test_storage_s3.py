"""Recordings on S3-compatible storage, against moto's S3 server on 127.0.0.1.

Proves the S3 path end to end through the services: upload, ranged reads, deletion of
replaced and deleted recordings after the commit, and no orphan object when a write fails.
"""

import base64
import secrets

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from calls import services
from calls.models import PhoneCall
from calls.storage import RecordingS3Storage

ACTOR = services.Actor(username="tester")
REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
AUDIO = bytes(range(256)) * 1024  # 256 KiB, every offset's byte is known

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)


@pytest.fixture
def bucket(settings, s3_endpoint, s3_client):
    """A fresh private bucket, and STORAGES["default"] as STORAGE_BACKEND=s3 makes it."""
    name = f"callbook-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "calls.storage.RecordingS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "default_acl": "private",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return name


def keys(s3_client, bucket) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def create(recording=AUDIO, **values):
    return services.phone_call_create(
        actor=ACTOR, values={"interaction_id": 1, **values}, recording=recording
    ).call


def test_recordings_go_to_the_s3_storage_the_settings_name(bucket):
    call = create()
    # The FileField's storage is the lazy default_storage, rebuilt from STORAGES.
    assert call.recording.storage is default_storage
    assert type(default_storage._wrapped) is RecordingS3Storage
    assert default_storage.bucket_name == bucket


def test_a_recording_uploaded_through_the_services_is_a_private_object(bucket, s3_client):
    call = create()
    assert keys(s3_client, bucket) == [call.recording.name]
    assert call.recording.name.startswith("recordings/")
    body = s3_client.get_object(Bucket=bucket, Key=call.recording.name)["Body"].read()
    assert body == AUDIO
    grants = s3_client.get_object_acl(Bucket=bucket, Key=call.recording.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)


def test_ranged_reads_return_exactly_the_bytes_asked_for(bucket):
    call = create()
    with default_storage.open(call.recording.name) as f:
        f.seek(1000)
        assert f.read(100) == AUDIO[1000:1100]
        assert f.read(10) == AUDIO[1100:1110]  # sequential: the same stream goes on
        f.seek(-16, 2)
        assert f.read() == AUDIO[-16:]
        f.seek(0)
        assert f.read(5) == AUDIO[:5]
    assert default_storage.size(call.recording.name) == len(AUDIO)


def test_a_ranged_read_fetches_only_its_range(bucket, monkeypatch):
    call = create()
    asked = []
    import calls.storage as module

    original = module._RangedObjectReader.readinto

    def spy(self, buffer):
        if self._body is None:
            asked.append(self._position)
        return original(self, buffer)

    monkeypatch.setattr(module._RangedObjectReader, "readinto", spy)
    with default_storage.open(call.recording.name) as f:
        f.seek(200_000)
        assert f.read(1000) == AUDIO[200_000:201_000]
        for chunk_start in range(201_000, 261_000, 20_000):
            assert f.read(20_000) == AUDIO[chunk_start : chunk_start + 20_000]
    assert asked == [200_000]  # one ranged GET from the seek position, then one stream


def test_opening_a_missing_object_raises_file_not_found(bucket):
    with pytest.raises(FileNotFoundError):
        default_storage.open("recordings/2026/01/nothing")


def test_the_staff_recording_stream_answers_ranges_from_s3(bucket, admin_client):
    call = create(recording_format="audio/wav")
    response = admin_client.get(f"/calls/{call.pk}/recording", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == AUDIO[100:200]


def test_the_api_enclosure_answers_ranges_from_s3(bucket, client, superuser):
    call = create()
    auth = "Basic " + base64.b64encode(b"admin:correct-horse-battery").decode()
    response = client.get(
        f"/crmRestApi/resources/11.13.18.05/phoneCalls/{call.pk}/enclosure/CallRecording",
        HTTP_AUTHORIZATION=auth,
        HTTP_RANGE="bytes=-256",
    )
    assert response.status_code == 206
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == AUDIO[-256:]


def test_replacing_a_recording_deletes_the_old_object_after_the_commit(
    bucket, s3_client, django_capture_on_commit_callbacks
):
    call = create()
    old = call.recording.name
    with django_capture_on_commit_callbacks() as callbacks:
        services.phone_call_set_recording(actor=ACTOR, call=call, content=b"new bytes")
        new = call.recording.name
        # Until the transaction commits the old recording is still there.
        assert keys(s3_client, bucket) == sorted([old, new])
    for callback in callbacks:
        callback()
    assert keys(s3_client, bucket) == [new]
    assert default_storage.open(new).read() == b"new bytes"


def test_clearing_a_recording_deletes_its_object_after_the_commit(
    bucket, s3_client, django_capture_on_commit_callbacks
):
    call = create()
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_call_set_recording(actor=ACTOR, call=call, content=None)
    assert keys(s3_client, bucket) == []
    call.refresh_from_db()
    assert not call.recording


def test_deleting_a_call_deletes_its_object_after_the_commit(
    bucket, s3_client, django_capture_on_commit_callbacks
):
    call = create()
    keep = create()
    with django_capture_on_commit_callbacks() as callbacks:
        services.phone_call_delete(call=call)
        assert len(keys(s3_client, bucket)) == 2
    for callback in callbacks:
        callback()
    assert keys(s3_client, bucket) == [keep.recording.name]


def test_a_failed_create_leaves_neither_a_row_nor_an_object(
    bucket, s3_client, django_capture_on_commit_callbacks
):
    first = create(call_number="CN-TAKEN")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.DuplicateNumber):
        create(call_number="CN-TAKEN", recording=b"orphan?")
    assert PhoneCall.objects.count() == 1
    assert keys(s3_client, bucket) == [first.recording.name]


def test_healthz_checks_the_bucket(bucket, client, s3_client, settings):
    assert client.get("/healthz").json() == {"status": "ok"}
    s3_client.delete_bucket(Bucket=bucket)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["storage"]}
