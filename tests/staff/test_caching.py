"""The staff pages are never kept by a browser or proxy: each answer is no-store."""

import pytest
from django.urls import reverse

from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response["Cache-Control"].replace(" ", "").split(",")


def test_the_list_page_is_no_store(viewer_client):
    PhoneCallFactory()
    response = viewer_client.get(reverse("calls:list"))
    assert response.status_code == 200
    assert no_store(response)


def test_the_call_page_is_no_store(viewer_client):
    call = PhoneCallFactory(messages=2)
    response = viewer_client.get(reverse("calls:detail", kwargs={"call_id": call.id}))
    assert response.status_code == 200
    assert no_store(response)


def test_the_csv_export_is_no_store(viewer_client):
    PhoneCallFactory()
    response = viewer_client.get(reverse("calls:export-csv"))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert no_store(response)


def test_a_stored_recording_is_no_store_and_keeps_its_etag(viewer_client):
    from django.core.files.base import ContentFile

    from tests.factories import wav_bytes

    call = PhoneCallFactory(recording_format="audio/wav")
    call.recording.save("r", ContentFile(wav_bytes(seconds=1)))
    response = viewer_client.get(reverse("calls:recording", kwargs={"call_id": call.id}))
    assert response.status_code == 200
    assert no_store(response)
    assert response["ETag"]


def test_the_login_redirect_of_an_anonymous_visitor_is_no_store(client):
    response = client.get(reverse("calls:list"))
    assert response.status_code == 302
    assert no_store(response)
