"""Matching: when each organisation's index was last freshened (so a page view freshens at
most once an interval), and public assets searchable by every organisation from their one
document: ``is_public`` on the document, and on SQLite the FTS5 ``org`` column of such a
document also holds the token ``public`` (the triggers of 0002, re-created here). PostgreSQL
filters on the column itself.
"""

import django.db.models.deletion
from django.db import migrations, models

# Adding a column makes SQLite's schema editor rebuild the table, which drops its triggers:
# all three are created again (rows keep their ids, so the FTS rows still line up).
_DELETE = (
    "CREATE TRIGGER coordination_match_fts_ad AFTER DELETE ON coordination_matchdocument BEGIN "
    "DELETE FROM coordination_match_fts WHERE rowid = old.id; END"
)
_DROP = [
    "DROP TRIGGER IF EXISTS coordination_match_fts_ai",
    "DROP TRIGGER IF EXISTS coordination_match_fts_ad",
    "DROP TRIGGER IF EXISTS coordination_match_fts_au",
]
SQLITE_FORWARD = [
    *_DROP,
    _DELETE,
    "CREATE TRIGGER coordination_match_fts_ai AFTER INSERT ON coordination_matchdocument BEGIN "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id || "
    "CASE WHEN new.is_public THEN ' public' ELSE '' END, new.kind, new.title, new.text); END",
    "CREATE TRIGGER coordination_match_fts_au AFTER UPDATE OF organisation_id, kind, title, "
    "text, is_public ON coordination_matchdocument BEGIN "
    "DELETE FROM coordination_match_fts WHERE rowid = old.id; "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id || "
    "CASE WHEN new.is_public THEN ' public' ELSE '' END, new.kind, new.title, new.text); END",
]
SQLITE_BACKWARD = [
    *_DROP,
    _DELETE,
    "CREATE TRIGGER coordination_match_fts_ai AFTER INSERT ON coordination_matchdocument BEGIN "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id, new.kind, new.title, new.text); END",
    "CREATE TRIGGER coordination_match_fts_au AFTER UPDATE OF organisation_id, kind, title, text "
    "ON coordination_matchdocument BEGIN "
    "DELETE FROM coordination_match_fts WHERE rowid = old.id; "
    "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
    "VALUES (new.id, 'o' || new.organisation_id, new.kind, new.title, new.text); END",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    # Before the column goes: SQLite will not drop a column a trigger names.
    if schema_editor.connection.vendor == "sqlite":
        for statement in _DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0002_match_index"),
        ("people", "0004_sensitive_access_subject_optional"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, backward),
        migrations.CreateModel(
            name="MatchIndexState",
            fields=[
                (
                    "organisation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="people.organisation",
                    ),
                ),
                ("freshened_at", models.DateTimeField()),
            ],
        ),
        migrations.AddField(
            model_name="matchdocument",
            name="is_public",
            field=models.BooleanField(default=False),
        ),
        # Forward after the column is added (and SQLite's table rebuild); backward, the
        # triggers are dropped first and the old ones made again once the column is gone.
        migrations.RunPython(forward, drop_triggers),
    ]
