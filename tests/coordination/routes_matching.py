"""Matching, for the permission matrix. A goal's suggestions belong to its plan (special
category): the coordinator who holds it and the service's managers (and the person, who is
not a matrix role). A listing's suggestions and precision are for coordinators and above."""

from __future__ import annotations

from typing import Any

from coproduce.timebank import services as timebank_services
from coproduce.timebank.models import Listing
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import goal_of
from tests.matrix import COORDINATORS_UP, ApiRoute, Route

HOLDERS = frozenset({"coordinator", "manager", "admin"})
QUERY = "Meet people who like gardening."


def _goal_id(world: Any) -> int:
    return goal_of(plan_for(world), world).pk


def _goal(world: Any) -> dict[str, int]:
    return {"goal_id": _goal_id(world)}


def _listing_id(world: Any) -> int:
    existing = Listing.objects.filter(organisation=world.org, title="Matching offer").first()
    if existing is not None:
        return existing.pk
    return timebank_services.listing_create(
        viewer=world.viewer("member"),
        organisation=world.org,
        kind="offer",
        title="Matching offer",
        description="Help with an allotment on Tuesdays.",
        category="gardening",
    ).pk


def _listing(world: Any) -> dict[str, int]:
    return {"listing_id": _listing_id(world)}


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _mark_form(world: Any) -> dict[str, Any]:
    return {"candidate": "group:1", "rank": "1", "query": QUERY, "verdict": "good"}


ROUTES: list[Route] = [
    Route("coordination:goal_matches", kwargs=_goal, allowed=HOLDERS),
    Route("coordination:match_mark", kwargs=_goal, allowed=HOLDERS),
    Route(
        "coordination:match_mark",
        kwargs=_goal,
        allowed=HOLDERS,
        method="post",
        data=_mark_form,
        ok_status=302,
    ),
    Route("coordination:listing_matches", kwargs=_listing, allowed=COORDINATORS_UP),
    Route("coordination:match_precision", kwargs=_org, allowed=COORDINATORS_UP),
]


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/coordination/goals/{goal_id}/matches",
        lambda w: _p(f"/goals/{_goal_id(w)}/matches"),
        allowed=HOLDERS,
    ),
    ApiRoute(
        "/coordination/listings/{listing_id}/matches",
        lambda w: _p(f"/listings/{_listing_id(w)}/matches"),
        allowed=COORDINATORS_UP,
    ),
    ApiRoute(
        "/coordination/goals/{goal_id}/marks",
        lambda w: _p(f"/goals/{_goal_id(w)}/marks"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"candidate": "group:1", "rank": 1, "good": True, "query": QUERY},
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/matching/precision",
        lambda w: _p(f"/organisations/{w.org.pk}/matching/precision"),
        allowed=COORDINATORS_UP,
    ),
]
