from django.contrib import admin
from django.urls import include, path

# Recordings are never served from MEDIA_URL: only through views that check permissions.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("crmRestApi/resources/", include("calls.oracle.urls")),
]
