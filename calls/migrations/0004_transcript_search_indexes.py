from django.db import migrations, models

# Exactly the expression calls.staff.selectors.phone_call_search filters on (SearchVector of
# message_content with the english configuration), or PostgreSQL will not use the index.
SEARCH_INDEX = "message_content_search_idx"
CREATE_SEARCH_INDEX = f"""
CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON calls_transcriptmessage
USING gin (to_tsvector('english'::regconfig, COALESCE(message_content, '')))
"""


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SEARCH_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0003_phone_number_prefix_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="transcriptmessage",
            index=models.Index(
                condition=models.Q(("deleted_flag", False), ("visibility_cd", "INTERNAL")),
                fields=["call"],
                name="message_internal_idx",
            ),
        ),
        # PostgreSQL only: SQLite has no GIN, and its search is a substring match anyway.
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
