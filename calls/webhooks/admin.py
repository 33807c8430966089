"""The webhooks in the admin: endpoints (secret shown once, rotation, replay) and the
delivery log (each message with its attempts), filterable by endpoint, event type, outcome.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from . import delivery
from .addresses import AddressRefused, check_url
from .endpoints import (
    endpoint_create,
    endpoint_disable,
    endpoint_enable,
    endpoint_rotate_secret,
)
from .events import DESCRIPTIONS, EVENT_TYPES
from .models import WebhookAttempt, WebhookEndpoint, WebhookMessage

SECRET_TEMPLATE = "admin/calls/webhookendpoint/secret.html"
REPLAY_TEMPLATE = "admin/calls/webhookendpoint/replay.html"


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {DESCRIPTIONS[name]}") for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "enabled")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            check_url(url)
        except AddressRefused as error:
            raise forms.ValidationError(str(error)) from None
        return url


class ReplayForm(forms.Form):
    since = forms.SplitDateTimeField(
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"}, time_attrs={"type": "time", "step": "1"}
        ),
        help_text="Failed messages made at or after this time are sent again.",
    )


class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "description", "subscribed", "enabled", "state", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "description")
    readonly_fields = ("state", "failing_since", "previous_secret_expires_at", "created_at")
    actions = ("rotate_secret", "replay_failed", "disable", "enable")

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        fields: tuple[str, ...] = ("url", "description", "event_types", "enabled")
        if obj is not None:
            fields += ("state", "failing_since", "previous_secret_expires_at", "created_at")
        return fields

    @admin.display(description="Events")
    def subscribed(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types)

    @admin.display(description="State")
    def state(self, obj: WebhookEndpoint) -> str:
        if not obj.enabled:
            return f"Disabled: {obj.disabled_reason}" if obj.disabled_reason else "Disabled"
        if obj.failing_since is not None:
            return f"Failing since {obj.failing_since:%Y-%m-%d %H:%M} UTC"
        return "Healthy"

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            if "enabled" in form.changed_data and obj.enabled:
                obj.disabled_at, obj.disabled_reason, obj.failing_since = None, "", None
            obj.save()
            return
        endpoint, secret = endpoint_create(
            url=obj.url,
            event_types=obj.event_types,
            description=obj.description,
            enabled=obj.enabled,
        )
        obj.pk = endpoint.pk
        obj.secret = endpoint.secret
        obj.created_at = endpoint.created_at
        request.callbook_new_secret = secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        # The secret is shown on this page once, never through messages (a cookie) or later.
        secret = getattr(request, "callbook_new_secret", None)
        return self._secret_page(request, [(obj, secret)], "The endpoint was added.")

    def _secret_page(
        self, request: HttpRequest, pairs: list[tuple[WebhookEndpoint, str | None]], title: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "pairs": pairs,
            "overlap_hours": _overlap_hours(),
        }
        # The admin's views are never_cache already: no browser or proxy keeps the page.
        return TemplateResponse(request, SECRET_TEMPLATE, context)

    @admin.action(description="Rotate the signing secret of the selected endpoints")
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse:
        pairs: list[tuple[WebhookEndpoint, str | None]] = [
            (endpoint, endpoint_rotate_secret(endpoint)) for endpoint in queryset
        ]
        return self._secret_page(request, pairs, "New signing secrets")

    @admin.action(description="Replay failed messages of the selected endpoints since…")
    def replay_failed(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse | None:
        form = ReplayForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            since = form.cleaned_data["since"]
            count = sum(delivery.replay_failed(endpoint, since) for endpoint in queryset)
            self.message_user(request, f"{count} failed messages enqueued again.")
            disabled = [e.url for e in queryset if not e.enabled]
            if disabled:
                self.message_user(
                    request,
                    f"Disabled endpoints get nothing until enabled: {', '.join(disabled)}",
                    messages.WARNING,
                )
            return None
        if not form.is_bound:
            form = ReplayForm(initial={"since": timezone.now() - timedelta(days=1)})
        context = {
            **self.admin_site.each_context(request),
            "title": "Replay failed messages",
            "opts": self.model._meta,
            "form": form,
            "endpoints": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, REPLAY_TEMPLATE, context)

    @admin.action(description="Disable the selected endpoints")
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint_disable(endpoint, f"Disabled in the admin by {request.user}.")

    @admin.action(description="Enable the selected endpoints")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint_enable(endpoint)


def _overlap_hours() -> int:
    from django.conf import settings

    return int(settings.CALLBOOK_WEBHOOK_SECRET_OVERLAP_HOURS)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    ordering = ("-attempted_at", "-id")
    fields = ("attempted_at", "status_code", "latency_ms", "error", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class EventTypeFilter(admin.SimpleListFilter):
    """The event types as a fixed list: Django's own filter would scan the events for them."""

    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name) for name in EVENT_TYPES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(event__type=value) if value else queryset


class WebhookMessageAdmin(admin.ModelAdmin):
    """The delivery log: one row per event and endpoint, its attempts inline."""

    list_display = (
        "created_at",
        "event_type",
        "call",
        "endpoint",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("status", EventTypeFilter, "endpoint")
    list_select_related = ("event", "endpoint")
    search_fields = ("event__call_number",)
    show_full_result_count = False
    inlines = (AttemptInline,)
    fields = (
        "webhook_id",
        "event_type",
        "call",
        "endpoint",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "payload",
    )
    readonly_fields = fields
    actions = ("replay",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a log: read, and replayed by the action, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, obj: WebhookMessage) -> str:
        return obj.event.type

    @admin.display(description="Call", ordering="event__call_number")
    def call(self, obj: WebhookMessage) -> str:
        return obj.event.call_number

    @admin.display(description="webhook-id")
    def webhook_id(self, obj: WebhookMessage) -> str:
        return obj.event.message_id

    @admin.display(description="Payload")
    def payload(self, obj: WebhookMessage) -> Any:
        return format_html("<pre>{}</pre>", obj.event.payload[:20000])

    @admin.action(description="Replay the selected messages", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookMessage]) -> None:
        count = delivery.replay(list(queryset))
        self.message_user(request, f"{count} messages enqueued again.")

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("calls.change_webhookmessage")
