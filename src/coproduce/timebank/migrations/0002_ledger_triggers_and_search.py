"""Database-side promises that Meta.constraints cannot express.

PostgreSQL: a deferred constraint trigger rejects, at commit, any transfer whose entries do
not sum to zero in each bank's books or that mixes units; another trigger refuses to update
or delete an entry. A GIN index serves full-text search of offers and requests.
SQLite: an FTS5 table kept in step with listings by triggers (the posting service checks the
sums itself inside its transaction, since SQLite has no deferred triggers).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION timebank_transfer_balanced() RETURNS trigger AS $$
    DECLARE
        bad RECORD;
    BEGIN
        SELECT a.organisation_id AS organisation_id, SUM(e.amount) AS total
          INTO bad
          FROM timebank_entry e
          JOIN timebank_account a ON a.id = e.account_id
         WHERE e.transfer_id = NEW.transfer_id
         GROUP BY a.organisation_id
        HAVING SUM(e.amount) <> 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'transfer % does not balance: entries in organisation % sum to %',
                NEW.transfer_id, bad.organisation_id, bad.total
                USING ERRCODE = '23514';
        END IF;
        PERFORM 1
           FROM timebank_entry e
           JOIN timebank_account a ON a.id = e.account_id
           JOIN timebank_transfer t ON t.id = e.transfer_id
          WHERE e.transfer_id = NEW.transfer_id AND a.unit <> t.unit;
        IF FOUND THEN
            RAISE EXCEPTION 'transfer % mixes units', NEW.transfer_id USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER timebank_entry_balanced
        AFTER INSERT ON timebank_entry
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION timebank_transfer_balanced();
    """,
    """
    CREATE OR REPLACE FUNCTION timebank_entry_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger entries are never changed or deleted; post a reversal'
            USING ERRCODE = '23514';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER timebank_entry_immutable
        BEFORE UPDATE OR DELETE ON timebank_entry
        FOR EACH ROW EXECUTE FUNCTION timebank_entry_immutable();
    """,
    """
    CREATE INDEX timebank_listing_search ON timebank_listing USING GIN (
        to_tsvector('english', title || ' ' || description || ' ' || availability)
    );
    """,
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS timebank_listing_search;",
    "DROP TRIGGER IF EXISTS timebank_entry_immutable ON timebank_entry;",
    "DROP FUNCTION IF EXISTS timebank_entry_immutable();",
    "DROP TRIGGER IF EXISTS timebank_entry_balanced ON timebank_entry;",
    "DROP FUNCTION IF EXISTS timebank_transfer_balanced();",
]

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE timebank_listing_fts USING fts5(
        title, description, availability,
        content='timebank_listing', content_rowid='id', tokenize='porter unicode61'
    );
    """,
    """
    CREATE TRIGGER timebank_listing_fts_insert AFTER INSERT ON timebank_listing BEGIN
        INSERT INTO timebank_listing_fts(rowid, title, description, availability)
        VALUES (new.id, new.title, new.description, new.availability);
    END;
    """,
    """
    CREATE TRIGGER timebank_listing_fts_delete AFTER DELETE ON timebank_listing BEGIN
        INSERT INTO timebank_listing_fts(timebank_listing_fts, rowid, title, description,
                                         availability)
        VALUES ('delete', old.id, old.title, old.description, old.availability);
    END;
    """,
    """
    CREATE TRIGGER timebank_listing_fts_update AFTER UPDATE ON timebank_listing BEGIN
        INSERT INTO timebank_listing_fts(timebank_listing_fts, rowid, title, description,
                                         availability)
        VALUES ('delete', old.id, old.title, old.description, old.availability);
        INSERT INTO timebank_listing_fts(rowid, title, description, availability)
        VALUES (new.id, new.title, new.description, new.availability);
    END;
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS timebank_listing_fts_update;",
    "DROP TRIGGER IF EXISTS timebank_listing_fts_delete;",
    "DROP TRIGGER IF EXISTS timebank_listing_fts_insert;",
    "DROP TABLE IF EXISTS timebank_listing_fts;",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("timebank", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
