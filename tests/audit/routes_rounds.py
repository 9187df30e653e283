"""Audit rounds, for the permission matrix. Everyone active in the organisation sees the
audits home and a round's page; managers open, invite, make links and close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.audit.factories import round_for
from tests.matrix import ALL_ROLES, MANAGERS_UP, ApiRoute, Route


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _round(world: Any) -> dict[str, int]:
    return {"round_id": round_for(world).pk}


def _new_round(world: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "service": "Day service",
        "title": "Autumn audit",
        "opens_on": str(today),
        "closes_on": str(today + timedelta(days=28)),
        "threshold": 5,
    }


ROUTES: list[Route] = [
    Route("audit:home", any_signed_in=True),
    Route("audit:round_open", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "audit:round_open",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=_new_round,
        ok_status=302,
    ),
    Route("audit:round_detail", kwargs=_round, allowed=ALL_ROLES),
    Route("audit:round_close", kwargs=_round, allowed=MANAGERS_UP),
    Route(
        "audit:round_close",
        kwargs=_round,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {},
        ok_status=302,
    ),
    Route("audit:round_invite", kwargs=_round, allowed=MANAGERS_UP),
    Route(
        "audit:round_invite",
        kwargs=_round,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"people": [w.people["member"].pk]},
        ok_status=302,
    ),
    Route("audit:round_links", kwargs=_round, allowed=MANAGERS_UP),
    Route(
        "audit:round_links",
        kwargs=_round,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"group": "member", "count": 3},
    ),
    Route("audit:csv_upload", kwargs=_round, allowed=MANAGERS_UP),
    Route(
        "audit:csv_upload",
        kwargs=_round,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"text": "respondent,group,item,answer\nP1,member,ASSETS1,4\n"},
        ok_status=302,
    ),
]


def _p(path: str) -> str:
    return f"/api/v1/audit{path}"


def _new_round_json(world: Any) -> dict[str, Any]:
    return {**_new_round(world), "threshold": 5}


API_ROUTES: list[ApiRoute] = [
    ApiRoute("/audit/rounds", lambda w: _p("/rounds"), any_signed_in=True),
    ApiRoute(
        "/audit/rounds/{round_id}",
        lambda w: _p(f"/rounds/{round_for(w).pk}"),
        allowed=ALL_ROLES,
    ),
    ApiRoute(
        "/audit/organisations/{organisation_id}/rounds",
        lambda w: _p(f"/organisations/{w.org.pk}/rounds"),
        allowed=MANAGERS_UP,
        method="post",
        data=_new_round_json,
        ok_status=201,
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/close",
        lambda w: _p(f"/rounds/{round_for(w).pk}/close"),
        allowed=MANAGERS_UP,
        method="post",
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/invitations",
        lambda w: _p(f"/rounds/{round_for(w).pk}/invitations"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"person_ids": [w.people["member"].pk]},
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/links",
        lambda w: _p(f"/rounds/{round_for(w).pk}/links"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"group": "member", "count": 2},
        ok_status=201,
    ),
]
