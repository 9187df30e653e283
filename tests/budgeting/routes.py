"""Who may open each budgeting page and API operation (walked by tests/web)."""

from __future__ import annotations

from typing import Any

from coproduce.budgeting import services
from coproduce.budgeting.models import Rule
from tests.budgeting.factories import Election, area, election, policy_with_savings
from tests.matrix import ALL_ROLES, MANAGERS_UP, MEMBERS_UP, STAFF_UP, ApiRoute, Route


def _cached(world: Any, key: str, build: Any) -> Any:
    """The matrix asks for the URL once per visitor; build the data once per world."""
    cache = world.__dict__.setdefault("_budgeting", {})
    if key not in cache:
        cache[key] = build(world)
    return cache[key]


def _proposals_open(world: Any) -> Election:
    return _cached(world, "proposals", lambda w: election(w, open_voting=False))


def _voting(world: Any) -> Election:
    return _cached(world, "voting", lambda w: election(w, rule=Rule.GREEDY))


def _voted(world: Any) -> Election:
    def build(w: Any) -> Election:
        e = election(w, rule=Rule.GREEDY)
        for role in MEMBERS_UP:
            services.ballot_cast(
                viewer=w.viewer(role), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
            )
        return e

    return _cached(world, "voted", build)


def _counted(world: Any) -> Election:
    def build(w: Any) -> Election:
        e = election(w, rule=Rule.GREEDY)
        services.ballot_cast(
            viewer=w.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
        manager = w.viewer("manager")
        services.round_advance(viewer=manager, round_id=e.round.pk)
        services.round_advance(viewer=manager, round_id=e.round.pk)
        return e

    return _cached(world, "counted", build)


def _dividend(world: Any) -> int:
    dividend_id: int = _cached(world, "dividend", lambda w: policy_with_savings(w, area())[1])
    return dividend_id


def _policy(world: Any) -> int:
    _dividend(world)
    policy_id: int = world.org.dividend_policies.get().pk
    return policy_id


ROUTES: list[Route] = [
    Route("budgeting:round_list", any_signed_in=True),
    Route(
        "budgeting:round_detail",
        lambda w: {"round_id": _proposals_open(w).round.pk},
        allowed=ALL_ROLES,
    ),
    Route("budgeting:round_create", lambda w: {"organisation_id": w.org.pk}, allowed=MANAGERS_UP),
    Route("budgeting:round_import", lambda w: {"organisation_id": w.org.pk}, allowed=MANAGERS_UP),
    Route(
        "budgeting:budget_create",
        lambda w: {"round_id": _proposals_open(w).round.pk},
        allowed=MANAGERS_UP,
    ),
    Route("budgeting:policy_create", lambda w: {"organisation_id": w.org.pk}, allowed=MANAGERS_UP),
    Route(
        "budgeting:savings_create",
        lambda w: {"policy_id": _policy(w)},
        allowed=MANAGERS_UP,
    ),
    Route(
        "budgeting:round_advance",
        lambda w: {"round_id": _proposals_open(w).round.pk},
        allowed=MANAGERS_UP,
    ),
    Route(
        "budgeting:proposal_create",
        lambda w: {"budget_id": _proposals_open(w).budget.pk},
        allowed=MEMBERS_UP,
    ),
    Route(
        "budgeting:proposal_review",
        lambda w: {"proposal_id": _proposals_open(w).proposals[0].pk},
        allowed=STAFF_UP,
    ),
    Route("budgeting:vote", lambda w: {"budget_id": _voting(w).budget.pk}, allowed=MEMBERS_UP),
    Route(
        "budgeting:paper_ballot", lambda w: {"budget_id": _voting(w).budget.pk}, allowed=STAFF_UP
    ),
    Route("budgeting:codes", lambda w: {"budget_id": _voting(w).budget.pk}, allowed=STAFF_UP),
    Route("budgeting:code_vote", lambda w: {"budget_id": _voting(w).budget.pk}, public=True),
    Route("budgeting:results", lambda w: {"budget_id": _counted(w).budget.pk}),
    Route("budgeting:export", lambda w: {"budget_id": _counted(w).budget.pk}),
    Route("budgeting:delivery", lambda w: {"budget_id": _counted(w).budget.pk}),
    Route(
        "budgeting:delivery_update",
        lambda w: {"proposal_id": _counted(w).proposals[0].pk},
        allowed=MANAGERS_UP,
    ),
    Route("budgeting:dividends", lambda w: {"organisation_id": w.org.pk}, allowed=MANAGERS_UP),
    Route(
        "budgeting:dividend_approve",
        lambda w: {"dividend_id": _dividend(w)},
        allowed=MANAGERS_UP,
    ),
]

API_ROUTES: list[ApiRoute] = [
    ApiRoute("/budgeting/rounds", lambda w: "/api/v1/budgeting/rounds", any_signed_in=True),
    ApiRoute(
        "/budgeting/rounds/{round_id}",
        lambda w: f"/api/v1/budgeting/rounds/{_proposals_open(w).round.pk}",
    ),
    ApiRoute(
        "/budgeting/rounds",
        lambda w: "/api/v1/budgeting/rounds",
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"organisation_id": w.org.pk, "title": "Autumn ideas"},
        ok_status=201,
    ),
    ApiRoute(
        "/budgeting/rounds/{round_id}/advance",
        lambda w: f"/api/v1/budgeting/rounds/{_proposals_open(w).round.pk}/advance",
        allowed=MANAGERS_UP,
        method="post",
    ),
    ApiRoute(
        "/budgeting/rounds/{round_id}/budgets",
        lambda w: f"/api/v1/budgeting/rounds/{_proposals_open(w).round.pk}/budgets",
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"name": "City-wide", "amount_pence": 50_000},
        ok_status=201,
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/proposals",
        lambda w: f"/api/v1/budgeting/budgets/{_proposals_open(w).budget.pk}/proposals",
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/proposals",
        lambda w: f"/api/v1/budgeting/budgets/{_proposals_open(w).budget.pk}/proposals",
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"title": "Benches", "description": "Two benches", "cost_pence": 9_000},
        ok_status=201,
    ),
    ApiRoute(
        "/budgeting/proposals/{proposal_id}/review",
        lambda w: f"/api/v1/budgeting/proposals/{_proposals_open(w).proposals[0].pk}/review",
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"accept": True},
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/ballot",
        lambda w: f"/api/v1/budgeting/budgets/{_voted(w).budget.pk}/ballot",
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/ballot",
        lambda w: f"/api/v1/budgeting/budgets/{_voting(w).budget.pk}/ballot",
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"choices": {str(_voting(w).proposals[1].pk): 1}},
        ok_status=201,
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/ballot/change",
        lambda w: f"/api/v1/budgeting/budgets/{_voted(w).budget.pk}/ballot/change",
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"choices": {str(_voted(w).proposals[1].pk): 1}},
    ),
    ApiRoute(
        "/budgeting/budgets/{budget_id}/result",
        lambda w: f"/api/v1/budgeting/budgets/{_counted(w).budget.pk}/result",
    ),
]
