"""On PostgreSQL a transfer, like its entries, is never changed or deleted: a mistake is
corrected by a reversing transfer. (The money ledger that budgeting kept before it moved into
this one made the same promise; SQLite relies on the single posting service.)"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION timebank_transfer_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger transfers are never changed or deleted; post a reversal'
            USING ERRCODE = '23514';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER timebank_transfer_immutable
        BEFORE UPDATE OR DELETE ON timebank_transfer
        FOR EACH ROW EXECUTE FUNCTION timebank_transfer_immutable();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS timebank_transfer_immutable ON timebank_transfer;",
    "DROP FUNCTION IF EXISTS timebank_transfer_immutable();",
]


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("timebank", "0004_money_accounts_and_area_pots")]

    operations = [migrations.RunPython(forward, backward)]
