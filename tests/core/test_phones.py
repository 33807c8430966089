"""E.164 forms of the many spellings of a phone number (calls.phones)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from calls.phones import to_e164


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+14155550100", "US", "+14155550100"),
        ("+1 415-555-0100", "US", "+14155550100"),
        ("(415) 555 0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("011 44 20 7946 0000", "US", "+442079460000"),
        ("0044 20 7946 0000", "GB", "+442079460000"),
        ("0044 20 7946 0000", "US", "+442079460000"),  # 00 is international everywhere
        ("020 7946 0000", "GB", "+442079460000"),
        ("030 123456", "DE", "+4930123456"),
        ("+49 30 123456", "US", "+4930123456"),
        ("tel:+1-415-555-0100", "US", "+14155550100"),
    ],
)
def test_spellings_of_one_number_have_one_e164_form(raw, region, expected):
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", None, "anonymous", "12", "+999 123", "1" * 40, "x" * 300, "+1000"],
)
def test_what_is_not_a_possible_number_has_no_e164_form(raw):
    assert to_e164(raw, "US") is None


def test_a_number_without_country_code_needs_a_region(settings):
    settings.CALLBOOK_PHONE_REGION = ""
    assert to_e164("(415) 555 0100") is None
    assert to_e164("+1 415 555 0100") == "+14155550100"
    settings.CALLBOOK_PHONE_REGION = "GB"
    assert to_e164("020 7946 0000") == "+442079460000"


def test_an_unknown_region_is_refused_at_start(monkeypatch):
    import importlib

    import crmsite.settings as module

    monkeypatch.setenv("CALLBOOK_PHONE_REGION", "XX")
    with pytest.raises(ImproperlyConfigured, match="CALLBOOK_PHONE_REGION"):
        importlib.reload(module)
    monkeypatch.setenv("CALLBOOK_PHONE_REGION", "gb")
    assert importlib.reload(module).CALLBOOK_PHONE_REGION == "GB"
    monkeypatch.delenv("CALLBOOK_PHONE_REGION")
    importlib.reload(module)
