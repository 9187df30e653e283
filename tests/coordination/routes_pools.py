"""Pooled personal budgets, for the permission matrix. Coordinators and managers see every
pool; a budget holder sees open pools and their own (the matrix's member, staff and
commissioner hold no budget, so the pool's pages refuse them); the lists and "your budget"
answer anyone who takes part."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.coordination.factories import member
from tests.coordination.factories_pools import budget_holder, pool_of, pooled
from tests.matrix import COORDINATORS_UP, MEMBERS_UP, ApiRoute, Route


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _pool(world: Any) -> dict[str, int]:
    return {"pool_id": pooled(world)[0].pk}


ROUTES: list[Route] = [
    Route("coordination:pool_list", kwargs=_org, allowed=MEMBERS_UP),
    Route("coordination:pool_create", kwargs=_org, allowed=COORDINATORS_UP),
    Route("coordination:pool_detail", kwargs=_pool, allowed=COORDINATORS_UP),
    Route("coordination:pool_contribute", kwargs=_pool, allowed=COORDINATORS_UP),
    Route("coordination:pool_spend", kwargs=_pool, allowed=COORDINATORS_UP),
    Route("coordination:pool_close", kwargs=_pool, allowed=COORDINATORS_UP),
    Route("coordination:budget_list", kwargs=_org, allowed=MEMBERS_UP),
    Route("coordination:budget_allocate", kwargs=_org, allowed=COORDINATORS_UP),
]


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


_counter = {"n": 0}


def _new_pool(world: Any) -> dict[str, Any]:
    _counter["n"] += 1
    return {"name": f"Matrix pool {_counter['n']}", "purpose": "Cooking together"}


def _contribution(world: Any) -> dict[str, Any]:
    return {"amount_pence": 1_000, "number": budget_holder(world).number, "agreed": True}


def _spend(world: Any) -> dict[str, Any]:
    return {
        "amount_pence": 1_000,
        "description": "Seeds",
        "spent_on": timezone.localdate().isoformat(),
    }


def _allocation(world: Any) -> dict[str, Any]:
    return {"number": member(world).number, "amount_pence": 50_000}


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/coordination/organisations/{organisation_id}/pools",
        lambda w: _p(f"/organisations/{w.org.pk}/pools"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/pools",
        lambda w: _p(f"/organisations/{w.org.pk}/pools"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_new_pool,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/pools/{pool_id}",
        lambda w: _p(f"/pools/{pool_of(w).pk}"),
        allowed=COORDINATORS_UP,
    ),
    ApiRoute(
        "/coordination/pools/{pool_id}/spends",
        lambda w: _p(f"/pools/{pooled(w)[0].pk}/spends"),
        allowed=COORDINATORS_UP,
    ),
    ApiRoute(
        "/coordination/pools/{pool_id}/contributions",
        lambda w: _p(f"/pools/{pool_of(w).pk}/contributions"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_contribution,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/pools/{pool_id}/spends",
        lambda w: _p(f"/pools/{pooled(w)[0].pk}/spends"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_spend,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/pools/{pool_id}/close",
        lambda w: _p(f"/pools/{pooled(w)[0].pk}/close"),
        allowed=COORDINATORS_UP,
        method="post",
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/budgets",
        lambda w: _p(f"/organisations/{w.org.pk}/budgets"),
        allowed=COORDINATORS_UP,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/budgets/mine",
        lambda w: _p(f"/organisations/{w.org.pk}/budgets/mine"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/budgets",
        lambda w: _p(f"/organisations/{w.org.pk}/budgets"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_allocation,
        ok_status=201,
    ),
]
