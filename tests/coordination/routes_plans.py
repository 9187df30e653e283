"""Plans, for the permission matrix: special-category, so only the coordinator who holds a
plan and the service's managers (and the person, who is not one of the matrix's roles)."""

from __future__ import annotations

from typing import Any

from coproduce.coordination.models import GoalArea
from coproduce.coordination.services import plans
from tests.coordination.factories import plan_for
from tests.matrix import ALL_ROLES, COORDINATORS_UP, ApiRoute, Route

HOLDERS = frozenset({"coordinator", "manager", "admin"})


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _plan(world: Any) -> dict[str, int]:
    return {"plan_id": plan_for(world).pk}


def _goal(world: Any) -> dict[str, int]:
    plan = plan_for(world)
    goal = plans.plan_goal_add(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        area=GoalArea.FRIENDSHIP,
        text="Meet people who like gardening.",
    )
    return {"goal_id": goal.pk}


ROUTES: list[Route] = [
    Route("coordination:plan_create", kwargs=_org, allowed=COORDINATORS_UP),
    Route("coordination:plan_detail", kwargs=_plan, allowed=HOLDERS),
    Route("coordination:plan_edit", kwargs=_plan, allowed=HOLDERS),
    Route("coordination:plan_handover", kwargs=_plan, allowed=HOLDERS),
    Route("coordination:plan_close", kwargs=_plan, allowed=HOLDERS),
    Route("coordination:goal_status", kwargs=_goal, allowed=HOLDERS),
]


def _goal_id(world: Any) -> int:
    return _goal(world)["goal_id"]


def _step_id(world: Any) -> int:
    goal_id = _goal_id(world)
    return plans.plan_step_add(viewer=world.viewer("coordinator"), goal_id=goal_id, text="Go").pk


def _new_member(world: Any) -> dict[str, Any]:
    from tests.coordination.factories import member

    return {"membership_id": member(world).pk, "life_wanted": "Friends nearby"}


def _handover_to(world: Any) -> dict[str, Any]:
    from coproduce.people.models import Membership

    manager = Membership.objects.get(person=world.people["manager"], organisation=world.org)
    return {"to_membership_id": manager.pk}


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


API_ROUTES: list[ApiRoute] = [
    ApiRoute("/coordination/plans", lambda w: _p("/plans"), allowed=ALL_ROLES, any_signed_in=True),
    ApiRoute(
        "/coordination/plans",
        lambda w: _p("/plans"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_new_member,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}",
        lambda w: _p(f"/plans/{plan_for(w).pk}"),
        allowed=HOLDERS,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/goals",
        lambda w: _p(f"/plans/{plan_for(w).pk}/goals"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"area": "friendship", "text": "Meet people"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/goals/{goal_id}/status",
        lambda w: _p(f"/goals/{_goal_id(w)}/status"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"status": "achieved"},
    ),
    ApiRoute(
        "/coordination/goals/{goal_id}/steps",
        lambda w: _p(f"/goals/{_goal_id(w)}/steps"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"text": "Visit the allotment"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/steps/{step_id}/done",
        lambda w: _p(f"/steps/{_step_id(w)}/done"),
        allowed=HOLDERS,
        method="post",
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/comments",
        lambda w: _p(f"/plans/{plan_for(w).pk}/comments"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"text": "Good progress"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/contacts",
        lambda w: _p(f"/plans/{plan_for(w).pk}/contacts"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"how": "phone"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/reviews",
        lambda w: _p(f"/plans/{plan_for(w).pk}/reviews"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"summary": "Going well"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/handover",
        lambda w: _p(f"/plans/{plan_for(w).pk}/handover"),
        allowed=HOLDERS,
        method="post",
        data=_handover_to,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/close",
        lambda w: _p(f"/plans/{plan_for(w).pk}/close"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"reason": "Moved away"},
    ),
]
