"""Audit API for the action plan and the barriers: a round's weakest items, its actions (read;
added by managers; moved on by a manager or the action's owner) and the barriers found. The
same services and selectors as the pages. A commissioner reads the plan without its owners.

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.audit.models import Action, Barrier
from coproduce.audit.selectors import actions as selectors
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.audit.services import actions as services
from coproduce.audit.services.barriers import DESCRIPTION_LIMIT, barrier_record
from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["audit"])


class AuditWeakItemOut(Schema):
    code: str
    text: str
    section: str
    score: float
    side: str = Field(..., description="members or staff: whose score this is")


class AuditActionOut(Schema):
    id: int
    round_id: int
    item_code: str
    title: str
    detail: str
    owner_id: int | None = Field(None, description="Not shown to commissioners.")
    owner_name: str | None = Field(None, description="Not shown to commissioners.")
    due_on: date
    status: str = Field(..., description="open, doing or done")
    done_at: datetime | None
    progress_note: str
    overdue: bool


class AuditActionIn(Schema):
    title: str = Field(..., min_length=1, max_length=services.TITLE_LIMIT)
    due_on: date
    item_code: str = Field("", max_length=40)
    owner_membership_id: BodyId | None = Field(
        None, description="A membership of the round's organisation."
    )
    detail: str = Field("", max_length=services.TEXT_LIMIT)


class AuditActionUpdateIn(Schema):
    status: str = Field(..., max_length=10, description="open, doing or done")
    progress_note: str = Field("", max_length=services.TEXT_LIMIT)
    due_on: date | None = Field(None, description="Managers only.")


class AuditBarrierIn(Schema):
    description: str = Field(..., min_length=1, max_length=DESCRIPTION_LIMIT)
    section_code: str = Field("", max_length=40)


class AuditBarrierOut(Schema):
    id: int
    round_id: int
    section_code: str
    description: str
    register_ref: str
    created_at: datetime


def _action(action: Action, *, owners: bool) -> dict[str, Any]:
    """One action; its owner only when ``owners`` (not for commissioners)."""
    return {
        "id": action.pk,
        "round_id": action.round_id,
        "item_code": action.item_code,
        "title": action.title,
        "detail": action.detail,
        "owner_id": action.owner_id if owners else None,
        "owner_name": action.owner.full_name if owners and action.owner else None,
        "due_on": action.due_on,
        "status": action.status,
        "done_at": action.done_at,
        "progress_note": action.progress_note,
        "overdue": selectors.is_overdue(action),
    }


def _barrier(barrier: Barrier) -> dict[str, Any]:
    return {
        "id": barrier.pk,
        "round_id": barrier.round_id,
        "section_code": barrier.section_code,
        "description": barrier.description,
        "register_ref": barrier.register_ref,
        "created_at": barrier.created_at,
    }


@router.get(
    "/rounds/{round_id}/weakest-items",
    response=responses(list[AuditWeakItemOut]),
    summary="The round's lowest-scoring items, where an action plan starts",
)
def weakest_items(request: HttpRequest, round_id: Id) -> list[dict[str, Any]]:
    round_ = access_round(viewer(request), round_id=round_id)
    instrument = round_instrument(round_)
    return [
        {**vars(weak), "score": float(weak.score)}
        for weak in selectors.weakest_items(selectors.round_score(round_, instrument), instrument)
    ]


@router.get(
    "/rounds/{round_id}/actions",
    response=responses(list[AuditActionOut]),
    summary="The round's action plan, soonest due first",
)
@paginate(Pagination)
def action_list(request: HttpRequest, round_id: Id) -> Any:
    who = viewer(request)
    round_ = access_round(who, round_id=round_id)
    owners = selectors.shows_owners(who, round_)
    return [_action(action, owners=owners) for action in selectors.round_actions(round_)]


@router.post(
    "/rounds/{round_id}/actions",
    response=responses(AuditActionOut, 201),
    summary="Add an action to the round's plan (managers)",
)
def action_add(request: HttpRequest, round_id: Id, payload: AuditActionIn) -> Any:
    who = viewer(request)
    added = services.action_add(
        viewer=who,
        round_id=round_id,
        title=payload.title,
        due_on=payload.due_on,
        item_code=payload.item_code,
        owner_membership_id=payload.owner_membership_id,
        detail=payload.detail,
    )
    return Status(201, _action(added, owners=selectors.shows_owners(who, added.round)))


@router.post(
    "/actions/{action_id}",
    response=responses(AuditActionOut),
    summary="Move an action on: its status and progress note (a manager or its owner)",
)
def action_update(
    request: HttpRequest, action_id: Id, payload: AuditActionUpdateIn
) -> dict[str, Any]:
    who = viewer(request)
    saved = services.action_update(
        viewer=who,
        action_id=action_id,
        status=payload.status,
        progress_note=payload.progress_note,
        due_on=payload.due_on,
    )
    return _action(saved, owners=selectors.shows_owners(who, saved.round))


@router.get(
    "/rounds/{round_id}/barriers",
    response=responses(list[AuditBarrierOut]),
    summary="The barriers to co-production the round found, newest first",
)
@paginate(Pagination)
def barrier_list(request: HttpRequest, round_id: Id) -> Any:
    round_ = access_round(viewer(request), round_id=round_id)
    return [_barrier(barrier) for barrier in selectors.round_barriers(round_)]


@router.post(
    "/rounds/{round_id}/barriers",
    response=responses(AuditBarrierOut, 201),
    summary="Record a barrier to co-production (staff and up)",
)
def barrier_add(request: HttpRequest, round_id: Id, payload: AuditBarrierIn) -> Any:
    recorded = barrier_record(
        viewer=viewer(request),
        round_id=round_id,
        description=payload.description,
        section_code=payload.section_code,
    )
    return Status(201, _barrier(recorded))
