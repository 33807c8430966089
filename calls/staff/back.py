"""The list's state carried to a call page and back: "← All calls" returns to the list
with its search, filters, sort and page.

The list's row links add ``back=<the list's query string>``; the call page reads it back
through ``list_query``, which keeps only the list's own parameters (re-encoded), so the
"← All calls" link is always ``/?<list parameters>``: no other address can be smuggled in
(``//evil.example``, ``https://…``, a path), whatever ``back`` says.
"""

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from django.http import QueryDict

from .filters import PhoneCallFilterSet

# The list's parameters: its filters (the search and the sort among them) and its page.
LIST_PARAMETERS = frozenset(PhoneCallFilterSet.base_filters) | {"page"}

# A list address longer than this is not one the list drew (its fields are capped far
# below); such a ``back`` is ignored rather than parsed.
MAX_LENGTH = 2000


def _kept(pairs: Iterable[tuple[str, str]]) -> str:
    return urlencode([(key, value) for key, value in pairs if key in LIST_PARAMETERS])


def list_state(params: QueryDict) -> str:
    """The list's parameters of ``params`` (the list's GET), as a query string: what a
    row's link carries in ``back``. Other parameters are left out; the empty fields a
    submitted filter form sends stay, so the way back is the very address the list had."""
    return _kept((key, value) for key, values in params.lists() for value in values)


def list_query(back: str) -> str:
    """The query string "← All calls" goes to, from a call page's ``back`` parameter: the
    list's parameters it holds, re-encoded; "" when it holds none or is no query string."""
    back = back.removeprefix("?")
    if not back or len(back) > MAX_LENGTH:
        return ""
    return _kept(parse_qsl(back, keep_blank_values=True))
