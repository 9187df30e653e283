"""Two administrators demote each other at the same moment, on a real PostgreSQL test
database (threads, each with its own connection, committing): one wins, the organisation
keeps an administrator."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from coproduce.errors import Conflict
from coproduce.people import services
from coproduce.people.models import Membership, MembershipStatus, Role
from tests.conftest import World, build_world

LAST_ADMIN = (
    "Holy Cross Time Bank must keep at least one administrator: "
    "make someone else an administrator first."
)


def _race(attempts: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], object]) -> str:
        try:
            barrier.wait()
            attempt()
            return "done"
        except Conflict as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(run, attempts))


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/people"
        )


def _two_admins(world: World) -> tuple[Membership, Membership]:
    first = world.org.memberships.get(person=world.people["admin"])
    second = world.org.memberships.get(person=world.people["manager"])
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=second.pk, role=Role.ADMIN
    )
    return first, second


def _active_admins(world: World) -> int:
    return Membership.objects.filter(
        organisation=world.org, role=Role.ADMIN, status=MembershipStatus.ACTIVE
    ).count()


@pytest.mark.parametrize("attempt", range(3))
def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    postgres: None, attempt: int
) -> None:
    world = build_world()
    first, second = _two_admins(world)
    ada, mo = world.viewer("admin"), world.viewer("manager")
    outcomes = _race(
        [
            lambda: services.membership_role_set(
                viewer=ada, membership_id=second.pk, role=Role.MEMBER
            ),
            lambda: services.membership_role_set(
                viewer=mo, membership_id=first.pk, role=Role.MEMBER
            ),
        ]
    )
    assert sorted(outcomes) == sorted(["done", LAST_ADMIN])
    assert _active_admins(world) == 1


def test_two_admins_leaving_at_once_leave_one_admin(postgres: None) -> None:
    world = build_world()
    first, second = _two_admins(world)
    ada, mo = world.viewer("admin"), world.viewer("manager")
    outcomes = _race(
        [
            lambda: services.membership_status_set(
                viewer=ada, membership_id=first.pk, status=MembershipStatus.LEFT
            ),
            lambda: services.membership_status_set(
                viewer=mo, membership_id=second.pk, status=MembershipStatus.PAUSED
            ),
        ]
    )
    assert sorted(outcomes) == sorted(["done", LAST_ADMIN])
    assert _active_admins(world) == 1
