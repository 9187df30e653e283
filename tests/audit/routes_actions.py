"""The action plan and barriers, for the permission matrix. Everyone active in the organisation
reads the plan and the barriers (a commissioner without the owners' names); managers add
actions and update any action (an owner may update their own: tests/audit/test_actions_*);
staff and up record barriers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.audit.services.actions import action_add
from tests.audit.factories import round_for
from tests.matrix import ALL_ROLES, MANAGERS_UP, STAFF_UP, ApiRoute, Route


def _round(world: Any) -> dict[str, int]:
    return {"round_id": round_for(world).pk}


def _action(world: Any) -> dict[str, int]:
    round_ = round_for(world)
    action = action_add(
        viewer=world.viewer("manager"),
        round_id=round_.pk,
        title="Members run the Friday kitchen",
        due_on=timezone.localdate() + timedelta(days=30),
    )
    return {"action_id": action.pk}


def _new_action(world: Any) -> dict[str, str]:
    return {
        "title": "Members sit on interview panels",
        "due_on": str(timezone.localdate() + timedelta(days=60)),
    }


ROUTES: list[Route] = [
    Route("audit:actions", kwargs=_round, allowed=ALL_ROLES),
    Route(
        "audit:actions",
        kwargs=_round,
        allowed=MANAGERS_UP,
        method="post",
        data=_new_action,
        ok_status=302,
    ),
    Route("audit:action_update", kwargs=_action, allowed=MANAGERS_UP),
    Route(
        "audit:action_update",
        kwargs=_action,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"status": "doing", "progress_note": "Started."},
        ok_status=302,
    ),
    Route("audit:barriers", kwargs=_round, allowed=ALL_ROLES),
    Route(
        "audit:barriers",
        kwargs=_round,
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"description": "Monitoring counts only paid staff's sessions."},
        ok_status=302,
    ),
]


def _p(path: str) -> str:
    return f"/api/v1/audit{path}"


def _round_path(tail: str) -> Any:
    return lambda w: _p(f"/rounds/{round_for(w).pk}/{tail}")


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/audit/rounds/{round_id}/weakest-items", _round_path("weakest-items"), allowed=ALL_ROLES
    ),
    ApiRoute("/audit/rounds/{round_id}/actions", _round_path("actions"), allowed=ALL_ROLES),
    ApiRoute(
        "/audit/rounds/{round_id}/actions",
        _round_path("actions"),
        allowed=MANAGERS_UP,
        method="post",
        data=_new_action,
        ok_status=201,
    ),
    ApiRoute(
        "/audit/actions/{action_id}",
        lambda w: _p(f"/actions/{_action(w)['action_id']}"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"status": "doing", "progress_note": "Started."},
    ),
    ApiRoute("/audit/rounds/{round_id}/barriers", _round_path("barriers"), allowed=ALL_ROLES),
    ApiRoute(
        "/audit/rounds/{round_id}/barriers",
        _round_path("barriers"),
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"description": "Monitoring counts only paid staff's sessions."},
        ok_status=201,
    ),
]
