"""Hostile input over HTTP answers 4xx in the error format, never a 500 (issue 11, point 6)."""

import pytest

from calls import services
from tests.api.helpers import CALLS, ERROR_TYPE
from tests.factories import PhoneCallFactory, wav_bytes

pytestmark = pytest.mark.django_db


ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


SPELLINGS = {
    "plus": lambda i: f"+{i}",
    "space": lambda i: f" {i}",
    "underscore": lambda i: f"0_{i}",
    "arabic-indic": lambda i: str(i).translate(ARABIC_INDIC),
}


@pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_an_id_that_is_not_plain_ascii_digits_is_a_404(admin_api4, spell):
    """int() reads "+7", " 7" and Arabic-Indic digits as 7: the call must not answer to them."""
    call = PhoneCallFactory()
    response = admin_api4.get(f"{CALLS}/{spell(call.id)}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(ERROR_TYPE)


def test_a_range_header_with_thousands_of_digits_is_answered_not_a_500(admin_api4):
    call = PhoneCallFactory()
    audio = wav_bytes(0.1)
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=audio)
    url = f"{CALLS}/{call.id}/enclosure/CallRecording"
    huge = "9" * 5000
    start_past_the_end = admin_api4.get(url, HTTP_RANGE=f"bytes={huge}-")
    assert start_past_the_end.status_code == 416
    size = len(audio)
    end_past_the_end = admin_api4.get(url, HTTP_RANGE=f"bytes=0-{huge}")
    assert end_past_the_end.status_code == 206
    assert end_past_the_end["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    suffix_longer_than_the_file = admin_api4.get(url, HTTP_RANGE=f"bytes=-{huge}")
    assert suffix_longer_than_the_file.status_code == 206
    assert len(b"".join(suffix_longer_than_the_file.streaming_content)) == size
