"""The one function that changes a membership's role or status: every path goes through it,
so each change is on record, the activation hooks run and the last admin is kept."""

from __future__ import annotations

import pytest

from coproduce.errors import Conflict
from coproduce.people import activation, services
from coproduce.people.models import HistoryEntry, Membership, MembershipStatus, Role
from coproduce.people.permissions import viewer_for
from coproduce.people.services.memberships import _membership_write
from tests.conftest import World, make_person

LAST_ADMIN = (
    "Holy Cross Time Bank must keep at least one administrator: "
    "make someone else an administrator first."
)


def _changes(membership: Membership) -> list[tuple[str, dict[str, str]]]:
    """The membership's role and status changes on record, sorted (one change of both
    writes two entries in the same instant, so their time does not order them)."""
    entries = HistoryEntry.objects.filter(
        subject_type="people.membership",
        subject_id=str(membership.pk),
        action__in=["membership.role_set", "membership.status_set"],
    )
    return sorted(
        ((entry.action, entry.detail) for entry in entries),
        key=lambda change: (change[0], change[1]["from"], change[1]["to"]),
    )


def test_every_change_of_role_and_status_is_on_record_with_the_path_that_made_it(
    world: World,
) -> None:
    staff = world.org.memberships.get(person=world.people["staff"])
    assert _changes(staff) == [
        ("membership.role_set", {"from": "member", "to": "staff", "why": "set"}),
        ("membership.status_set", {"from": "applied", "to": "active", "why": "approved"}),
    ]
    coordinator = world.viewer("coordinator")
    services.membership_status_set(
        viewer=coordinator, membership_id=staff.pk, status=MembershipStatus.LEFT
    )
    services.membership_add(
        viewer=coordinator, person=world.people["staff"], organisation=world.org, role="member"
    )
    assert _changes(staff) == [
        ("membership.role_set", {"from": "member", "to": "staff", "why": "set"}),
        ("membership.role_set", {"from": "staff", "to": "member", "why": "rejoined"}),
        ("membership.status_set", {"from": "active", "to": "left", "why": "set"}),
        ("membership.status_set", {"from": "applied", "to": "active", "why": "approved"}),
        ("membership.status_set", {"from": "left", "to": "active", "why": "rejoined"}),
    ]


def test_a_declined_applicant_who_applies_again_is_on_record(world: World) -> None:
    person = make_person("Dee Clined", "dee@a.example.org")
    viewer = world.viewer("coordinator")
    assert person.user is not None
    applicant = viewer_for(person.user)
    membership = services.membership_apply(viewer=applicant, organisation=world.org, note="Hi")
    services.membership_decide(
        viewer=viewer, membership_id=membership.pk, approve=False, reason="Full this term"
    )
    services.membership_apply(viewer=applicant, organisation=world.org, note="Again")
    membership.refresh_from_db()
    assert (membership.status, membership.decline_reason, membership.application_note) == (
        MembershipStatus.APPLIED,
        "",
        "Again",
    )
    assert membership.decided_by is None and membership.decided_at is None
    assert _changes(membership) == [
        ("membership.status_set", {"from": "applied", "to": "declined", "why": "declined"}),
        ("membership.status_set", {"from": "declined", "to": "applied", "why": "applied again"}),
    ]


def test_the_writer_itself_keeps_the_last_admin(world: World) -> None:
    # The guard is in the door, not only in the services that call it first for lock order.
    admin = world.org.memberships.get(person=world.people["admin"])
    for change in ({"role": Role.MEMBER}, {"status": MembershipStatus.PAUSED}):
        with pytest.raises(Conflict) as error:
            _membership_write(admin, actor=world.people["admin"], why="test", **change)
        assert error.value.message == LAST_ADMIN
    admin.refresh_from_db()
    assert (admin.role, admin.status) == (Role.ADMIN, MembershipStatus.ACTIVE)
    assert _changes(admin) == []


def test_the_writer_runs_the_activation_hooks_only_on_becoming_active(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    activated: list[int] = []
    monkeypatch.setattr(
        activation,
        "_hooks",
        [*activation._hooks, lambda memberships: activated.extend(m.pk for m in memberships)],
    )
    staff = world.org.memberships.get(person=world.people["staff"])
    coordinator = world.viewer("coordinator")
    for status in (MembershipStatus.PAUSED, MembershipStatus.PAUSED, MembershipStatus.ACTIVE):
        services.membership_status_set(viewer=coordinator, membership_id=staff.pk, status=status)
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=staff.pk, role=Role.COORDINATOR
    )
    assert activated == [staff.pk]


def test_the_writer_refuses_fields_it_does_not_write(world: World) -> None:
    staff = world.org.memberships.get(person=world.people["staff"])
    with pytest.raises(TypeError, match="does not write number"):
        _membership_write(staff, actor=None, why="test", number="X1")
