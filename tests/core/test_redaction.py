"""The detectors and the policy of calls.redaction, on plain text."""

import pytest
from cryptography.fernet import Fernet

from calls.redaction import crypto, redact_texts
from calls.redaction.checks import redaction_settings
from calls.redaction.policy import current, redact

VISA = "4111 1111 1111 1111"
KEY = Fernet.generate_key().decode()


def stored(text: str, **kwargs) -> str:
    return redact(text, config=current(), **kwargs).text


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        (f"my card is {VISA}", "my card is [CARD]"),
        ("it's 5555-5555-5555-4444 thanks", "it's [CARD] thanks"),
        ("three seven eight two eight two two four six three one double oh oh five", "[CARD]"),
        ("forty one eleven eleven eleven eleven eleven eleven eleven", "[CARD]"),
        (f"{VISA} expiry 09/27 cvv 123", "[CARD] expiry [EXPIRY] cvv [CVV]"),
        (f"{VISA} 0927 123", "[CARD] [EXPIRY] [CVV]"),
        (f"{VISA}, 123", "[CARD], [CVV]"),
        (
            "the expiry date is oh nine twenty seven and the CVV is one two three",
            "the expiry date is [EXPIRY] and the CVV is [CVV]",
        ),
        ("valid thru September 2027", "valid thru [EXPIRY]"),
        ("the security code is 737", "the security code is [CVV]"),
        ("the three digits on the back are 4 4 7", "the three digits on the back are [CVV]"),
    ],
)
def test_payment_card_data_is_replaced_by_markers(said, kept):
    assert stored(said) == kept


@pytest.mark.parametrize(
    "said",
    [
        "order number 4111 1111 1111 1112",  # fails Luhn
        "tracking 1Z999AA10123456784",
        "call me back on 415 555 0100",
        "I have 123 apples and it happened on 09/27",  # no card, no cue: a count and a date
        "see you at 10:30, room 1234",
    ],
)
def test_near_misses_stay(said):
    assert stored(said) == said


def test_a_security_code_answered_in_the_next_message_is_a_security_code():
    results = redact_texts(
        ["Can I have the security code on the back?", "sure, one two three", "and 456 more"],
        own_number=None,
    )
    assert [r.text for r in results] == [
        "Can I have the security code on the back?",
        "sure, [CVV]",
        "and 456 more",  # the question was answered: the next message is not an answer
    ]


def test_a_code_after_a_card_in_the_message_before_is_a_code():
    results = redact_texts([f"it's {VISA}", "123"], own_number=None)
    assert [r.text for r in results] == ["it's [CARD]", "[CVV]"]


def test_the_stored_text_before_a_write_gives_the_context():
    (result,) = redact_texts(
        ["four four seven"], own_number=None, previous=lambda: "What's the CVV?"
    )
    assert result.text == "[CVV]"


def test_personal_data_is_redacted_only_when_configured(settings):
    text = "mail me at ann.lee@example.com or call +44 20 7946 0958, SSN 536-90-4399"
    assert stored(text) == text
    settings.CALLBOOK_REDACT = ["card", "cvv", "expiry", "email", "phone", "national_id"]
    assert stored(text) == "mail me at [EMAIL] or call [PHONE], SSN [NATIONAL_ID]"


def test_the_calls_own_number_is_not_redacted(settings):
    settings.CALLBOOK_REDACT = ["phone"]
    settings.CALLBOOK_PHONE_REGION = "US"
    text = "you called from (415) 555-0100; my mobile is 415-555-0199"
    assert stored(text, own_number="+14155550100") == (
        "you called from (415) 555-0100; my mobile is [PHONE]"
    )


@pytest.mark.parametrize(
    ("country", "said"),
    [
        ("gb", "my NI number is AB 12 34 56 C"),
        ("gb", "NHS number 943 476 5919"),
        ("de", "Steuer-ID 86095742719"),
        ("nl", "BSN 1112.22.333"),
        ("es", "DNI 54362315K"),
        ("ca", "SIN 130-692-544"),
    ],
)
def test_national_ids_of_the_configured_countries(settings, country, said):
    settings.CALLBOOK_REDACT = ["national_id"]
    settings.CALLBOOK_REDACT_COUNTRIES = [country]
    assert "[NATIONAL_ID]" in stored(said)
    settings.CALLBOOK_REDACT_COUNTRIES = ["us" if country != "us" else "gb"]
    assert stored(said) == said


def test_ibans_are_validated(settings):
    settings.CALLBOOK_REDACT = ["iban"]
    assert stored("IBAN GB82 WEST 1234 5698 7654 32") == "IBAN [IBAN]"
    assert stored("IBAN GB83 WEST 1234 5698 7654 32") == "IBAN GB83 WEST 1234 5698 7654 32"


def test_policy_none_keeps_the_text_but_never_a_security_code(settings):
    settings.CALLBOOK_REDACTION_POLICY = "none"
    assert stored(f"{VISA} cvv 123") == f"{VISA} cvv [CVV]"


def test_redacted_and_original_keeps_an_encrypted_original_without_the_code(settings):
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = [KEY]
    result = redact(f"card {VISA} cvv 123", config=current())
    assert result.text == "card [CARD] cvv [CVV]"
    assert VISA not in result.original and "123" not in result.original
    assert crypto.decrypt(result.original) == f"card {VISA} cvv [CVV]"
    # Only a security code found: the original would say no more than the stored text.
    assert redact("the cvv is 123", config=current()).original is None


def test_keys_rotate(settings):
    settings.CALLBOOK_REDACTION_KEYS = [KEY]
    token = crypto.encrypt("said")
    new = Fernet.generate_key().decode()
    settings.CALLBOOK_REDACTION_KEYS = [new, KEY]
    rotated = crypto.rotate(token)
    settings.CALLBOOK_REDACTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "said"
    with pytest.raises(crypto.OriginalUnreadable):
        crypto.decrypt(token)


def test_the_system_checks_refuse_unknown_kinds_policies_keys_and_countries(settings):
    assert redaction_settings() == []
    settings.CALLBOOK_REDACT = ["card", "ssn"]
    settings.CALLBOOK_REDACTION_POLICY = "redacted+original"
    settings.CALLBOOK_REDACTION_KEYS = []
    settings.CALLBOOK_REDACT_COUNTRIES = ["xx"]
    assert [e.id for e in redaction_settings()] == ["calls.E101", "calls.E103", "calls.E104"]
    settings.CALLBOOK_REDACTION_POLICY = "everything"
    assert "calls.E102" in [e.id for e in redaction_settings()]
