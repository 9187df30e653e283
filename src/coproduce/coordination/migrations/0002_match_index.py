"""The full-text index beside ``MatchDocument``, for both vendors.

SQLite: an FTS5 table (porter stemming) whose rowid is the document's id, kept in step by
triggers on the document table, so bulk inserts and cascaded deletes stay in step too. The
``org`` column holds ``o<organisation id>`` and ``kind`` the document's kind, so a search is narrowed inside the index.
PostgreSQL: a generated tsvector column (english configuration; title weighted above text)
with a GIN index: nothing to keep in step.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE coordination_match_fts USING fts5("
    "org, kind, title, body, tokenize = 'porter unicode61')",
    "CREATE TRIGGER coordination_match_fts_ai AFTER INSERT ON coordination_matchdocument BEGIN "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id, new.kind, new.title, new.text); END",
    "CREATE TRIGGER coordination_match_fts_ad AFTER DELETE ON coordination_matchdocument BEGIN "
    "DELETE FROM coordination_match_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER coordination_match_fts_au AFTER UPDATE OF organisation_id, kind, title, text "
    "ON coordination_matchdocument BEGIN "
    "DELETE FROM coordination_match_fts WHERE rowid = old.id; "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id, new.kind, new.title, new.text); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS coordination_match_fts_au",
    "DROP TRIGGER IF EXISTS coordination_match_fts_ad",
    "DROP TRIGGER IF EXISTS coordination_match_fts_ai",
    "DROP TABLE IF EXISTS coordination_match_fts",
]

POSTGRES_FORWARD = [
    "ALTER TABLE coordination_matchdocument ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(text, '')), 'B')) STORED",
    "CREATE INDEX coordination_matchdocument_search ON coordination_matchdocument "
    "USING gin (search)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS coordination_matchdocument_search",
    "ALTER TABLE coordination_matchdocument DROP COLUMN IF EXISTS search",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
