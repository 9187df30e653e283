"""Audit results, for the permission matrix: a closed round, so everyone active in the
organisation (the commissioner too) sees its results."""

from __future__ import annotations

from typing import Any

from tests.audit.factories import closed_round_with_answers
from tests.matrix import ALL_ROLES, ApiRoute, Route

_ROW = {"ASSETS1": 4, "ASSETS2": 3}


def _round_id(world: Any) -> int:
    return closed_round_with_answers(world, [_ROW] * 5, [_ROW] * 5).pk


def _kwargs(world: Any) -> dict[str, int]:
    return {"round_id": _round_id(world)}


ROUTES: list[Route] = [
    Route("audit:results", kwargs=_kwargs, allowed=ALL_ROLES),
    Route("audit:results_pdf", kwargs=_kwargs, allowed=ALL_ROLES),
    Route("audit:results_csv", kwargs=_kwargs, allowed=ALL_ROLES),
]

API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/audit/rounds/{round_id}/results",
        lambda w: f"/api/v1/audit/rounds/{_round_id(w)}/results",
        allowed=ALL_ROLES,
    ),
]
