"""The erasure ledger's hash of a number: salted PBKDF2 (Django's password hasher), so the
ledger can confirm "this number was erased on …" and never tell the number."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.crypto import get_random_string


class _NumberHasher(PBKDF2PasswordHasher):
    # A phone number has few digits: the work factor is what keeps a stolen ledger from
    # being read back by trying every number.
    iterations = 600_000


def number_hash(e164: str) -> str:
    hasher = _NumberHasher()
    return hasher.encode(e164, get_random_string(22))


def is_number(e164: str, encoded: str) -> bool:
    return _NumberHasher().verify(e164, encoded)
