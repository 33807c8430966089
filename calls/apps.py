from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers and system checks of the webhooks, system checks of redaction; the
        # receivers that forget remembered logins and count failed ones.
        from . import login_cache, security  # noqa: F401
        from .redaction import checks as redaction_checks  # noqa: F401
        from .webhooks import checks, subscriptions  # noqa: F401
