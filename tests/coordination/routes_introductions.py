"""Introductions, for the permission matrix. An introduction belongs to a plan (special
category): the coordinator who holds it and the service's managers — and the two people
being introduced, who are not matrix roles — may open it; the list shows each signed-in
person their own."""

from __future__ import annotations

from typing import Any

from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import agreed, findable, to_group
from tests.matrix import COORDINATORS_UP, ApiRoute, Route

HOLDERS = frozenset({"coordinator", "manager", "admin"})


def _plan(world: Any) -> dict[str, int]:
    return {"plan_id": plan_for(world).pk}


def _introduction(world: Any) -> dict[str, int]:
    return {"introduction_id": to_group(world).pk}


def _agreed(world: Any) -> dict[str, int]:
    return {"introduction_id": agreed(world).pk}


ROUTES: list[Route] = [
    Route("coordination:introduction_create", kwargs=_plan, allowed=HOLDERS),
    Route("coordination:introduction_list", any_signed_in=True),
    Route("coordination:introduction_detail", kwargs=_introduction, allowed=HOLDERS),
    Route("coordination:introduction_agree", kwargs=_introduction, allowed=HOLDERS),
    Route("coordination:introduction_decline", kwargs=_introduction, allowed=HOLDERS),
    Route("coordination:introduction_status", kwargs=_agreed, allowed=HOLDERS),
    Route("coordination:introduction_follow_up", kwargs=_introduction, allowed=HOLDERS),
]


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


def _person_target(world: Any) -> dict[str, Any]:
    return {"target_kind": "person", "membership_id": findable(world).pk, "note": "Both garden"}


def _in_a_week(world: Any) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    return {"follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat()}


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/coordination/introductions",
        lambda w: _p("/introductions"),
        any_signed_in=True,
    ),
    ApiRoute(
        "/coordination/plans/{plan_id}/introductions",
        lambda w: _p(f"/plans/{plan_for(w).pk}/introductions"),
        allowed=HOLDERS,
        method="post",
        data=_person_target,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/introductions/{introduction_id}",
        lambda w: _p(f"/introductions/{to_group(w).pk}"),
        allowed=HOLDERS,
    ),
    ApiRoute(
        "/coordination/introductions/{introduction_id}/agree",
        lambda w: _p(f"/introductions/{to_group(w).pk}/agree"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"in_person": True},
    ),
    ApiRoute(
        "/coordination/introductions/{introduction_id}/decline",
        lambda w: _p(f"/introductions/{to_group(w).pk}/decline"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"in_person": True, "reason": "Not for now"},
    ),
    ApiRoute(
        "/coordination/introductions/{introduction_id}/status",
        lambda w: _p(f"/introductions/{agreed(w).pk}/status"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"status": "didnt_work_out", "reason": "The times did not suit"},
    ),
    ApiRoute(
        "/coordination/introductions/{introduction_id}/follow-up",
        lambda w: _p(f"/introductions/{to_group(w).pk}/follow-up"),
        allowed=HOLDERS,
        method="post",
        data=_in_a_week,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/introductions/follow-ups",
        lambda w: _p(f"/organisations/{w.org.pk}/introductions/follow-ups"),
        allowed=COORDINATORS_UP,
    ),
]
