"""The version stamp of the custom attribute declarations, shared by every worker.

Each worker keeps the declared attributes it last loaded with the stamp they were loaded
under; a request reads the stamp (one cache read: no query with a local cache, one indexed
row with ``DJANGO_CACHE=db``) and reloads the declarations only when it moved. A change of
a declaration sets a new stamp after its transaction commits, so the next request of every
worker sees it, without a restart. A stamp lost from the cache (evicted, cleared) is made
anew, which makes every worker reload once: never stale, at worst one extra query.
"""

import uuid

from django.core.cache import cache

STAMP_KEY = "callbook:custom-attributes"


def stamp() -> str:
    """The current stamp; a new one when the cache has none (the first to add it wins)."""
    current = cache.get(STAMP_KEY)
    if current is None:
        cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(STAMP_KEY)
    return str(current)


def changed() -> str:
    """Tell every worker the declarations changed (call it after the commit); the new stamp."""
    new = uuid.uuid4().hex
    cache.set(STAMP_KEY, new, timeout=None)
    return new
