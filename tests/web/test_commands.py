from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from coproduce.people.models import ApiToken, Membership, Person
from coproduce.people.services import api_token_user
from tests.conftest import World

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"people", "timebank", "directory", "budgeting"}
    }


# make demo loads the whole demo on SQLite; each app's demo test runs on PostgreSQL too.
@pytest.mark.sqlite_run
@pytest.mark.django_db(transaction=True)
def test_demo_loads_once_and_loading_again_changes_nothing() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    first = _counts()
    assert first["people.Person"] >= 300
    assert "member@example.org" in out.getvalue()
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert _counts() == first


@pytest.mark.django_db
def test_seed_creates_people_in_bulk_with_a_progress_bar() -> None:
    err = io.StringIO()
    call_command(
        "seed", "--people", "250", "--organisations", "2", stdout=io.StringIO(), stderr=err
    )
    assert Person.objects.count() == 250
    assert Membership.objects.filter(status="active").count() == 250
    assert "Seeding people" in err.getvalue()
    with pytest.raises(CommandError, match="--people must be at least 1"):
        call_command("seed", "--people", "0")


@pytest.mark.django_db
def test_token_create_prints_a_working_token(world: World) -> None:
    out = io.StringIO()
    call_command(
        "token", "create", "--user", "member@a.example.org", stdout=out, stderr=io.StringIO()
    )
    secret = out.getvalue().strip()
    assert api_token_user(secret) == world.people["member"].user
    assert ApiToken.objects.count() == 1
    with pytest.raises(CommandError, match=r"No user has the email address nobody@example\.org"):
        call_command("token", "create", "--user", "nobody@example.org")


def _settings_in_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "coproduce.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _settings_in_subprocess(
        {
            "COPRODUCE_ENV": "production",
            "ALLOWED_HOSTS": "example.org",
            "COPRODUCE_VAR_DIR": str(tmp_path),
        },
        "import django; django.setup()",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when COPRODUCE_ENV=production." in result.stderr


def test_local_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"COPRODUCE_VAR_DIR": str(tmp_path)}
    first = _settings_in_subprocess(env, code).stdout.strip()
    second = _settings_in_subprocess(env, code).stdout.strip()
    assert len(first) > 40 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])"
    )
    result = _settings_in_subprocess({"COPRODUCE_VAR_DIR": str(tmp_path)}, code)
    assert result.stdout.split() == ["wal", "30000"], result.stderr
    assert (tmp_path / "coproduce.sqlite3").exists()


def test_a_bad_boolean_setting_is_named(tmp_path: Path) -> None:
    result = _settings_in_subprocess(
        {"COPRODUCE_VAR_DIR": str(tmp_path), "COPRODUCE_DEBUG": "maybe"},
        "import django; django.setup()",
    )
    assert "COPRODUCE_DEBUG must be true or false, not 'maybe'" in result.stderr
