"""PostgreSQL: keep each listing's search vector in a stored generated column and index
that, so filtering a page of listings by a search reads the vector instead of recomputing
``to_tsvector`` for every row it looks at. SQLite keeps its FTS5 table."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FORWARD = [
    "DROP INDEX IF EXISTS timebank_listing_search;",
    """
    ALTER TABLE timebank_listing ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english', title || ' ' || description || ' ' || availability)
    ) STORED;
    """,
    "CREATE INDEX timebank_listing_search ON timebank_listing USING GIN (search_vector);",
]

BACKWARD = [
    "DROP INDEX IF EXISTS timebank_listing_search;",
    "ALTER TABLE timebank_listing DROP COLUMN IF EXISTS search_vector;",
    """
    CREATE INDEX timebank_listing_search ON timebank_listing USING GIN (
        to_tsvector('english', title || ' ' || description || ' ' || availability)
    );
    """,
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement, params=None)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, FORWARD)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("timebank", "0005_transfers_append_only")]

    operations = [migrations.RunPython(forward, backward)]
