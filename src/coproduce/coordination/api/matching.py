"""Coordination API: matching. Suggestions for a goal (its plan's access check, logged like
the page) or a time-bank listing, marking a suggestion good or not, and precision@5.

No ``from __future__ import annotations`` here: ninja reads query parameters from the real
annotations."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import StrictInt

from coproduce.coordination.matching.engine import Suggestion
from coproduce.coordination.selectors.marks import (
    PRECISION_AT,
    Precision,
    precision_report,
)
from coproduce.coordination.selectors.matching import goal_matches, listing_matches
from coproduce.coordination.services import marks
from coproduce.coordination.services.marks import MAX_RANK, QUERY_LIMIT
from coproduce.framework.api_bounds import Flag, Id
from coproduce.framework.api_errors import responses
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])

MAX_LIMIT = 50
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Rank = Annotated[StrictInt, Field(ge=1, le=MAX_RANK)]


class SuggestionOut(Schema):
    key: str
    kind: str
    source_id: str
    title: str
    reason: str
    score: float
    rank: int
    distance_km: float | None
    places_left: int | None
    membership_id: int | None


class GoalMatchesOut(Schema):
    goal_id: int
    plan_id: int
    query: str
    suggestions: list[SuggestionOut]
    offer_back: list[SuggestionOut]


class ListingMatchesOut(Schema):
    listing_id: int
    suggestions: list[SuggestionOut]


class MarkIn(Schema):
    candidate: str = Field(..., max_length=80, description='"<kind>:<id>", e.g. "group:7"')
    rank: Rank
    good: Flag
    query: str = Field(..., max_length=QUERY_LIMIT)


class MarkOut(Schema):
    id: int
    goal_id: int | None
    candidate: str
    rank: int
    good: bool
    query: str


class PrecisionOut(Schema):
    marked: int
    good: int
    goals: int
    precision: float | None


class CoordinatorPrecisionOut(PrecisionOut):
    membership_id: int
    name: str


class PrecisionReportOut(Schema):
    organisation_id: int
    at: int
    own: PrecisionOut
    # Each coordinator of the service, for a manager; empty for a coordinator.
    team: list[CoordinatorPrecisionOut]


def _suggestion(s: Suggestion) -> dict[str, Any]:
    return {
        "key": s.key,
        "kind": s.kind,
        "source_id": s.source_id,
        "title": s.title,
        "reason": s.reason,
        "score": s.score,
        "rank": s.rank,
        "distance_km": s.distance_km,
        "places_left": s.places_left,
        "membership_id": s.membership_id,
    }


def _precision(p: Precision) -> dict[str, Any]:
    return {"marked": p.marked, "good": p.good, "goals": p.goals, "precision": p.value}


@router.get(
    "/goals/{goal_id}/matches",
    response=responses(GoalMatchesOut),
    summary="Suggestions for a goal (logged)",
)
def goal_matches_get(request: HttpRequest, goal_id: Id, limit: Limit = 10) -> dict[str, Any]:
    matches = goal_matches(viewer=viewer(request), goal_id=goal_id, limit=limit)
    return {
        "goal_id": matches.goal.pk,
        "plan_id": matches.goal.plan_id,
        "query": matches.query,
        "suggestions": [_suggestion(s) for s in matches.suggestions],
        "offer_back": [_suggestion(s) for s in matches.offer_back],
    }


@router.get(
    "/listings/{listing_id}/matches",
    response=responses(ListingMatchesOut),
    summary="Suggestions for a time-bank offer or request",
)
def listing_matches_get(request: HttpRequest, listing_id: Id, limit: Limit = 10) -> dict[str, Any]:
    found = listing_matches(viewer=viewer(request), listing_id=listing_id, limit=limit)
    return {"listing_id": listing_id, "suggestions": [_suggestion(s) for s in found]}


@router.post(
    "/goals/{goal_id}/marks",
    response=responses(MarkOut),
    summary="Mark a suggestion good or not (again: changes the mark)",
)
def mark_post(request: HttpRequest, goal_id: Id, payload: MarkIn) -> Any:
    return marks.match_mark(
        viewer=viewer(request),
        goal_id=goal_id,
        candidate=payload.candidate,
        rank=payload.rank,
        good=payload.good,
        query=payload.query,
    )


@router.get(
    "/organisations/{organisation_id}/matching/precision",
    response=responses(PrecisionReportOut),
    summary="My precision@5 (and each coordinator's, for a manager)",
)
def precision_get(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    report = precision_report(viewer=viewer(request), organisation_id=organisation_id)
    return {
        "organisation_id": report.organisation_id,
        "at": PRECISION_AT,
        "own": _precision(report.own),
        "team": [
            {"membership_id": row.membership_id, "name": row.name, **_precision(row.precision)}
            for row in report.team
        ],
    }
