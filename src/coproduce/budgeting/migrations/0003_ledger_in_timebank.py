"""Money moves into the time-bank ledger (``timebank.Account``/``Transfer``/``Entry`` in
pence): the budgeting app's own money tables and their PostgreSQL triggers are dropped, a
budget's pot and a project's delivery account become time-bank accounts, and
``SavingsTransfer`` records which savings record each transfer came from.

The app was not released, so no money rows are carried over; budgets lose their pot link.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The triggers' SQL, as 0002 created them (so this migration can be reversed).
triggers = import_module("coproduce.budgeting.migrations.0002_money_ledger_triggers")


def _drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(triggers.DROP, params=None)


def _create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(triggers.CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("budgeting", "0002_money_ledger_triggers"),
        ("timebank", "0004_money_accounts_and_area_pots"),
    ]

    operations = [
        migrations.RunPython(_drop, _create),
        migrations.RemoveField(model_name="budget", name="pot"),
        migrations.DeleteModel(name="MoneyEntry"),
        migrations.DeleteModel(name="MoneyTransfer"),
        migrations.DeleteModel(name="MoneyAccount"),
        migrations.AddField(
            model_name="budget",
            name="pot",
            field=models.ForeignKey(
                blank=True,
                help_text="The community pot that pays for the winning projects.",
                limit_choices_to={"kind": "area_pot"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="budgets",
                to="timebank.account",
            ),
        ),
        migrations.AddField(
            model_name="proposal",
            name="delivery_account",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="proposal",
                to="timebank.account",
            ),
        ),
        migrations.CreateModel(
            name="SavingsTransfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings_transfers",
                        to="budgeting.proposal",
                    ),
                ),
                (
                    "savings_record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transfers",
                        to="budgeting.savingsrecord",
                    ),
                ),
                (
                    "transfer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings_transfer",
                        to="timebank.transfer",
                    ),
                ),
            ],
            options={"ordering": ("-transfer_id",)},
        ),
    ]
