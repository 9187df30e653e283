"""Plan and caseload pages through the test client: what a coordinator, the person and a
manager do with them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from coproduce.coordination.models import Goal, Plan, PlanComment, PlanStatus, Step
from coproduce.people.models import SensitiveAccess
from tests.coordination.factories import member, plan_for

pytestmark = pytest.mark.django_db


def _person_client(plan: Plan) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(plan.membership.person.user)
    return client


def test_a_coordinator_starts_a_plan_by_membership_number(world: Any) -> None:
    membership = member(world, "Rosa Plan")
    client = world.client("coordinator")
    url = reverse("coordination:plan_create", args=[world.org.pk])
    response = client.post(
        url,
        {
            "number": membership.number,
            "life_wanted": "To have friends nearby and a garden.",
            "strengths": "Grows tomatoes",
            "what_matters": "My cat",
        },
    )
    plan = Plan.objects.get(membership=membership)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:plan_detail", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "To have friends nearby and a garden." in page and "Rosa Plan" in page


def test_a_bad_number_shows_the_message_on_the_field(world: Any) -> None:
    client = world.client("coordinator")
    url = reverse("coordination:plan_create", args=[world.org.pk])
    response = client.post(url, {"number": "NOPE0001", "life_wanted": "x"})
    assert response.status_code == 200
    assert "No member of this organisation has the number" in response.content.decode()
    assert not Plan.objects.exists()


def test_goals_steps_contacts_and_reviews_from_the_plan_page(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("coordinator")
    url = reverse("coordination:plan_detail", args=[plan.pk])
    response = client.post(
        url,
        {"action": "goal", "goal-area": "work", "goal-text": "Work with computers"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get(plan=plan)
    client.post(
        url,
        {
            "action": "step",
            "step-goal": str(goal.pk),
            "step-text": "Try the library IT class",
            "step-who_helps": "Sam",
        },
    )
    step = Step.objects.get(goal=goal)
    client.post(url, {"action": f"step-done-{step.pk}"})
    step.refresh_from_db()
    assert step.done_at is not None
    client.post(url, {"action": "contact", "contact-how": "phone", "contact-note": "Chat"})
    client.post(url, {"action": "review", "review-summary": "Going well"})
    plan.refresh_from_db()
    assert plan.last_contact_at is not None and plan.reviews.count() == 1
    page = client.get(url).content.decode()
    assert "Work with computers" in page and "Try the library IT class" in page


def test_a_step_for_a_goal_of_another_plan_is_refused(world: Any) -> None:
    plan = plan_for(world)
    other = plan_for(world)
    from coproduce.coordination.services import plans

    foreign = plans.plan_goal_add(
        viewer=world.viewer("coordinator"), plan_id=other.pk, area="home", text="A flat"
    )
    client = world.client("coordinator")
    url = reverse("coordination:plan_detail", args=[plan.pk])
    response = client.post(
        url, {"action": "step", "step-goal": str(foreign.pk), "step-text": "Sneaky"}
    )
    assert response.status_code == 200  # the choice is not offered on this plan's form
    assert not Step.objects.exists()


def test_a_missing_goal_text_shows_a_message_and_writes_nothing(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("coordinator")
    response = client.post(
        reverse("coordination:plan_detail", args=[plan.pk]),
        {"action": "goal", "goal-area": "work", "goal-text": ""},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Goal.objects.exists()


def test_the_person_sees_their_plan_comments_and_has_no_coordinator_forms(world: Any) -> None:
    plan = plan_for(world)
    client = _person_client(plan)
    url = reverse("coordination:plan_detail", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "Your plan" in page and "Add the goal" not in page and "access log" not in page
    client.post(url, {"action": "comment", "comment-text": "Please add my dog."})
    assert PlanComment.objects.get(plan=plan).author == plan.membership.person
    # their own plan shows on the coordination home page
    home = client.get(reverse("coordination:home")).content.decode()
    assert url in home
    # and posting a goal as the person is refused, nothing written
    client.post(url, {"action": "goal", "goal-area": "home", "goal-text": "A flat"})
    assert not Goal.objects.exists()
    assert client.get(reverse("coordination:plan_edit", args=[plan.pk])).status_code == 403


def test_edit_handover_and_close(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("coordinator")
    client.post(
        reverse("coordination:plan_edit", args=[plan.pk]),
        {"life_wanted": "Live on my own", "strengths": "Cooking", "what_matters": "Family"},
    )
    plan.refresh_from_db()
    assert plan.life_wanted == "Live on my own"
    close = reverse("coordination:plan_close", args=[plan.pk])
    page = client.get(close).content.decode()
    assert "Close the plan" in page and "Cancel" in page
    response = client.post(close, {"reason": ""})
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    client.post(close, {"reason": "Moved to Leeds"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def test_handover_offers_only_coordinators_of_the_organisation(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("manager")
    page = client.get(reverse("coordination:plan_handover", args=[plan.pk])).content.decode()
    assert "Manager Person" in page and "Staff Person" not in page
    staff = world.org.memberships.get(person=world.people["staff"])
    response = client.post(
        reverse("coordination:plan_handover", args=[plan.pk]),
        {"to_membership_id": str(staff.pk)},
    )
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.coordinator is not None
    assert plan.coordinator.person == world.people["coordinator"]


def test_every_plan_page_view_is_logged(world: Any) -> None:
    plan = plan_for(world)
    before = SensitiveAccess.objects.count()
    world.client("manager").get(reverse("coordination:plan_detail", args=[plan.pk]))
    assert SensitiveAccess.objects.count() == before + 1


def test_settings_page(world: Any) -> None:
    client = world.client("manager")
    url = reverse("coordination:settings", args=[world.org.pk])
    response = client.post(
        url, {"caseload_cap": "50", "review_every_days": "60", "no_contact_days": "30"}
    )
    assert response.status_code == 302
    overview = client.get(response["Location"]).content.decode()
    assert "The cap is 50 people" in overview
    response = client.post(
        url, {"caseload_cap": "0", "review_every_days": "60", "no_contact_days": "30"}
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
