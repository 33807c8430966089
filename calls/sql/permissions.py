"""A user's permissions in one statement, written into Django's per-request cache.

Relies on ``ModelBackend`` reading ``user._perm_cache`` (a set of "app_label.codename")
when it is set, and on the auth models' many-to-many tables as ``_meta`` describes them.
Guarded by tests/api/test_auth.py (``test_the_loaded_permissions_are_djangos_own``) and by the
query counts of every API path.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@cache
def _permissions_sql() -> str:
    """The user's permissions, direct and through groups, as (app label, codename) rows.

    Written once from the models' tables: the ORM would spend more CPU compiling this
    query (two many-to-many paths joined with OR) than the database spends answering it.
    """
    q = connection.ops.quote_name
    direct = get_user_model()._meta.get_field("user_permissions")
    membership = get_user_model()._meta.get_field("groups")
    granted = Group._meta.get_field("permissions")
    return (
        f"SELECT ct.{q('app_label')}, p.{q('codename')} "
        f"FROM {q(Permission._meta.db_table)} p "
        f"JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')} "
        f"WHERE p.{q('id')} IN ("
        f"SELECT {q(direct.m2m_reverse_name())} FROM {q(direct.m2m_db_table())} "
        f"WHERE {q(direct.m2m_column_name())} = %s "
        "UNION "
        f"SELECT gp.{q(granted.m2m_reverse_name())} FROM {q(granted.m2m_db_table())} gp "
        f"JOIN {q(membership.m2m_db_table())} ug "
        f"ON ug.{q(membership.m2m_reverse_name())} = gp.{q(granted.m2m_column_name())} "
        f"WHERE ug.{q(membership.m2m_column_name())} = %s)"
    )


def load_permissions(user: User | AnonymousUser) -> None:
    """Fill Django's per-request permission cache of ``user`` with one query, not two.

    ``ModelBackend`` reads ``user._perm_cache`` when it is set; it would otherwise ask for
    the user's and the groups' permissions separately on every API request.
    """
    if not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(), [user.pk, user.pk])
        # ModelBackend's cache attribute is set on the instance at run time, declared nowhere.
        user._perm_cache = {  # type: ignore[attr-defined]
            f"{app}.{codename}" for app, codename in cursor.fetchall()
        }


def loaded_permissions(user: User | AnonymousUser) -> frozenset[str] | None:
    """What ``load_permissions`` put into ``user``'s cache, to remember (None: nothing)."""
    perms = getattr(user, "_perm_cache", None)
    return None if perms is None else frozenset(perms)


def restore_permissions(user: User, perms: frozenset[str]) -> None:
    """Put remembered permissions (``loaded_permissions``) back into the per-request cache."""
    user._perm_cache = set(perms)  # type: ignore[attr-defined]
