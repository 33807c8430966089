"""The admin: what it shows, registered in one place.

``phone_calls`` holds the call's admin with its transcript inline, ``forms`` and
``renderers`` what that page is drawn with, ``records`` the read-only logs of the audit,
``api_keys`` the integrators' keys; the webhooks' admin classes live with the webhooks
(``calls.webhooks.admin``). Every registration is here, none is a side effect of an import.
"""

from django.contrib import admin

from ..api_keys import ApiKey
from ..models import (
    AccessRecord,
    CustomAttribute,
    ErasureRecord,
    PhoneCall,
    PurgeRecord,
    RedactionRun,
)
from ..webhooks.admin import WebhookEndpointAdmin, WebhookMessageAdmin
from ..webhooks.models import WebhookEndpoint, WebhookMessage
from .api_keys import ApiKeyAdmin
from .phone_calls import CustomAttributeAdmin, PhoneCallAdmin
from .records import AccessRecordAdmin, ErasureRecordAdmin, PurgeRecordAdmin, RedactionRunAdmin

admin.site.register(PhoneCall, PhoneCallAdmin)
admin.site.register(CustomAttribute, CustomAttributeAdmin)
admin.site.register(AccessRecord, AccessRecordAdmin)
admin.site.register(PurgeRecord, PurgeRecordAdmin)
admin.site.register(RedactionRun, RedactionRunAdmin)
admin.site.register(ErasureRecord, ErasureRecordAdmin)
admin.site.register(ApiKey, ApiKeyAdmin)
admin.site.register(WebhookEndpoint, WebhookEndpointAdmin)
admin.site.register(WebhookMessage, WebhookMessageAdmin)
