"""Load the shipped starter unit costs (impact/data/unit-costs-gmca-starter.csv) as rows with
no organisation. The loader is idempotent; it is handed this migration's UnitCost."""

from django.db import migrations


def load_starter_costs(apps, schema_editor):
    from coproduce.impact.services.costs import starter_costs_load

    starter_costs_load(model=apps.get_model("impact", "UnitCost"))


def remove_starter_costs(apps, schema_editor):
    apps.get_model("impact", "UnitCost").objects.filter(organisation__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_starter_costs, remove_starter_costs),
    ]
