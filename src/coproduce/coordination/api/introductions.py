"""Coordination API: introductions to people, groups and places. The same services as the
pages; a coordinator's or manager's read of one introduction is logged like the page.

No ``from __future__ import annotations`` here: ninja reads the paginated list's query
parameters (``Id | None``) from its real annotations."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.coordination.models import Introduction
from coproduce.coordination.selectors import introductions as selectors
from coproduce.coordination.selectors.plans import access_plan_by_id
from coproduce.coordination.services import introductions as services
from coproduce.framework.api_bounds import BodyId, Flag, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])


class IntroductionRow(Schema):
    id: int
    organisation_id: int
    plan_id: int
    person: str
    target_kind: str
    target: str
    status: str
    follow_up_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_person(introduction: Introduction) -> str:
        return introduction.person_name  # type: ignore[attr-defined]

    @staticmethod
    def resolve_target(introduction: Introduction) -> str:
        return introduction.target_name  # type: ignore[attr-defined]


class IntroductionOut(Schema):
    id: int
    organisation_id: int
    plan_id: int | None
    goal: str | None
    person: str
    introduced_by: str
    target_kind: str
    target: str
    target_membership_id: int | None
    target_group_id: int | None
    target_asset_id: uuid.UUID | None
    note: str
    status: str
    person_agreed_at: datetime | None
    other_agreed_at: datetime | None
    met_on: date | None
    outcome_reason: str
    follow_up_on: date | None
    created_at: datetime
    # How the caller takes part: person, other, coordinator or manager.
    you_are: str


class IntroductionIn(Schema):
    target_kind: Literal["person", "group", "asset"]
    membership_id: BodyId | None = None
    number: str = Field("", max_length=20)
    group_id: BodyId | None = None
    asset_id: uuid.UUID | None = None
    goal_id: BodyId | None = None
    note: str = Field("", max_length=2000)
    follow_up_on: date | None = None


class AgreeIn(Schema):
    in_person: Flag = False


class DeclineIn(Schema):
    reason: str = Field("", max_length=2000)
    in_person: Flag = False


class IntroductionStatusIn(Schema):
    status: str = Field(..., max_length=16)
    met_on: date | None = None
    reason: str = Field("", max_length=2000)


class FollowUpIn(Schema):
    follow_up_on: date


def _out(introduction: Introduction, side: str) -> dict[str, Any]:
    """The other person sees neither the plan nor its goal (special-category)."""
    other = side == "other"
    return {
        "id": introduction.pk,
        "organisation_id": introduction.organisation_id,
        "plan_id": None if other else introduction.plan_id,
        "goal": introduction.goal.text if introduction.goal and not other else None,
        "person": introduction.plan.membership.person.display_name,
        "introduced_by": introduction.introduced_by.display_name,
        "target_kind": introduction.target_kind,
        "target": selectors.target_name(introduction),
        "target_membership_id": introduction.target_membership_id,
        "target_group_id": introduction.target_group_id,
        "target_asset_id": introduction.target_asset_id,
        "note": introduction.note,
        "status": introduction.status,
        "person_agreed_at": introduction.person_agreed_at,
        "other_agreed_at": introduction.other_agreed_at,
        "met_on": introduction.met_on,
        "outcome_reason": introduction.outcome_reason,
        "follow_up_on": None if other else introduction.follow_up_on,
        "created_at": introduction.created_at,
        "you_are": side,
    }


def _after(request: HttpRequest, introduction_id: int) -> dict[str, Any]:
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer(request), introduction_id=introduction_id, log=False
    )
    return _out(introduction, side)


@router.get(
    "/introductions",
    response=responses(list[IntroductionRow]),
    summary="Introductions I may see (for me, asked of me, or that I coordinate)",
)
@paginate(Pagination)
def introduction_list(
    request: HttpRequest,
    view: str = "all",
    status: str = "",
    plan_id: Id | None = None,
) -> Any:
    who = viewer(request)
    plan = access_plan_by_id(viewer=who, plan_id=plan_id, log=False) if plan_id else None
    return selectors.introduction_list(viewer=who, view=view, status=status, plan=plan)


@router.post(
    "/plans/{plan_id}/introductions",
    response=responses(IntroductionOut, 201),
    summary="Propose an introduction for the plan's person",
)
def introduction_propose(request: HttpRequest, plan_id: Id, payload: IntroductionIn) -> Any:
    introduction = services.introduction_propose(
        viewer=viewer(request),
        plan_id=plan_id,
        target_kind=payload.target_kind,
        membership_id=payload.membership_id,
        number=payload.number,
        group_id=payload.group_id,
        asset_id=payload.asset_id,
        goal_id=payload.goal_id,
        note=payload.note,
        follow_up_on=payload.follow_up_on,
    )
    return Status(201, _after(request, introduction.pk))


@router.get(
    "/introductions/{introduction_id}",
    response=responses(IntroductionOut),
    summary="An introduction (a coordinator's read is logged)",
)
def introduction_get(request: HttpRequest, introduction_id: Id) -> dict[str, Any]:
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer(request), introduction_id=introduction_id
    )
    return _out(introduction, side)


@router.post(
    "/introductions/{introduction_id}/agree",
    response=responses(IntroductionOut),
    summary="Agree (or, for a coordinator, record the person's agreement given in person)",
)
def introduction_agree(
    request: HttpRequest, introduction_id: Id, payload: AgreeIn
) -> dict[str, Any]:
    services.introduction_agree(
        viewer=viewer(request),
        introduction_id=introduction_id,
        in_person=payload.in_person,
    )
    return _after(request, introduction_id)


@router.post(
    "/introductions/{introduction_id}/decline",
    response=responses(IntroductionOut),
    summary="Say no (or, for a coordinator, record the person's no given in person)",
)
def introduction_decline(
    request: HttpRequest, introduction_id: Id, payload: DeclineIn
) -> dict[str, Any]:
    services.introduction_decline(
        viewer=viewer(request),
        introduction_id=introduction_id,
        reason=payload.reason,
        in_person=payload.in_person,
    )
    return _after(request, introduction_id)


@router.post(
    "/introductions/{introduction_id}/status",
    response=responses(IntroductionOut),
    summary="Record that they met, that it is ongoing, or that it didn't work out",
)
def introduction_status(
    request: HttpRequest, introduction_id: Id, payload: IntroductionStatusIn
) -> dict[str, Any]:
    services.introduction_status_set(
        viewer=viewer(request),
        introduction_id=introduction_id,
        status=payload.status,
        met_on=payload.met_on,
        reason=payload.reason,
    )
    return _after(request, introduction_id)


@router.post(
    "/introductions/{introduction_id}/follow-up",
    response=responses(IntroductionOut),
    summary="Set or change the follow-up date",
)
def introduction_follow_up(
    request: HttpRequest, introduction_id: Id, payload: FollowUpIn
) -> dict[str, Any]:
    services.introduction_follow_up_set(
        viewer=viewer(request),
        introduction_id=introduction_id,
        follow_up_on=payload.follow_up_on,
    )
    return _after(request, introduction_id)


@router.get(
    "/organisations/{organisation_id}/introductions/follow-ups",
    response=responses(list[IntroductionRow]),
    summary="My introductions due a follow-up (a manager may name a coordinator)",
)
def follow_ups(
    request: HttpRequest,
    organisation_id: Id,
    on: date | None = None,
    coordinator: Id | None = None,
) -> Any:
    return list(
        selectors.follow_ups_due(
            viewer=viewer(request),
            organisation_id=organisation_id,
            on=on,
            coordinator_membership_id=coordinator,
        )
    )
