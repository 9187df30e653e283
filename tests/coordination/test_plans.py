"""Person-centred plans through their services: written with the person, in their own words;
special-category, so every read by someone else is logged and outsiders get nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.coordination.models import (
    Goal,
    GoalArea,
    GoalStatus,
    Plan,
    PlanComment,
    PlanStatus,
    Step,
)
from coproduce.coordination.selectors.plans import access_plan_by_id, plan_detail
from coproduce.coordination.services import plans
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import SensitiveAccess
from coproduce.people.permissions import viewer_for
from tests.coordination.factories import member, plan_for

pytestmark = pytest.mark.django_db


def _person_viewer(plan: Plan) -> Any:
    return viewer_for(plan.membership.person.user)


def test_a_plan_is_written_in_the_persons_own_words(world: Any) -> None:
    plan = plan_for(world, life_wanted="  To have friends nearby.  ")
    assert plan.life_wanted == "To have friends nearby."
    assert plan.coordinator is not None
    assert plan.coordinator.person == world.people["coordinator"]
    # the default review interval (90 days) sets the first review
    assert plan.next_review_on == timezone.localdate() + timedelta(days=90)


def test_plan_by_membership_number(world: Any) -> None:
    membership = member(world)
    plan = plans.plan_create_by_number(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        number=membership.number.lower(),
        life_wanted="A job in a garden centre.",
        strengths="",
        what_matters="",
    )
    assert plan.membership == membership


def test_unknown_membership_number_is_a_clear_error_and_nothing_is_written(world: Any) -> None:
    with pytest.raises(InvalidInput, match="No member of this organisation has the number"):
        plans.plan_create_by_number(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            number="ZZZ99999",
            life_wanted="x",
            strengths="",
            what_matters="",
        )
    assert Plan.objects.count() == 0


def test_one_active_plan_per_person(world: Any) -> None:
    plan = plan_for(world)
    with pytest.raises(Conflict, match="already has a plan"):
        plans.plan_create(
            viewer=world.viewer("coordinator"),
            membership_id=plan.membership_id,
            life_wanted="again",
            strengths="",
            what_matters="",
        )
    assert Plan.objects.count() == 1


def test_a_coordinator_cannot_hold_their_own_plan(world: Any) -> None:
    own = world.org.memberships.get(person=world.people["coordinator"])
    with pytest.raises(InvalidInput, match="cannot hold their own plan"):
        plans.plan_create(
            viewer=world.viewer("coordinator"),
            membership_id=own.pk,
            life_wanted="x",
            strengths="",
            what_matters="",
        )
    assert Plan.objects.count() == 0


def test_outsiders_and_low_roles_cannot_start_plans(world: Any) -> None:
    membership = member(world)
    with pytest.raises(PermissionDenied):
        plans.plan_create(
            viewer=world.viewer("staff"),
            membership_id=membership.pk,
            life_wanted="x",
            strengths="",
            what_matters="",
        )
    with pytest.raises(NotFound):
        plans.plan_create(
            viewer=world.viewer("outsider"),
            membership_id=membership.pk,
            life_wanted="x",
            strengths="",
            what_matters="",
        )
    assert Plan.objects.count() == 0


def test_goal_with_no_person_is_refused_and_nothing_is_written(world: Any) -> None:
    with pytest.raises(InvalidInput, match="A goal belongs to a person's plan") as raised:
        plans.plan_goal_add(
            viewer=world.viewer("coordinator"), plan_id=None, area="friendship", text="Friends"
        )
    assert raised.value.field == "plan_id"
    assert Goal.objects.count() == 0


@pytest.mark.parametrize(
    ("area", "text", "message"),
    [("nonsense", "Friends", "Choose what the goal is about"), ("work", "   ", "Write")],
)
def test_bad_goals_are_refused(world: Any, area: str, text: str, message: str) -> None:
    plan = plan_for(world)
    with pytest.raises(InvalidInput, match=message):
        plans.plan_goal_add(
            viewer=world.viewer("coordinator"), plan_id=plan.pk, area=area, text=text
        )
    assert Goal.objects.count() == 0


def test_goals_steps_and_status(world: Any) -> None:
    plan = plan_for(world)
    coordinator = world.viewer("coordinator")
    goal = plans.plan_goal_add(
        viewer=coordinator,
        plan_id=plan.pk,
        area=GoalArea.WORK,
        text="Get back to work, maybe with computers.",
        needs_vetted_helper=True,
    )
    step = plans.plan_step_add(
        viewer=coordinator, goal_id=goal.pk, text="Visit the library's IT class", who_helps="Sam"
    )
    assert step.done_at is None
    plans.plan_step_done(viewer=coordinator, step_id=step.pk)
    assert Step.objects.get(pk=step.pk).done_at is not None
    plans.plan_goal_status_set(viewer=coordinator, goal_id=goal.pk, status=GoalStatus.ACHIEVED)
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.ACHIEVED
    with pytest.raises(InvalidInput, match="Choose where the goal has got to"):
        plans.plan_goal_status_set(viewer=coordinator, goal_id=goal.pk, status="done-ish")


def test_the_person_reads_and_comments_on_their_own_plan_but_does_not_change_it(
    world: Any,
) -> None:
    plan = plan_for(world)
    person = _person_viewer(plan)
    read, kind = plan_detail(viewer=person, plan_id=plan.pk)
    assert kind == "person" and read.pk == plan.pk
    comment = plans.plan_comment_add(viewer=person, plan_id=plan.pk, text="I'd add my dog.")
    assert comment.author == plan.membership.person
    with pytest.raises(PermissionDenied, match="add a comment"):
        plans.plan_update(
            viewer=person, plan_id=plan.pk, life_wanted="x", strengths="", what_matters=""
        )
    with pytest.raises(PermissionDenied):
        plans.plan_goal_add(viewer=person, plan_id=plan.pk, area="home", text="A flat")
    # the person's own reads are theirs: not logged
    assert not SensitiveAccess.objects.filter(viewer=plan.membership.person).exists()


def test_every_read_by_someone_else_is_logged(world: Any) -> None:
    plan = plan_for(world)
    before = SensitiveAccess.objects.count()
    plan_detail(viewer=world.viewer("coordinator"), plan_id=plan.pk)
    plan_detail(viewer=world.viewer("manager"), plan_id=plan.pk)
    entries = list(SensitiveAccess.objects.order_by("pk")[before:])
    assert [(e.viewer, e.what, e.object_ref) for e in entries] == [
        (world.people["coordinator"], "plan", f"plan:{plan.pk}"),
        (world.people["manager"], "plan", f"plan:{plan.pk}"),
    ]
    assert all(e.subject == plan.membership.person for e in entries)
    assert all(e.organisation_id == world.org.pk for e in entries)


@pytest.mark.parametrize("role", ["member", "staff", "commissioner"])
def test_others_in_the_organisation_are_refused_and_not_logged(world: Any, role: str) -> None:
    plan = plan_for(world)
    before = SensitiveAccess.objects.count()
    with pytest.raises(PermissionDenied):
        access_plan_by_id(viewer=world.viewer(role), plan_id=plan.pk)
    assert SensitiveAccess.objects.count() == before


def test_another_organisation_gets_not_found(world: Any) -> None:
    plan = plan_for(world)
    with pytest.raises(NotFound):
        access_plan_by_id(viewer=world.viewer("outsider"), plan_id=plan.pk)
    with pytest.raises(NotFound):
        plans.plan_comment_add(viewer=world.viewer("outsider"), plan_id=plan.pk, text="hi")
    assert PlanComment.objects.count() == 0


def test_another_coordinator_of_the_same_organisation_cannot_read_a_plan_they_do_not_hold(
    world: Any,
) -> None:
    plan = plan_for(world)
    second = member(world, "Second Coordinator")
    from coproduce.people import services as people_services

    people_services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=second.pk, role="coordinator"
    )
    with pytest.raises(PermissionDenied):
        access_plan_by_id(viewer=viewer_for(second.person.user), plan_id=plan.pk)


def test_contacts_and_reviews_keep_the_plan_current(world: Any) -> None:
    plan = plan_for(world)
    coordinator = world.viewer("coordinator")
    plans.plan_contact_record(viewer=coordinator, plan_id=plan.pk, how="phone", note="Chat")
    plan.refresh_from_db()
    assert plan.last_contact_at is not None
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        plans.plan_contact_record(
            viewer=coordinator,
            plan_id=plan.pk,
            how="visit",
            at=timezone.now() + timedelta(days=2),
        )
    review = plans.plan_review_record(viewer=coordinator, plan_id=plan.pk, summary="Going well")
    plan.refresh_from_db()
    assert plan.next_review_on == review.next_review_on
    assert review.next_review_on == timezone.localdate() + timedelta(days=90)
    with pytest.raises(InvalidInput, match="must come after"):
        plans.plan_review_record(
            viewer=coordinator,
            plan_id=plan.pk,
            summary="",
            next_review_on=timezone.localdate() - timedelta(days=1),
        )


def test_a_closed_plan_leaves_the_caseload_and_stays_readable(world: Any) -> None:
    plan = plan_for(world)
    coordinator = world.viewer("coordinator")
    with pytest.raises(InvalidInput):
        plans.plan_close(viewer=coordinator, plan_id=plan.pk, reason="  ")
    plans.plan_close(viewer=coordinator, plan_id=plan.pk, reason="Moved away")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED and plan.closed_at is not None
    with pytest.raises(Conflict, match="closed"):
        plans.plan_goal_add(viewer=coordinator, plan_id=plan.pk, area="home", text="A flat")
    # a new plan may start for the same person once the old one is closed
    again = plans.plan_create(
        viewer=coordinator,
        membership_id=plan.membership_id,
        life_wanted="Back again",
        strengths="",
        what_matters="",
    )
    assert again.pk != plan.pk
