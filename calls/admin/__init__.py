"""The admin: what it shows, registered in one place.

``phone_calls`` holds the call's admin with its transcript inline, ``forms`` and
``renderers`` what that page is drawn with, ``records`` the read-only logs of the audit.
"""

from django.contrib import admin

from .. import api_keys_admin  # noqa: F401 (registers the API keys' admin)
from ..models import (
    AccessRecord,
    CustomAttribute,
    ErasureRecord,
    PhoneCall,
    PurgeRecord,
    RedactionRun,
)
from ..webhooks import admin as webhooks_admin  # noqa: F401 (registers the webhooks' admin)
from .phone_calls import CustomAttributeAdmin, PhoneCallAdmin
from .records import AccessRecordAdmin, ErasureRecordAdmin, PurgeRecordAdmin, RedactionRunAdmin

admin.site.register(PhoneCall, PhoneCallAdmin)
admin.site.register(CustomAttribute, CustomAttributeAdmin)
admin.site.register(AccessRecord, AccessRecordAdmin)
admin.site.register(PurgeRecord, PurgeRecordAdmin)
admin.site.register(RedactionRun, RedactionRunAdmin)
admin.site.register(ErasureRecord, ErasureRecordAdmin)
