"""The budgeting API: rounds, proposals, ballots and results. The same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictInt

from coproduce.budgeting import selectors, services
from coproduce.budgeting.models import (
    Ballot,
    BallotKind,
    Budget,
    Proposal,
    Round,
    Rule,
)
from coproduce.errors import NotFound
from coproduce.framework.api_bounds import MAX_BIGINT, BodyId, Count, Flag, Id, Pence
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["budgeting"])


class RoundOut(Schema):
    id: int
    organisation_id: int
    title: str
    description: str
    phase: str
    created_at: datetime


class BudgetOut(Schema):
    id: int
    round_id: int
    name: str
    area_id: int | None
    amount_pence: int
    ballot_kind: str
    rule: str
    min_projects: int
    max_projects: int | None
    min_share_percent: int
    points: int | None
    residents_only: bool
    min_age: int | None
    members_of_id: int | None


class RoundDetailOut(RoundOut):
    budgets: list[BudgetOut]


class ProposalOut(Schema):
    id: int
    budget_id: int
    title: str
    description: str
    cost_pence: int
    status: str
    rejection_reason: str
    delivery_status: str


class ProposalIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=10_000)
    cost_pence: Pence


class ReviewIn(Schema):
    accept: Flag
    reason: str = Field("", max_length=2000)
    cost_pence: Pence | None = None


class BallotIn(Schema):
    choices: dict[Id, Count] = Field(
        ..., description="Proposal id → points (1 for an approval ballot)."
    )


class BallotOut(Schema):
    id: int
    budget_id: int
    channel: str
    choices: dict[int, int]


class ResultLineOut(Schema):
    proposal_id: int
    title: str
    cost_pence: int
    votes: int
    selected: bool
    explanation: str


class ResultOut(Schema):
    budget_id: int
    rule: str
    ballots_counted: int
    computed_at: datetime
    lines: list[ResultLineOut]


@router.get("/rounds", response=responses(list[RoundOut]), summary="Rounds in my organisations")
@paginate(Pagination)
def round_list(request: HttpRequest) -> Any:
    return selectors.round_list(viewer=viewer(request))


@router.get("/rounds/{round_id}", response=responses(RoundDetailOut))
def round_detail(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    who = viewer(request)
    round_: Round = selectors.round_get(viewer=who, round_id=round_id)
    return {
        "id": round_.pk,
        "organisation_id": round_.organisation_id,
        "title": round_.title,
        "description": round_.description,
        "phase": round_.phase,
        "created_at": round_.created_at,
        "budgets": selectors.budget_list(viewer=who, round_=round_),
    }


class RoundIn(Schema):
    organisation_id: BodyId
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=10_000)


class BudgetIn(Schema):
    name: str = Field(..., max_length=200)
    amount_pence: Pence
    area_id: BodyId | None = None
    pot_id: BodyId | None = None
    ballot_kind: str = BallotKind.APPROVAL_BUDGET
    rule: str = Rule.MES
    threshold_votes: Count = 0
    min_projects: Count = 1
    max_projects: Count | None = Field(None, ge=1)
    min_share_percent: StrictInt = Field(0, ge=0, le=100)
    points: Count | None = Field(None, ge=1)
    residents_only: Flag = False
    min_age: StrictInt | None = Field(None, ge=0, le=120)
    members_of_id: BodyId | None = None


@router.post("/rounds", response=responses(RoundOut, 201), summary="Start a round")
def round_create(request: HttpRequest, payload: RoundIn) -> Any:
    round_ = services.round_create(
        viewer=viewer(request),
        organisation_id=payload.organisation_id,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, round_)


@router.post("/rounds/{round_id}/advance", response=responses(RoundOut), summary="Next phase")
def round_advance(request: HttpRequest, round_id: Id) -> Round:
    who = viewer(request)
    selectors.round_get(viewer=who, round_id=round_id)
    return services.round_advance(viewer=who, round_id=round_id)


@router.post(
    "/rounds/{round_id}/budgets", response=responses(BudgetOut, 201), summary="Add a budget"
)
def budget_add(request: HttpRequest, round_id: Id, payload: BudgetIn) -> Any:
    budget = services.budget_add(
        viewer=viewer(request),
        round_id=round_id,
        name=payload.name,
        amount_pence=payload.amount_pence,
        area_id=payload.area_id,
        pot_id=payload.pot_id,
        ballot_kind=payload.ballot_kind,
        rule=payload.rule,
        threshold_votes=payload.threshold_votes,
        min_projects=payload.min_projects,
        max_projects=payload.max_projects,
        min_share_percent=payload.min_share_percent,
        points=payload.points,
        residents_only=payload.residents_only,
        min_age=payload.min_age,
        members_of_id=payload.members_of_id,
    )
    return Status(201, budget)


@router.get("/budgets/{budget_id}/proposals", response=responses(list[ProposalOut]))
@paginate(Pagination)
def proposal_list(
    request: HttpRequest,
    # a paginated view's annotations resolve in ninja's module, so the bound is spelt out
    budget_id: int = Path(..., ge=1, le=MAX_BIGINT),
) -> Any:
    budget = selectors.budget_get(viewer=viewer(request), budget_id=budget_id)
    return budget.proposals.order_by("pk")


@router.post("/budgets/{budget_id}/proposals", response=responses(ProposalOut, 201))
def proposal_submit(request: HttpRequest, budget_id: Id, payload: ProposalIn) -> Any:
    proposal = services.proposal_submit(
        viewer=viewer(request),
        budget_id=budget_id,
        title=payload.title,
        description=payload.description,
        cost_pence=payload.cost_pence,
    )
    return Status(201, proposal)


@router.post("/proposals/{proposal_id}/review", response=responses(ProposalOut))
def proposal_review(request: HttpRequest, proposal_id: Id, payload: ReviewIn) -> Proposal:
    who = viewer(request)
    selectors.proposal_get(viewer=who, proposal_id=proposal_id)
    return services.proposal_review(
        viewer=who,
        proposal_id=proposal_id,
        accept=payload.accept,
        reason=payload.reason,
        cost_pence=payload.cost_pence,
    )


def _ballot_out(ballot: Ballot) -> dict[str, Any]:
    return {
        "id": ballot.pk,
        "budget_id": ballot.budget_id,
        "channel": ballot.channel,
        "choices": dict(ballot.choices.values_list("proposal_id", "points")),
    }


@router.get("/budgets/{budget_id}/ballot", response=responses(BallotOut), summary="My ballot")
def ballot_mine(request: HttpRequest, budget_id: Id) -> dict[str, Any]:
    who = viewer(request)
    budget = selectors.access_budget_by_id(
        viewer=who, budget_id=budget_id, ability="budgeting.vote", action="vote"
    )
    ballot = selectors.ballot_of(viewer=who, budget=budget)
    if ballot is None:
        raise NotFound("You have not voted in this budget yet.")
    return _ballot_out(ballot)


@router.post("/budgets/{budget_id}/ballot", response=responses(BallotOut, 201))
def ballot_cast(request: HttpRequest, budget_id: Id, payload: BallotIn) -> Any:
    who = viewer(request)
    selectors.budget_get(viewer=who, budget_id=budget_id)
    ballot = services.ballot_cast(viewer=who, budget_id=budget_id, choices=payload.choices)
    return Status(201, _ballot_out(ballot))


@router.post("/budgets/{budget_id}/ballot/change", response=responses(BallotOut))
def ballot_change(request: HttpRequest, budget_id: Id, payload: BallotIn) -> dict[str, Any]:
    who = viewer(request)
    selectors.budget_get(viewer=who, budget_id=budget_id)
    ballot = services.ballot_change(viewer=who, budget_id=budget_id, choices=payload.choices)
    return _ballot_out(ballot)


@router.get("/budgets/{budget_id}/result", response=responses(ResultOut))
def result(request: HttpRequest, budget_id: Id) -> dict[str, Any]:
    who = viewer(request)
    budget: Budget = selectors.budget_get(viewer=who, budget_id=budget_id)
    stored = selectors.result_get(viewer=who, budget=budget)
    if stored is None:
        raise NotFound("The votes have not been counted yet.")
    return {
        "budget_id": budget.pk,
        "rule": stored.rule,
        "ballots_counted": stored.ballots_counted,
        "computed_at": stored.computed_at,
        "lines": [
            {
                "proposal_id": line.proposal_id,
                "title": line.proposal.title,
                "cost_pence": line.proposal.cost_pence,
                "votes": line.votes,
                "selected": line.selected,
                "explanation": line.explanation,
            }
            for line in stored.lines.all()
        ],
    }
