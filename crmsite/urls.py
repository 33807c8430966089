from django.contrib import admin
from django.urls import include, path

from calls.health import healthz

# Recordings are never served from MEDIA_URL: only through views that check permissions.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("crmRestApi/resources/", include("calls.oracle.urls")),
    path("api/schema/", include("calls.oracle.openapi.views")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("calls.staff.urls")),
]
