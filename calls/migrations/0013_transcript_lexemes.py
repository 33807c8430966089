"""PostgreSQL only: each call's transcript words on the call row, and trigram indexes.

``calls_phonecall.transcript_lexemes`` is the set of the lexemes of the call's visible
messages (``to_tsvector('english', message_content)``, stripped of positions), kept by
statement-level triggers on ``calls_transcriptmessage``. It is not a model field: the
ORM never reads it; the staff search (``calls.staff.search``) tests it before probing
the call's messages, and finds calls by it through its GIN index. NULL means "not known"
(the set would pass ``LEXEMES_MAX_BYTES``, near tsvector's 1 MB limit): such a call is
always probed.

The trigram indexes serve the search's substring matches of the number, the call number
and the external id (``UPPER(column::text) LIKE UPPER('%…%')``, Django's ``icontains``).

The backfill parses every message once and writes every call: 3 minutes for 1,000,000 calls
and 10,000,000 messages on two cores, indexes included (README, Performance). pg_trgm is a
trusted extension (PostgreSQL 13+): the database's owner may create it.
"""

from django.db import migrations

LEXEMES_MAX_BYTES = 900_000

FUNCTIONS = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE calls_phonecall ADD COLUMN transcript_lexemes tsvector DEFAULT ''::tsvector;

-- A set of lexemes as a tsvector (sorted, duplicates dropped), or NULL past the size limit.
CREATE FUNCTION calls_lexeme_set(lexemes text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN (SELECT sum(octet_length(x)) FROM unnest(lexemes) x) > {LEXEMES_MAX_BYTES} THEN NULL
        ELSE array_to_tsvector(COALESCE(lexemes, '{{}}'))
    END
$$;

-- Messages added: their lexemes join their calls' sets.
CREATE FUNCTION calls_lexemes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calls_phonecall c
    SET transcript_lexemes = calls_lexeme_set(tsvector_to_array(c.transcript_lexemes) || n.lexemes)
    FROM (
        SELECT m.call_id, array_agg(DISTINCT x.lexeme) AS lexemes
        FROM new_messages m
        CROSS JOIN LATERAL unnest(
            to_tsvector('english'::regconfig, COALESCE(m.message_content, ''))
        ) x
        WHERE NOT m.deleted_flag
        GROUP BY m.call_id
    ) n
    WHERE c.id = n.call_id AND c.transcript_lexemes IS NOT NULL;
    RETURN NULL;
END
$$;

-- Messages changed or deleted: their calls' sets are read again (a word may be gone).
CREATE FUNCTION calls_lexemes_recount(call_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE calls_phonecall c
    SET transcript_lexemes = (
        SELECT calls_lexeme_set(array_agg(DISTINCT x.lexeme))
        FROM calls_transcriptmessage m
        CROSS JOIN LATERAL unnest(
            to_tsvector('english'::regconfig, COALESCE(m.message_content, ''))
        ) x
        WHERE m.call_id = c.id AND NOT m.deleted_flag
    )
    WHERE c.id = ANY(call_ids)
$$;

CREATE FUNCTION calls_lexemes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calls_lexemes_recount(ARRAY(
        SELECT DISTINCT unnest(ARRAY[o.call_id, n.call_id])
        FROM old_messages o JOIN new_messages n ON n.id = o.id
        WHERE o.message_content IS DISTINCT FROM n.message_content
            OR o.deleted_flag <> n.deleted_flag
            OR o.call_id <> n.call_id
    ));
    RETURN NULL;
END
$$;

CREATE FUNCTION calls_lexemes_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calls_lexemes_recount(ARRAY(
        SELECT DISTINCT call_id FROM old_messages WHERE NOT deleted_flag
    ));
    RETURN NULL;
END
$$;

CREATE TRIGGER calls_lexemes_insert AFTER INSERT ON calls_transcriptmessage
REFERENCING NEW TABLE AS new_messages
FOR EACH STATEMENT EXECUTE FUNCTION calls_lexemes_inserted();

CREATE TRIGGER calls_lexemes_update AFTER UPDATE ON calls_transcriptmessage
REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages
FOR EACH STATEMENT EXECUTE FUNCTION calls_lexemes_updated();

CREATE TRIGGER calls_lexemes_delete AFTER DELETE ON calls_transcriptmessage
REFERENCING OLD TABLE AS old_messages
FOR EACH STATEMENT EXECUTE FUNCTION calls_lexemes_deleted();
"""

BACKFILL = """
UPDATE calls_phonecall c SET transcript_lexemes = l.lexemes
FROM (
    SELECT m.call_id, calls_lexeme_set(array_agg(DISTINCT x.lexeme)) AS lexemes
    FROM calls_transcriptmessage m
    CROSS JOIN LATERAL unnest(
        to_tsvector('english'::regconfig, COALESCE(m.message_content, ''))
    ) x
    WHERE NOT m.deleted_flag
    GROUP BY m.call_id
) l
WHERE c.id = l.call_id
"""

INDEXES = """
CREATE INDEX call_lexemes_idx ON calls_phonecall USING gin (transcript_lexemes);
CREATE INDEX call_lexemes_unknown_idx ON calls_phonecall (id) WHERE transcript_lexemes IS NULL;
CREATE INDEX call_phone_number_trgm_idx ON calls_phonecall
    USING gin (UPPER(phone_number::text) gin_trgm_ops);
CREATE INDEX call_number_trgm_idx ON calls_phonecall
    USING gin (UPPER(call_number::text) gin_trgm_ops);
CREATE INDEX call_external_id_trgm_idx ON calls_phonecall
    USING gin (UPPER(external_system_call_id::text) gin_trgm_ops);
"""

DROP = """
DROP TRIGGER IF EXISTS calls_lexemes_insert ON calls_transcriptmessage;
DROP TRIGGER IF EXISTS calls_lexemes_update ON calls_transcriptmessage;
DROP TRIGGER IF EXISTS calls_lexemes_delete ON calls_transcriptmessage;
DROP FUNCTION IF EXISTS calls_lexemes_inserted();
DROP FUNCTION IF EXISTS calls_lexemes_updated();
DROP FUNCTION IF EXISTS calls_lexemes_deleted();
DROP FUNCTION IF EXISTS calls_lexemes_recount(bigint[]);
DROP FUNCTION IF EXISTS calls_lexeme_set(text[]);
DROP INDEX IF EXISTS call_phone_number_trgm_idx;
DROP INDEX IF EXISTS call_number_trgm_idx;
DROP INDEX IF EXISTS call_external_id_trgm_idx;
ALTER TABLE calls_phonecall DROP COLUMN IF EXISTS transcript_lexemes;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(BACKFILL)
        schema_editor.execute(INDEXES)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0012_access_record_command"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
