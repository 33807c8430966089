from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from calls.oracle.views import route_not_found


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico where a page (the admin's) names no icon. Resolved per
    request: the hashed static name exists only once collectstatic ran."""
    return HttpResponsePermanentRedirect(static("calls/favicon.svg"))


# Recordings are never served from MEDIA_URL: only through views that check permissions.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("crmRestApi/resources/", include("calls.oracle.urls")),
    # Any other path under /crmRestApi/ is Oracle's 404 in the request's version, not HTML.
    re_path(r"^crmRestApi(?:/|$)", route_not_found),
    path("api/schema/", include("calls.oracle.openapi.views")),
    # django.contrib.auth.urls without the password-reset pages: there is no mail set up, so
    # they could only send mail nobody reads (or spam someone); an admin resets passwords.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("calls.staff.urls")),
]
