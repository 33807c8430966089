from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import DjangoModelPermissions
from rest_framework.request import Request

from calls.sql.permissions import load_permissions

if TYPE_CHECKING:
    # Only for annotations: this class is imported while rest_framework.views loads (the
    # DEFAULT_PERMISSION_CLASSES setting), so importing APIView here would be circular.
    from rest_framework.request import Request
    from rest_framework.views import APIView

UPSERT_HEADER = "Upsert-Mode"


def asks_upsert(request: Request) -> bool:
    """``Upsert-Mode: true`` (the views refuse values other than true and false)."""
    return request.headers.get(UPSERT_HEADER, "").strip().lower() == "true"


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, with ``view`` required for reads (DRF requires none).

    An upsert (a POST with ``Upsert-Mode: true``) passes here with ``add_`` or ``change_``:
    which of the two it needs is known only once the service has looked for the match, and
    the operation checks it there, before writing (``operations._authorize_*_upsert``).
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if user and user.is_authenticated:
            load_permissions(user)
        if request.method == "POST" and asks_upsert(request) and user and user.is_authenticated:
            model = self._queryset(view).model._meta
            return any(
                user.has_perm(f"{model.app_label}.{action}_{model.model_name}")
                for action in ("add", "change")
            )
        return bool(super().has_permission(request, view))
