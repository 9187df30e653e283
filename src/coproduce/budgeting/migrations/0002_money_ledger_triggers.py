"""On PostgreSQL the database itself keeps the money ledger's promises: a transfer's entries
sum to zero at commit (a deferred constraint trigger), and transfers and entries are never
updated or deleted. SQLite relies on the single posting service (``services._money_post``)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE OR REPLACE FUNCTION budgeting_transfer_balanced() RETURNS trigger AS $$
DECLARE total bigint;
BEGIN
    SELECT COALESCE(SUM(amount_pence), 0) INTO total
    FROM budgeting_moneyentry WHERE transfer_id = NEW.transfer_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'money transfer % does not sum to zero (% pence)', NEW.transfer_id, total
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER budgeting_moneyentry_balanced
    AFTER INSERT ON budgeting_moneyentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION budgeting_transfer_balanced();

CREATE OR REPLACE FUNCTION budgeting_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a correcting transfer instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER budgeting_moneyentry_append_only
    BEFORE UPDATE OR DELETE ON budgeting_moneyentry
    FOR EACH ROW EXECUTE FUNCTION budgeting_append_only();

CREATE TRIGGER budgeting_moneytransfer_append_only
    BEFORE UPDATE OR DELETE ON budgeting_moneytransfer
    FOR EACH ROW EXECUTE FUNCTION budgeting_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS budgeting_moneytransfer_append_only ON budgeting_moneytransfer;
DROP TRIGGER IF EXISTS budgeting_moneyentry_append_only ON budgeting_moneyentry;
DROP TRIGGER IF EXISTS budgeting_moneyentry_balanced ON budgeting_moneyentry;
DROP FUNCTION IF EXISTS budgeting_append_only();
DROP FUNCTION IF EXISTS budgeting_transfer_balanced();
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def apply(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("budgeting", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
