"""Person-centred plans: written with the person, in their own words."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from coproduce.coordination.models import CoordinationSettings, Plan, PlanStatus
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer

COORDINATING_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)


def coordination_settings(organisation_id: int) -> CoordinationSettings:
    """The organisation's settings (its defaults, unsaved, until it sets its own)."""
    found = CoordinationSettings.objects.filter(organisation_id=organisation_id).first()
    return found or CoordinationSettings(organisation_id=organisation_id)


def coordinator_membership(*, organisation_id: int, membership_id: int) -> Membership:
    """An active coordinator's (or manager's) membership of the organisation, or 404."""
    found = (
        Membership.objects.select_related("person")
        .filter(
            pk=membership_id,
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
            role__in=COORDINATING_ROLES,
        )
        .first()
    )
    if found is None:
        raise NotFound("No such coordinator in this organisation.")
    return found


@transaction.atomic
def plan_create(
    *,
    viewer: Viewer,
    membership_id: int | None,
    coordinator_membership_id: int | None = None,
    life_wanted: str = "",
    strengths: str = "",
    what_matters: str = "",
    next_review_on: date | None = None,
    organisation_id: int | None = None,
) -> Plan:
    """Start a plan for a member of the viewer's organisation, held by the viewer (or the
    coordinator named). The coordinator's caseload cap is checked by ``caseloads``."""
    if membership_id is None:
        raise InvalidInput("membership_id", "Choose the person the plan is for.")
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or (
        organisation_id is not None and membership.organisation_id != organisation_id
    ):
        raise NotFound("No such person in this organisation.")
    permissions.check(
        viewer, "coordination.coordinate", membership.organisation_id, action="start a plan"
    )
    if membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput("membership_id", f"{membership.person.display_name} is not active.")
    if Plan.objects.filter(membership=membership, status=PlanStatus.ACTIVE).exists():
        raise Conflict(f"{membership.person.display_name} already has a plan.")
    if coordinator_membership_id is None:
        own = Membership.objects.filter(
            person_id=viewer.person_id,
            organisation_id=membership.organisation_id,
            status=MembershipStatus.ACTIVE,
        ).first()
        if own is None:
            raise NotFound()
        coordinator_membership_id = own.pk
    coordinator = coordinator_membership(
        organisation_id=membership.organisation_id, membership_id=coordinator_membership_id
    )
    if coordinator.person_id == membership.person_id:
        raise InvalidInput("membership_id", "A coordinator cannot hold their own plan.")
    from coproduce.coordination.services.caseloads import caseload_cap_check

    caseload_cap_check(coordinator=coordinator)
    settings = coordination_settings(membership.organisation_id)
    assert viewer.person is not None
    plan = Plan(
        organisation_id=membership.organisation_id,
        membership=membership,
        coordinator=coordinator,
        life_wanted=life_wanted.strip(),
        strengths=strengths.strip(),
        what_matters=what_matters.strip(),
        next_review_on=next_review_on
        or timezone.localdate() + timedelta(days=settings.review_every_days),
        created_by=viewer.person,
    )
    model_validate(plan, exclude=["created_by"])
    plan.save()
    history_record(
        actor=viewer.person,
        action="coordination.plan_create",
        subject=plan,
        organisation=membership.organisation,
    )
    return plan
