"""Person-centred plans: written with the person, in their own words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from coproduce.coordination.models import (
    Contact,
    ContactHow,
    CoordinationSettings,
    Goal,
    GoalArea,
    GoalStatus,
    Plan,
    PlanComment,
    PlanStatus,
    Review,
    Step,
)
from coproduce.coordination.selectors.plans import access_plan_by_id
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
        Membership.objects.select_related("person", "organisation").filter(pk=membership_id).first()
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
            person_id=viewer.person_id or 0,
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


def _own_membership_number(*, organisation_id: int, number: str) -> int:
    """The membership id for a membership number typed on a form (any case, spaces, dashes)."""
    from coproduce.people.numbers import membership_number_normalise

    found = (
        Membership.objects.filter(
            organisation_id=organisation_id, number=membership_number_normalise(number)
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise InvalidInput("number", f"No member of this organisation has the number “{number}”.")
    return found


def plan_create_by_number(
    *, viewer: Viewer, organisation_id: int, number: str, **fields: object
) -> Plan:
    """``plan_create`` for the person with this membership number in ``organisation_id``."""
    permissions.check(viewer, "coordination.coordinate", organisation_id, action="start a plan")
    membership_id = _own_membership_number(organisation_id=organisation_id, number=number)
    return plan_create(
        viewer=viewer,
        membership_id=membership_id,
        organisation_id=organisation_id,
        **fields,  # type: ignore[arg-type]
    )


def _text(value: str, field: str, what: str, limit: int = 5000) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, f"Write {what}.")
    if len(value) > limit:
        raise InvalidInput(field, f"Keep it under {limit} characters.")
    return value


@transaction.atomic
def plan_update(
    *, viewer: Viewer, plan_id: int, life_wanted: str, strengths: str, what_matters: str
) -> Plan:
    """Change the plan's words (its coordinator or a manager, with the person)."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    _open(plan)
    from coproduce.people.history import model_update

    model_update(
        plan,
        data={
            "life_wanted": life_wanted.strip(),
            "strengths": strengths.strip(),
            "what_matters": what_matters.strip(),
        },
        actor=viewer.person,
        action="coordination.plan_update",
        organisation=plan.organisation,
        exclude=["created_by"],
    )
    return plan


def _open(plan: Plan) -> None:
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict("This plan is closed.")


@transaction.atomic
def plan_goal_add(
    *,
    viewer: Viewer,
    plan_id: int | None,
    area: str,
    text: str,
    review_on: date | None = None,
    needs_vetted_helper: bool = False,
) -> Goal:
    """A goal in the person's own words. A goal belongs to a person's plan: none, no goal."""
    if plan_id is None:
        raise InvalidInput("plan_id", "A goal belongs to a person's plan: choose the plan.")
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    _open(plan)
    if area not in GoalArea.values:
        raise InvalidInput("area", "Choose what the goal is about.")
    goal = Goal(
        plan=plan,
        area=area,
        text=_text(text, "text", "the goal in the person's own words"),
        review_on=review_on,
        needs_vetted_helper=needs_vetted_helper,
    )
    model_validate(goal, exclude=["plan"])
    goal.save()
    history_record(
        actor=viewer.person,
        action="coordination.goal_add",
        subject=goal,
        organisation=plan.organisation,
    )
    return goal


def _goal(viewer: Viewer, goal_id: int) -> Goal:
    goal = Goal.objects.filter(pk=goal_id).only("pk", "plan_id").first()
    if goal is None:
        raise NotFound()
    access_plan_by_id(viewer=viewer, plan_id=goal.plan_id, write=True, log=False)
    return Goal.objects.select_related("plan__organisation").get(pk=goal_id)


@transaction.atomic
def plan_goal_status_set(*, viewer: Viewer, goal_id: int, status: str) -> Goal:
    goal = _goal(viewer, goal_id)
    if status not in GoalStatus.values:
        raise InvalidInput("status", "Choose where the goal has got to.")
    if goal.status != status:
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        history_record(
            actor=viewer.person,
            action="coordination.goal_status_set",
            subject=goal,
            organisation=goal.plan.organisation,
            detail={"status": status},
        )
    return goal


@transaction.atomic
def plan_step_add(
    *, viewer: Viewer, goal_id: int, text: str, who_helps: str = "", due_on: date | None = None
) -> Step:
    """A small step towards a goal, who helps with it and by when."""
    goal = _goal(viewer, goal_id)
    _open(goal.plan)
    step = Step(
        goal=goal,
        text=_text(text, "text", "the step", limit=300),
        who_helps=who_helps.strip()[:200],
        due_on=due_on,
    )
    model_validate(step, exclude=["goal"])
    step.save()
    history_record(
        actor=viewer.person,
        action="coordination.step_add",
        subject=step,
        organisation=goal.plan.organisation,
    )
    return step


@transaction.atomic
def plan_step_done(*, viewer: Viewer, step_id: int) -> Step:
    step = Step.objects.filter(pk=step_id).only("pk", "goal_id").first()
    if step is None:
        raise NotFound()
    goal = _goal(viewer, step.goal_id)
    step = Step.objects.get(pk=step_id)
    if step.done_at is None:
        step.done_at = timezone.now()
        step.save(update_fields=["done_at"])
        history_record(
            actor=viewer.person,
            action="coordination.step_done",
            subject=step,
            organisation=goal.plan.organisation,
        )
    return step


@transaction.atomic
def plan_comment_add(*, viewer: Viewer, plan_id: int, text: str) -> PlanComment:
    """A comment on a plan: the person on their own plan, their coordinator or a manager."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, log=False)
    assert viewer.person is not None
    comment = PlanComment.objects.create(
        plan=plan, author=viewer.person, text=_text(text, "text", "your comment", limit=2000)
    )
    history_record(
        actor=viewer.person,
        action="coordination.plan_comment",
        subject=comment,
        organisation=plan.organisation,
    )
    return comment


@transaction.atomic
def plan_contact_record(
    *, viewer: Viewer, plan_id: int, how: str, at: datetime | None = None, note: str = ""
) -> Contact:
    """A visit, meeting, call or message with the person (keeps the last contact date)."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    _open(plan)
    if how not in ContactHow.values:
        raise InvalidInput("how", "Choose how you were in touch.")
    when = at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise InvalidInput("at", "A contact cannot be in the future.")
    assert viewer.person is not None
    contact = Contact.objects.create(
        plan=plan, by=viewer.person, at=when, how=how, note=note.strip()[:2000]
    )
    if plan.last_contact_at is None or when > plan.last_contact_at:
        Plan.objects.filter(pk=plan.pk).update(last_contact_at=when)
    return contact


@transaction.atomic
def plan_review_record(
    *,
    viewer: Viewer,
    plan_id: int,
    held_on: date | None = None,
    summary: str = "",
    next_review_on: date | None = None,
) -> Review:
    """A review held with the person; the next one is due on ``next_review_on`` (default:
    the organisation's review interval from today)."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    _open(plan)
    today = timezone.localdate()
    held = held_on or today
    if held > today:
        raise InvalidInput("held_on", "A review cannot be held in the future.")
    following = next_review_on or held + timedelta(
        days=coordination_settings(plan.organisation_id).review_every_days
    )
    if following <= held:
        raise InvalidInput("next_review_on", "The next review must come after this one.")
    assert viewer.person is not None
    review = Review.objects.create(
        plan=plan, held_on=held, by=viewer.person, summary=summary.strip(), next_review_on=following
    )
    Plan.objects.filter(pk=plan.pk).update(next_review_on=following, last_contact_at=timezone.now())
    history_record(
        actor=viewer.person,
        action="coordination.plan_review",
        subject=plan,
        organisation=plan.organisation,
        detail={"next_review_on": following.isoformat()},
    )
    return review


@transaction.atomic
def plan_close(*, viewer: Viewer, plan_id: int, reason: str) -> Plan:
    """Close the plan (the person moved on, or no longer wants coordination)."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    _open(plan)
    plan.status = PlanStatus.CLOSED
    plan.closed_at = timezone.now()
    plan.closed_reason = _text(reason, "reason", "why the plan is closing", limit=2000)
    plan.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.plan_close",
        subject=plan,
        organisation=plan.organisation,
    )
    return plan


def goal_for_viewer(*, viewer: Viewer, goal_id: int) -> Goal:
    """A goal the viewer may change (its plan's coordinator or a manager), or 404/403."""
    return _goal(viewer, goal_id)
