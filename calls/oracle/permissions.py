from django.contrib.auth.models import Permission
from django.db.models import Q
from rest_framework.permissions import DjangoModelPermissions


def load_permissions(user) -> None:
    """Fill Django's per-request permission cache of ``user`` with one query, not two.

    ``ModelBackend`` reads ``user._perm_cache`` when it is set; it would otherwise ask for
    the user's and the groups' permissions separately on every API request.
    """
    if not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, with ``view`` required for reads (DRF requires none)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated:
            load_permissions(request.user)
        return super().has_permission(request, view)
