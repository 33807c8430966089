"""When a call happened: ``PhoneCall.call_time``, the staff list's time (calls.timing).

Every existing call gets its creation date (one UPDATE per table), or the start its custom
values already carry under CALLBOOK_CALL_START_ATTRIBUTE (calls an admin had given such
an attribute before it was declared out of the box); then the column becomes NOT NULL and
the staff list's order, filters and chart get ``call_time_idx``. The caller history's
index follows the same time.
"""

from django.conf import settings
from django.db import migrations, models


def fill_call_times(apps, schema_editor):
    from calls.timing import call_start

    PhoneCall = apps.get_model("calls", "PhoneCall")
    PhoneCall.objects.update(call_time=models.F("creation_date"))
    HistoricalPhoneCall = apps.get_model("calls", "HistoricalPhoneCall")
    HistoricalPhoneCall.objects.update(call_time=models.F("creation_date"))
    started = PhoneCall.objects.filter(
        custom__has_key=settings.CALLBOOK_CALL_START_ATTRIBUTE
    ).only("id", "custom")
    changed = []
    for call in started.iterator(chunk_size=1000):
        moment = call_start(call.custom)
        if moment is not None:
            call.call_time = moment
            changed.append(call)
    PhoneCall.objects.bulk_update(changed, ["call_time"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0010_access_record_fetch"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalphonecall",
            name="call_time",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="phonecall",
            name="call_time",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(fill_call_times, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="historicalphonecall",
            name="call_time",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AlterField(
            model_name="phonecall",
            name="call_time",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddIndex(
            model_name="phonecall",
            index=models.Index(fields=["call_time", "id"], name="call_time_idx"),
        ),
        migrations.RemoveIndex(
            model_name="phonecall",
            name="call_phone_e164_idx",
        ),
        migrations.AddIndex(
            model_name="phonecall",
            index=models.Index(
                fields=["phone_number_e164", "call_time", "id"], name="call_phone_e164_idx"
            ),
        ),
    ]
