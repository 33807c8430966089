from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import DjangoModelPermissions

from calls.sql.permissions import load_permissions

if TYPE_CHECKING:
    # Only for annotations: this class is imported while rest_framework.views loads (the
    # DEFAULT_PERMISSION_CLASSES setting), so importing APIView here would be circular.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, with ``view`` required for reads (DRF requires none)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user and request.user.is_authenticated:
            load_permissions(request.user)
        return super().has_permission(request, view)
