"""SQLite keeps the ledger's promises as PostgreSQL does (0002, 0005): entries and transfers
refuse UPDATE and DELETE, and a balance must be stored as an integer (a SQLite column takes
any type, and an integer overflow there silently turns into a float). Each bank may set the
largest single transfer its books take, per unit."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import coproduce.timebank.models

APPEND_ONLY = {
    "timebank_entry": "ledger entries are never changed or deleted; post a reversal",
    "timebank_transfer": "ledger transfers are never changed or deleted; post a reversal",
}


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, message in APPEND_ONLY.items():
        for event in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;",
                params=None,
            )


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in APPEND_ONLY:
        for event in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event};", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_membership_not_active_index"),
        ("timebank", "0006_listing_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="banklimits",
            name="max_transfer_minutes",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="banklimits",
            name="max_transfer_pence",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=coproduce.timebank.models.IsInteger("balance"),
                name="account_balance_is_integer",
            ),
        ),
        migrations.AddConstraint(
            model_name="banklimits",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_transfer_minutes__isnull", True),
                    models.Q(
                        ("max_transfer_minutes__gt", 0),
                        ("max_transfer_minutes__lte", 1000000000000),
                    ),
                    _connector="OR",
                ),
                name="banklimits_max_transfer_minutes_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="banklimits",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_transfer_pence__isnull", True),
                    models.Q(
                        ("max_transfer_pence__gt", 0), ("max_transfer_pence__lte", 1000000000000)
                    ),
                    _connector="OR",
                ),
                name="banklimits_max_transfer_pence_in_range",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
