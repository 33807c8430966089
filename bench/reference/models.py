"""Callbook's two tables as a plain app maps them (unmanaged: Callbook's migrations made them).

Only the columns the API reads or writes, and the NOT NULL ones a write must fill; the
others are nullable or have a database default (``custom``).
"""

import secrets

from django.db import models
from django.utils import timezone


def call_number() -> str:
    return "CN" + secrets.token_hex(12).upper()


def message_number() -> str:
    return "MN" + secrets.token_hex(12).upper()


class Call(models.Model):
    created_by = models.CharField(max_length=64)
    creation_date = models.DateTimeField()
    last_updated_by = models.CharField(max_length=64)
    last_update_date = models.DateTimeField()
    last_update_login = models.CharField(max_length=32, null=True, blank=True)
    call_number = models.CharField(max_length=30, unique=True, default=call_number)
    call_details_url = models.CharField(max_length=1000, null=True, blank=True)
    recording = models.CharField(max_length=255, default="", blank=True)
    recording_format = models.CharField(max_length=64, null=True, blank=True)
    recording_url = models.CharField(max_length=1000, null=True, blank=True)
    transcript_url = models.CharField(max_length=1000, null=True, blank=True)
    deleted_flag = models.BooleanField(default=False)
    external_system_call_id = models.CharField(max_length=255, null=True, blank=True)
    interaction_id = models.BigIntegerField()
    left_message_flag = models.BooleanField(default=False)
    phone_number = models.CharField(max_length=30, null=True, blank=True)
    version = models.PositiveBigIntegerField(default=1, editable=False)
    # NOT NULL since Callbook's timing (when the call happened): when it arrived, here.
    call_time = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        managed = False
        db_table = "calls_phonecall"
        ordering = ["id"]


class Message(models.Model):
    created_by = models.CharField(max_length=64)
    creation_date = models.DateTimeField()
    last_updated_by = models.CharField(max_length=64)
    last_update_date = models.DateTimeField()
    last_update_login = models.CharField(max_length=32, null=True, blank=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="messages")
    message_number = models.CharField(max_length=30, unique=True, default=message_number)
    message_content = models.TextField(null=True, blank=True)
    message_type_cd = models.CharField(max_length=30, null=True, blank=True)
    posted_by_display_name = models.CharField(max_length=64, null=True, blank=True)
    posted_by_party_id = models.CharField(max_length=30, null=True, blank=True)
    role_cd = models.CharField(max_length=30, null=True, blank=True)
    visibility_cd = models.CharField(max_length=30, default="EXTERNAL")
    deleted_flag = models.BooleanField(default=False)
    version = models.PositiveBigIntegerField(default=1, editable=False)

    class Meta:
        managed = False
        db_table = "calls_transcriptmessage"
        ordering = ["id"]
