"""Shared fixtures. ``world`` is two organisations built through the services: ``org`` with
one person in each role and ``other_org`` with an ``outsider`` member."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from coproduce.people import services
from coproduce.people.models import Organisation, OrganisationKind, Person, Role
from coproduce.people.permissions import Viewer, viewer_for

ROLES = [r.value for r in Role]
PASSWORD = "a-long-test-password-42"


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.AXES_ENABLED = True
    # WhiteNoise scans every static file each time a test Client builds its middleware
    # (about 30 ms, thousands of times a run); looking files up per request is the same
    # answer for a test.
    settings.WHITENOISE_AUTOREFRESH = True
    # Tasks (notification emails) run in the process that enqueues them, after commit.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    people: dict[str, Person] = field(default_factory=dict)
    outsider: Person | None = None

    def viewer(self, role: str) -> Viewer:
        person = self.outsider if role == "outsider" else self.people[role]
        assert person is not None and person.user is not None
        return viewer_for(person.user)

    def client(self, role: str) -> Client:
        person = self.outsider if role == "outsider" else self.people[role]
        assert person is not None and person.user is not None
        client = Client()
        client.force_login(person.user)
        return client


def make_person(name: str, email: str) -> Person:
    return services.person_register(full_name=name, email=email, password=PASSWORD)


def build_world() -> World:
    founder = make_person("Ada Admin", "admin@a.example.org")
    org = services.organisation_create(
        name="Holy Cross Time Bank",
        kind=OrganisationKind.TIME_BANK,
        sector="mental_health",
        founder=founder,
    )
    outsider = make_person("Olu Outsider", "outsider@b.example.org")
    other = services.organisation_create(
        name="Northgate Time Bank", kind=OrganisationKind.TIME_BANK, founder=outsider
    )
    world = World(org=org, other_org=other, outsider=outsider)
    world.people["admin"] = founder
    admin_viewer = viewer_for(founder.user)
    for role in ROLES:
        if role == "admin":
            continue
        person = make_person(f"{role.capitalize()} Person", f"{role}@a.example.org")
        membership = services.membership_apply(
            viewer=viewer_for(person.user), organisation=org, note=""
        )
        services.membership_decide(viewer=admin_viewer, membership_id=membership.pk, approve=True)
        if role != "member":
            services.membership_role_set(
                viewer=admin_viewer, membership_id=membership.pk, role=role
            )
        world.people[role] = person
    # the outsider is a plain member of the other organisation
    outsider_membership = other.memberships.get(person=outsider)
    services.membership_role_set(
        viewer=viewer_for(outsider.user), membership_id=outsider_membership.pk, role="admin"
    )
    return world


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


_DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run (``make pytest-postgres``), leave out the tests that never touch a
    database, and those marked ``sqlite_run``: the walks over every route (the permission
    matrix, hostile input, the API fuzzer) and the whole-demo load, which are slow and about
    the pages rather than the database. SQLite's run has already run them. Every other test
    that touches the database runs again on PostgreSQL."""
    import os

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("sqlite_run"):
            dropped.append(item)
        elif item.get_closest_marker("django_db") or fixtures & _DATABASE_FIXTURES:
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
