"""The bare Django REST Framework app ``make bench`` measures Callbook against (issue 18).

The same two tables (Callbook's migrations make its database), the same JSON in and out for
create with nested messages, GET of an item and a page of calls, written the way a plain DRF
app is: ``ModelSerializer``s, a ``ModelViewSet``, ``LimitOffsetPagination``, ``bulk_create``
for the messages. No authentication, no permissions, no throttles, no history, no audit.
"""
