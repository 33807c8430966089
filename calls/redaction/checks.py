"""System checks of the redaction settings: a typo must not quietly turn redaction off."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from . import crypto
from .personal import NATIONAL_IDS
from .policy import KINDS, POLICIES, REDACTED_AND_ORIGINAL


@register()
def redaction_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    unknown = sorted({k.lower() for k in settings.CALLBOOK_REDACT} - set(KINDS))
    if unknown:
        errors.append(
            Error(
                f"CALLBOOK_REDACT names unknown kinds: {', '.join(unknown)}",
                hint=f"Known kinds: {', '.join(KINDS)}.",
                id="calls.E101",
            )
        )
    if settings.CALLBOOK_REDACTION_POLICY not in POLICIES:
        errors.append(
            Error(
                f"CALLBOOK_REDACTION_POLICY must be one of {', '.join(POLICIES)}",
                id="calls.E102",
            )
        )
    if settings.CALLBOOK_REDACTION_POLICY == REDACTED_AND_ORIGINAL:
        problem = crypto.check_keys()
        if problem:
            errors.append(
                Error(
                    problem,
                    hint="Generate a key with: python -c 'from cryptography.fernet import "
                    "Fernet; print(Fernet.generate_key().decode())'",
                    id="calls.E103",
                )
            )
    countries = sorted({c.lower() for c in settings.CALLBOOK_REDACT_COUNTRIES} - set(NATIONAL_IDS))
    if countries:
        errors.append(
            Error(
                "CALLBOOK_REDACT_COUNTRIES names countries without a detector: "
                + ", ".join(countries),
                hint=f"Known: {', '.join(sorted(NATIONAL_IDS))}.",
                id="calls.E104",
            )
        )
    return errors
