from rest_framework.permissions import DjangoModelPermissions

from calls.sql.permissions import load_permissions


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
