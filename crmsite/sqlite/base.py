"""Django's SQLite backend, told the bound-parameter limit of the SQLite actually linked.

Django 5.2 assumes 999 parameters per statement, the default of SQLite before 3.32, and
splits bulk inserts to fit: a transcript of 50 messages and its history rows then take
several INSERTs. SQLite 3.32+ allows 32,766 by default, so the same insert is one
statement, as on PostgreSQL. (Django 6.0 reads the real limit itself.)
"""

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property


class DatabaseFeatures(features.DatabaseFeatures):
    # Django 5.2 declares a plain class attribute here; a cached_property overrides it at run
    # time (and is writeable), but mypy takes it for a read-only property.
    @cached_property
    def max_query_params(self) -> int:  # type: ignore[override]
        self.connection.ensure_connection()
        return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
