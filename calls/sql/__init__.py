"""The statements Callbook writes itself instead of letting the ORM build them.

Each sits on the write or read path where the ORM's generic work cost more than the
database's (measured in ``make bench``), or where Django would send signals per row. Each
module says which Django or django-simple-history internals it relies on and which test
guards it; nothing outside this package touches private Django APIs (ruff's SLF001).
"""
