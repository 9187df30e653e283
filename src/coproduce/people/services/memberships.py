"""Memberships: joining, applications and their decisions, status, role and contracted
hours, and the guard that keeps every organisation an administrator."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import notices, permissions
from coproduce.people.activation import memberships_activated
from coproduce.people.history import history_record
from coproduce.people.models import Membership, MembershipStatus, Organisation, Person, Role
from coproduce.people.permissions import Viewer


def _next_membership_number(organisation: Organisation) -> str:
    prefix = (slugify(organisation.slug).replace("-", "")[:3] or "org").upper()
    count = Membership.objects.filter(organisation=organisation).count()
    while True:
        count += 1
        number = f"{prefix}{count:05d}"
        if not Membership.objects.filter(organisation=organisation, number=number).exists():
            return number


# Written together with a change of status: the decision on an application and its note.
_WRITTEN_WITH = frozenset({"decided_at", "decided_by", "decline_reason", "application_note"})


def _membership_write(
    membership: Membership,
    *,
    actor: Person | None,
    why: str,
    role: str | None = None,
    status: str | None = None,
    **fields: Any,
) -> Membership:
    """The one function that changes a membership's role or status, and the one that saves
    a new membership (``membership.pk`` is None); tests/test_one_door.py keeps it so.

    ``role`` or ``status`` left as None is kept. ``fields`` (the decision and the application
    note) are written with the change. Call it inside the service's transaction with the
    membership locked, or new. It refuses a change that takes away the organisation's last
    active administrator, records each change of role and of status in the history (``why``
    says which path made it) and runs the activation hooks when the membership becomes
    active."""
    unknown = set(fields) - _WRITTEN_WITH
    if unknown:
        raise TypeError(f"_membership_write() does not write {', '.join(sorted(unknown))}")
    new = membership.pk is None
    before = {"role": membership.role, "status": membership.status}
    after = {
        "role": before["role"] if role is None else role,
        "status": before["status"] if status is None else status,
    }
    admin = {"role": Role.ADMIN, "status": MembershipStatus.ACTIVE}
    if not new and before == admin and after != admin:
        _admins_kept(organisation_id=membership.organisation_id, leaving=[membership.pk])
    changed = [name for name in ("role", "status") if before[name] != after[name]]
    if not new and not changed and not fields:
        return membership
    membership.role, membership.status = after["role"], after["status"]
    for name, value in fields.items():
        setattr(membership, name, value)
    if new:
        membership.number = membership.number or _next_membership_number(membership.organisation)
        membership.save()
    else:
        membership.save(update_fields=[*changed, *fields])
        for name in changed:
            history_record(
                actor=actor,
                organisation=membership.organisation,
                action=f"membership.{name}_set",
                subject=membership,
                detail={"from": before[name], "to": after[name], "why": why},
            )
    if after["status"] == MembershipStatus.ACTIVE and (
        new or before["status"] != MembershipStatus.ACTIVE
    ):
        memberships_activated([membership])
    return membership


def _membership_add(
    *, person: Person, organisation: Organisation, role: str, decided_by: Person | None
) -> Membership:
    """An active membership straight away (founders, invitations, coordinators adding)."""
    now = timezone.now()
    membership = Membership.objects.filter(person=person, organisation=organisation).first()
    if membership is not None:
        if membership.status == MembershipStatus.ACTIVE:
            raise Conflict(f"{person} is already a member of {organisation}.")
    else:
        membership = Membership(person=person, organisation=organisation)
    # Rejoining with another role than the one held before is a role change on record.
    return _membership_write(
        membership,
        role=role,
        status=MembershipStatus.ACTIVE,
        actor=decided_by,
        why="rejoined" if membership.pk else "added",
        decided_at=now,
        decided_by=decided_by,
        decline_reason="",
    )


@transaction.atomic
def membership_add(
    *, viewer: Viewer, person: Person, organisation: Organisation, role: str = Role.MEMBER
) -> Membership:
    """A coordinator brings someone they already work with into another organisation."""
    from coproduce.people.selectors import person_get

    permissions.check(viewer, "people.create_person", organisation.pk, action="add people to it")
    person_get(viewer=viewer, person_id=person.pk)
    if role not in {Role.MEMBER, Role.STAFF}:
        raise InvalidInput("role", "People added by a coordinator join as members or staff.")
    membership = _membership_add(
        person=person, organisation=organisation, role=role, decided_by=viewer.person
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="membership.added",
        subject=membership,
    )
    return membership


@transaction.atomic
def membership_apply(*, viewer: Viewer, organisation: Organisation, note: str = "") -> Membership:
    """The viewer asks to join; a coordinator decides."""
    if viewer.person is None:
        raise PermissionDenied("Sign in to apply to join.")
    if not organisation.is_public and viewer.role_in(organisation.pk) is None:
        raise NotFound()
    existing = Membership.objects.filter(person=viewer.person, organisation=organisation).first()
    if existing is not None and existing.status in {
        MembershipStatus.APPLIED,
        MembershipStatus.ACTIVE,
        MembershipStatus.PAUSED,
    }:
        raise Conflict(
            f"You have already applied to {organisation.name}"
            if existing.status == MembershipStatus.APPLIED
            else f"You are already a member of {organisation.name}."
        )
    # An application is to join as a member: a former administrator who left does not get
    # their old role back when a coordinator approves it.
    membership = _membership_write(
        existing or Membership(person=viewer.person, organisation=organisation),
        role=Role.MEMBER,
        status=MembershipStatus.APPLIED,
        actor=viewer.person,
        why="applied again" if existing else "applied",
        application_note=note.strip(),
        decided_at=None,
        decided_by=None,
        decline_reason="",
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="membership.applied",
        subject=membership,
    )
    notices.application_received_notify(membership=membership)
    return membership


def _admins_kept(*, organisation_id: int, leaving: Collection[int]) -> None:
    """Refuse a change that takes away an organisation's last active administrator.

    ``_membership_write`` calls it for every change that takes an active admin away, and
    erasure for the admin memberships that stop counting. A service that is about to lock a
    membership and may demote, pause or end it calls it first, before that lock: it locks the
    organisation's active admin membership rows in id order, so two concurrent demotions
    take their locks in one order and serialise, the second counting what the first left.
    ``leaving`` are the memberships the change removes."""
    admins = set(
        Membership.objects.select_for_update(of=("self",))
        .filter(
            organisation_id=organisation_id,
            role=Role.ADMIN,
            status=MembershipStatus.ACTIVE,
            person__erased_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if admins & set(leaving) and not admins - set(leaving):
        name = Organisation.objects.filter(pk=organisation_id).values_list("name", flat=True)
        raise Conflict(
            f"{name.first()} must keep at least one administrator: "
            "make someone else an administrator first."
        )


def _admins_kept_without(person: Person) -> None:
    """Refuse erasing ``person`` where that takes away an organisation's last active
    administrator: an erased person can no longer sign in, so their admin memberships stop
    counting."""
    held = Membership.objects.filter(
        person=person, role=Role.ADMIN, status=MembershipStatus.ACTIVE
    ).values_list("organisation_id", "pk")
    for organisation_id, membership_id in sorted(held):
        _admins_kept(organisation_id=organisation_id, leaving=[membership_id])


def _organisation_of(membership_id: int) -> int:
    """A membership's organisation, read before any lock (it never changes)."""
    organisation_id = (
        Membership.objects.filter(pk=membership_id)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if organisation_id is None:
        raise NotFound()
    return organisation_id


def _locked_membership(membership_id: int) -> Membership:
    try:
        return (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation", "person")
            .get(pk=membership_id)
        )
    except Membership.DoesNotExist as error:
        raise NotFound() from error


@transaction.atomic
def membership_decide(
    *, viewer: Viewer, membership_id: int, approve: bool, reason: str = ""
) -> Membership:
    """Approve or decline an application. Takes a row lock so two coordinators cannot both
    decide the same application."""
    membership = _locked_membership(membership_id)
    permissions.check(
        viewer,
        "people.decide_application",
        membership.organisation_id,
        action="decide applications",
    )
    if membership.status != MembershipStatus.APPLIED:
        raise Conflict(
            f"This application has already been decided ({membership.get_status_display()})."
        )
    if not approve and not reason.strip():
        raise InvalidInput("reason", "Give the reason for declining; the applicant will see it.")
    _membership_write(
        membership,
        status=MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED,
        actor=viewer.person,
        why="approved" if approve else "declined",
        decided_at=timezone.now(),
        decided_by=viewer.person,
        decline_reason="" if approve else reason.strip(),
    )
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="membership.approved" if approve else "membership.declined",
        subject=membership,
        detail={"reason": membership.decline_reason},
    )
    notices.application_decided_notify(membership=membership)
    return membership


@transaction.atomic
def membership_status_set(*, viewer: Viewer, membership_id: int, status: str) -> Membership:
    """Pause, resume or end a membership. A person may pause or leave their own. Resuming
    keeps the membership's role. The last active administrator may not pause or leave."""
    whose = Membership.objects.filter(pk=membership_id).values("person_id", "organisation_id")
    found = whose.first()
    if found is None:
        raise NotFound()
    own = viewer.person is not None and found["person_id"] == viewer.person.pk
    if not own:
        permissions.check(
            viewer,
            "people.set_status",
            found["organisation_id"],
            action="change memberships",
        )
    allowed = {MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.LEFT}
    if status not in allowed:
        raise InvalidInput("status", "Choose active, paused or left.")
    if status != MembershipStatus.ACTIVE:
        _admins_kept(organisation_id=found["organisation_id"], leaving=[membership_id])
    membership = _locked_membership(membership_id)
    if membership.status in {MembershipStatus.APPLIED, MembershipStatus.DECLINED}:
        raise Conflict("Decide the application first.")
    if own and status == MembershipStatus.ACTIVE and membership.status == MembershipStatus.LEFT:
        raise PermissionDenied("Apply again to rejoin.")
    return _membership_write(membership, status=status, actor=viewer.person, why="set")


@transaction.atomic
def membership_role_set(*, viewer: Viewer, membership_id: int, role: str) -> Membership:
    """Set a membership's role. The last active administrator may not be demoted."""
    organisation_id = _organisation_of(membership_id)
    permissions.check(viewer, "people.set_role", organisation_id, action="change roles")
    if role not in Role.values:
        raise InvalidInput("role", f"“{role}” is not a role.")
    if role != Role.ADMIN:
        _admins_kept(organisation_id=organisation_id, leaving=[membership_id])
    membership = _locked_membership(membership_id)
    return _membership_write(membership, role=role, actor=viewer.person, why="set")


@transaction.atomic
def membership_contracted_hours_set(
    *, viewer: Viewer, membership_id: int, minutes_per_week: int | None
) -> Membership:
    membership = _locked_membership(membership_id)
    permissions.check(
        viewer, "people.set_role", membership.organisation_id, action="set contracted hours"
    )
    if minutes_per_week is not None and not 0 < minutes_per_week <= 7 * 24 * 60:
        raise InvalidInput("contracted_hours", "Contracted hours must be between 0 and 168.")
    membership.contracted_minutes_per_week = minutes_per_week
    membership.save(update_fields=["contracted_minutes_per_week"])
    return membership
