"""API keys in the admin: created for a user with a name and an optional expiry (the key is
shown once, on the page after saving), listed with their prefix and last use, revoked by an
action. The key itself is never stored, so no page can show it again."""

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from ..api_keys import ApiKey, api_key_create, api_key_revoke

KEY_TEMPLATE = "admin/calls/apikey/created.html"


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("user", "name", "expires_at")


class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "state")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    raw_id_fields = ("user",)
    actions = ("revoke",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("user", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "name", "expires_at")
        return ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")

    @admin.display(description="State")
    def state(self, obj: ApiKey) -> str:
        from django.utils import timezone

        if obj.revoked_at is not None:
            return "Revoked"
        return "Active" if obj.usable(timezone.now()) else "Expired"

    def save_model(
        self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            obj.save(update_fields=["name", "expires_at"])
            return
        created, key = api_key_create(user=obj.user, name=obj.name, expires_at=obj.expires_at)
        obj.pk, obj.prefix, obj.digest, obj.created_at = (
            created.pk,
            created.prefix,
            created.digest,
            created.created_at,
        )
        request.callbook_new_api_key = key  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "The new API key",
            "opts": self.model._meta,
            "api_key": obj,
            "key": getattr(request, "callbook_new_api_key", ""),
        }
        return TemplateResponse(request, KEY_TEMPLATE, context)

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_revoke(api_key)
        self.message_user(request, f"{len(queryset)} API keys revoked.")
