"""The budgeting API: rounds, proposals, ballots and results. The same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.api.auth import viewer
from coproduce.api.pagination import Pagination
from coproduce.budgeting import selectors, services
from coproduce.budgeting.models import (
    Ballot,
    BallotKind,
    Budget,
    Proposal,
    Round,
    Rule,
)
from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.models import Area, Organisation
from coproduce.timebank.models import Account

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
    cost_pence: int


class ReviewIn(Schema):
    accept: bool
    reason: str = Field("", max_length=2000)
    cost_pence: int | None = None


class BallotIn(Schema):
    choices: dict[int, int] = Field(
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


@router.get("/rounds", response=list[RoundOut], summary="Rounds in my organisations")
@paginate(Pagination)
def round_list(request: HttpRequest) -> Any:
    return selectors.round_list(viewer=viewer(request))


@router.get("/rounds/{round_id}", response=RoundDetailOut)
def round_detail(request: HttpRequest, round_id: int) -> dict[str, Any]:
    round_: Round = selectors.round_get(viewer=viewer(request), round_id=round_id)
    return {
        "id": round_.pk,
        "organisation_id": round_.organisation_id,
        "title": round_.title,
        "description": round_.description,
        "phase": round_.phase,
        "created_at": round_.created_at,
        "budgets": selectors.budget_list(round_=round_),
    }


class RoundIn(Schema):
    organisation_id: int
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=10_000)


class BudgetIn(Schema):
    name: str = Field(..., max_length=200)
    amount_pence: int
    area_id: int | None = None
    pot_id: int | None = None
    ballot_kind: str = BallotKind.APPROVAL_BUDGET
    rule: str = Rule.MES
    threshold_votes: int = Field(0, ge=0)
    min_projects: int = Field(1, ge=0)
    max_projects: int | None = Field(None, ge=1)
    min_share_percent: int = Field(0, ge=0, le=100)
    points: int | None = Field(None, ge=1)
    residents_only: bool = False
    min_age: int | None = Field(None, ge=0, le=120)
    members_of_id: int | None = None


@router.post("/rounds", response={201: RoundOut}, summary="Start a round")
def round_create(request: HttpRequest, payload: RoundIn) -> Any:
    who = viewer(request)
    organisation = selectors.organisation_for(
        viewer=who,
        organisation_id=payload.organisation_id,
        ability="budgeting.run_round",
        action="run a round",
    )
    round_ = services.round_create(
        viewer=who,
        organisation=organisation,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, round_)


@router.post("/rounds/{round_id}/advance", response=RoundOut, summary="Next phase")
def round_advance(request: HttpRequest, round_id: int) -> Round:
    who = viewer(request)
    selectors.round_get(viewer=who, round_id=round_id)
    return services.round_advance(viewer=who, round_id=round_id)


def _optional(model: type[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(field, f"There is no {field.removesuffix('_id')} {pk}.")
    return found


@router.post("/rounds/{round_id}/budgets", response={201: BudgetOut}, summary="Add a budget")
def budget_add(request: HttpRequest, round_id: int, payload: BudgetIn) -> Any:
    who = viewer(request)
    round_ = selectors.round_get(viewer=who, round_id=round_id)
    pot = _optional(Account, payload.pot_id, "pot_id")
    members_of = _optional(Organisation, payload.members_of_id, "members_of_id")
    budget = services.budget_add(
        viewer=who,
        round_=round_,
        name=payload.name,
        amount_pence=payload.amount_pence,
        area=_optional(Area, payload.area_id, "area_id"),
        pot=pot,
        ballot_kind=payload.ballot_kind,
        rule=payload.rule,
        threshold_votes=payload.threshold_votes,
        min_projects=payload.min_projects,
        max_projects=payload.max_projects,
        min_share_percent=payload.min_share_percent,
        points=payload.points,
        residents_only=payload.residents_only,
        min_age=payload.min_age,
        members_of=members_of,
    )
    return Status(201, budget)


@router.get("/budgets/{budget_id}/proposals", response=list[ProposalOut])
@paginate(Pagination)
def proposal_list(request: HttpRequest, budget_id: int) -> Any:
    budget = selectors.budget_get(viewer=viewer(request), budget_id=budget_id)
    return budget.proposals.order_by("pk")


@router.post("/budgets/{budget_id}/proposals", response={201: ProposalOut})
def proposal_submit(request: HttpRequest, budget_id: int, payload: ProposalIn) -> Any:
    who = viewer(request)
    budget = selectors.budget_get(viewer=who, budget_id=budget_id)
    proposal = services.proposal_submit(
        viewer=who,
        budget=budget,
        title=payload.title,
        description=payload.description,
        cost_pence=payload.cost_pence,
    )
    return Status(201, proposal)


@router.post("/proposals/{proposal_id}/review", response=ProposalOut)
def proposal_review(request: HttpRequest, proposal_id: int, payload: ReviewIn) -> Proposal:
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


@router.get("/budgets/{budget_id}/ballot", response=BallotOut, summary="My ballot")
def ballot_mine(request: HttpRequest, budget_id: int) -> dict[str, Any]:
    who = viewer(request)
    budget = selectors.budget_get(viewer=who, budget_id=budget_id)
    permissions.check(who, "budgeting.vote", budget.round.organisation_id, action="vote")
    ballot = selectors.ballot_of(viewer=who, budget=budget)
    if ballot is None:
        raise NotFound("You have not voted in this budget yet.")
    return _ballot_out(ballot)


@router.post("/budgets/{budget_id}/ballot", response={201: BallotOut})
def ballot_cast(request: HttpRequest, budget_id: int, payload: BallotIn) -> Any:
    who = viewer(request)
    selectors.budget_get(viewer=who, budget_id=budget_id)
    ballot = services.ballot_cast(viewer=who, budget_id=budget_id, choices=payload.choices)
    return Status(201, _ballot_out(ballot))


@router.post("/budgets/{budget_id}/ballot/change", response=BallotOut)
def ballot_change(request: HttpRequest, budget_id: int, payload: BallotIn) -> dict[str, Any]:
    who = viewer(request)
    selectors.budget_get(viewer=who, budget_id=budget_id)
    ballot = services.ballot_change(viewer=who, budget_id=budget_id, choices=payload.choices)
    return _ballot_out(ballot)


@router.get("/budgets/{budget_id}/result", response=ResultOut)
def result(request: HttpRequest, budget_id: int) -> dict[str, Any]:
    budget: Budget = selectors.budget_get(viewer=viewer(request), budget_id=budget_id)
    stored = selectors.result_get(budget=budget)
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
