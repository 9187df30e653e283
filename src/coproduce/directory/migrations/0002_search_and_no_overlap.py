"""Database features the ORM cannot declare for both vendors.

SQLite: an FTS5 table of asset text, kept in sync by directory.services.
PostgreSQL: no double booking as an exclusion constraint on the booked time range (btree_gist),
and a GIN index over the same text search expression the selectors use.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE directory_asset_fts USING fts5("
    "asset_id UNINDEXED, name, body, tokenize = 'porter unicode61')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS directory_asset_fts"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE directory_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist ("
    "resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)"
    " WHERE (status IN ('requested', 'approved'))",
    "CREATE INDEX directory_asset_search ON directory_asset USING gin (("
    "setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')))",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_asset_search",
    "ALTER TABLE directory_booking DROP CONSTRAINT IF EXISTS booking_no_overlap",
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
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
