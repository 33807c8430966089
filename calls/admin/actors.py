"""Who the admin's writes are made by, in the services' terms."""

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from .. import services


def actor_for(request: HttpRequest) -> services.Actor:
    """The who-columns' view of the logged-in user: username and an id of the session."""
    session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
    login = salted_hmac("calls.admin.login", session_key or str(request.user.pk)).hexdigest()
    return services.Actor(username=request.user.get_username(), login=login[:32])
