"""Coordination API: person-centred plans, their goals, steps, comments, contacts and reviews.
The same services as the pages; reading a plan is logged like the page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.coordination.models import Plan
from coproduce.coordination.selectors.plans import plan_detail, plans_visible
from coproduce.coordination.services import caseloads, plans
from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])


class _PlanFields(Schema):
    id: int
    organisation_id: int
    person: str
    coordinator: str | None
    status: str
    next_review_on: date | None
    last_contact_at: datetime | None


class PlanOut(_PlanFields):
    @staticmethod
    def resolve_person(plan: Plan) -> str:
        return plan.membership.person.display_name

    @staticmethod
    def resolve_coordinator(plan: Plan) -> str | None:
        return plan.coordinator.person.display_name if plan.coordinator else None


class StepOut(Schema):
    id: int
    text: str
    who_helps: str
    due_on: date | None
    done_at: datetime | None


class GoalOut(Schema):
    id: int
    area: str
    text: str
    status: str
    review_on: date | None
    needs_vetted_helper: bool
    steps: list[StepOut]


class CommentOut(Schema):
    id: int
    author: str
    text: str
    created_at: datetime


class PlanDetailOut(_PlanFields):
    life_wanted: str
    strengths: str
    what_matters: str
    goals: list[GoalOut]
    comments: list[CommentOut]


class PlanIn(Schema):
    membership_id: BodyId
    life_wanted: str = Field("", max_length=5000)
    strengths: str = Field("", max_length=5000)
    what_matters: str = Field("", max_length=5000)
    next_review_on: date | None = None


class GoalIn(Schema):
    area: str = Field(..., max_length=16)
    text: str = Field(..., max_length=5000)
    review_on: date | None = None
    needs_vetted_helper: bool = False


class GoalStatusIn(Schema):
    status: str = Field(..., max_length=10)


class StepIn(Schema):
    text: str = Field(..., max_length=300)
    who_helps: str = Field("", max_length=200)
    due_on: date | None = None


class TextIn(Schema):
    text: str = Field(..., max_length=2000)


class ContactIn(Schema):
    how: str = Field(..., max_length=10)
    note: str = Field("", max_length=2000)


class PlanReviewIn(Schema):
    summary: str = Field("", max_length=5000)
    next_review_on: date | None = None


class HandoverIn(Schema):
    to_membership_id: BodyId
    reason: str = Field("", max_length=2000)


class CloseIn(Schema):
    reason: str = Field(..., max_length=2000)


class IdOut(Schema):
    id: int


def _detail(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan, _kind = plan_detail(viewer=viewer(request), plan_id=plan_id)
    return {
        "id": plan.pk,
        "organisation_id": plan.organisation_id,
        "person": plan.membership.person.display_name,
        "coordinator": plan.coordinator.person.display_name if plan.coordinator else None,
        "status": plan.status,
        "next_review_on": plan.next_review_on,
        "last_contact_at": plan.last_contact_at,
        "life_wanted": plan.life_wanted,
        "strengths": plan.strengths,
        "what_matters": plan.what_matters,
        "goals": [
            {
                "id": goal.pk,
                "area": goal.area,
                "text": goal.text,
                "status": goal.status,
                "review_on": goal.review_on,
                "needs_vetted_helper": goal.needs_vetted_helper,
                "steps": list(goal.steps.all()),
            }
            for goal in plan.goals.all()
        ],
        "comments": [
            {
                "id": c.pk,
                "author": c.author.display_name,
                "text": c.text,
                "created_at": c.created_at,
            }
            for c in plan.comments.all()
        ],
    }


@router.get("/plans", response=responses(list[PlanOut]), summary="Plans I may see")
@paginate(Pagination)
def plan_list(request: HttpRequest) -> Any:
    return plans_visible(viewer=viewer(request))


@router.post("/plans", response=responses(PlanOut, 201), summary="Start a plan")
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    plan = plans.plan_create(
        viewer=viewer(request),
        membership_id=payload.membership_id,
        life_wanted=payload.life_wanted,
        strengths=payload.strengths,
        what_matters=payload.what_matters,
        next_review_on=payload.next_review_on,
    )
    return Status(201, plan)


@router.get("/plans/{plan_id}", response=responses(PlanDetailOut), summary="A plan (logged)")
def plan_get(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    return _detail(request, plan_id)


@router.post("/plans/{plan_id}/goals", response=responses(IdOut, 201), summary="Add a goal")
def goal_add(request: HttpRequest, plan_id: Id, payload: GoalIn) -> Any:
    goal = plans.plan_goal_add(
        viewer=viewer(request),
        plan_id=plan_id,
        area=payload.area,
        text=payload.text,
        review_on=payload.review_on,
        needs_vetted_helper=payload.needs_vetted_helper,
    )
    return Status(201, {"id": goal.pk})


@router.post("/goals/{goal_id}/status", response=responses(IdOut), summary="Goal's status")
def goal_status(request: HttpRequest, goal_id: Id, payload: GoalStatusIn) -> dict[str, int]:
    goal = plans.plan_goal_status_set(
        viewer=viewer(request), goal_id=goal_id, status=payload.status
    )
    return {"id": goal.pk}


@router.post("/goals/{goal_id}/steps", response=responses(IdOut, 201), summary="Add a step")
def step_add(request: HttpRequest, goal_id: Id, payload: StepIn) -> Any:
    step = plans.plan_step_add(
        viewer=viewer(request),
        goal_id=goal_id,
        text=payload.text,
        who_helps=payload.who_helps,
        due_on=payload.due_on,
    )
    return Status(201, {"id": step.pk})


@router.post("/steps/{step_id}/done", response=responses(IdOut), summary="Mark a step done")
def step_done(request: HttpRequest, step_id: Id) -> dict[str, int]:
    return {"id": plans.plan_step_done(viewer=viewer(request), step_id=step_id).pk}


@router.post(
    "/plans/{plan_id}/comments", response=responses(IdOut, 201), summary="Comment on a plan"
)
def comment_add(request: HttpRequest, plan_id: Id, payload: TextIn) -> Any:
    comment = plans.plan_comment_add(viewer=viewer(request), plan_id=plan_id, text=payload.text)
    return Status(201, {"id": comment.pk})


@router.post(
    "/plans/{plan_id}/contacts", response=responses(IdOut, 201), summary="Record a contact"
)
def contact_add(request: HttpRequest, plan_id: Id, payload: ContactIn) -> Any:
    contact = plans.plan_contact_record(
        viewer=viewer(request), plan_id=plan_id, how=payload.how, note=payload.note
    )
    return Status(201, {"id": contact.pk})


@router.post("/plans/{plan_id}/reviews", response=responses(IdOut, 201), summary="Record a review")
def review_add(request: HttpRequest, plan_id: Id, payload: PlanReviewIn) -> Any:
    review = plans.plan_review_record(
        viewer=viewer(request),
        plan_id=plan_id,
        summary=payload.summary,
        next_review_on=payload.next_review_on,
    )
    return Status(201, {"id": review.pk})


@router.post("/plans/{plan_id}/handover", response=responses(PlanOut), summary="Hand over")
def plan_handover(request: HttpRequest, plan_id: Id, payload: HandoverIn) -> Plan:
    handover = caseloads.plan_handover(
        viewer=viewer(request),
        plan_id=plan_id,
        to_membership_id=payload.to_membership_id,
        reason=payload.reason,
    )
    return Plan.objects.select_related("membership__person", "coordinator__person").get(
        pk=handover.plan_id
    )


@router.post("/plans/{plan_id}/close", response=responses(PlanOut), summary="Close a plan")
def plan_close(request: HttpRequest, plan_id: Id, payload: CloseIn) -> Plan:
    return plans.plan_close(viewer=viewer(request), plan_id=plan_id, reason=payload.reason)
