"""Audit instruments, for the permission matrix. Everyone active in the organisation (the
commissioner too) reads its instruments; managers copy the default and save new versions."""

from __future__ import annotations

from typing import Any

from coproduce.audit import instruments as documents
from coproduce.audit.services import instruments as services
from tests.matrix import ALL_ROLES, MANAGERS_UP, ApiRoute, Route


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _copy_id(world: Any) -> int:
    return services.instrument_copy_default(
        viewer=world.viewer("admin"), organisation_id=world.org.pk
    ).pk


def _instrument(world: Any) -> dict[str, int]:
    return {"instrument_id": _copy_id(world)}


def _text(world: Any) -> dict[str, str]:
    return {"text": documents.instrument_text(documents.instrument_default())}


ROUTES: list[Route] = [
    Route("audit:instruments", kwargs=_org, allowed=ALL_ROLES),
    Route("audit:instrument_detail", kwargs=_instrument, allowed=ALL_ROLES),
    Route("audit:instrument_edit", kwargs=_instrument, allowed=MANAGERS_UP),
    Route(
        "audit:instrument_edit",
        kwargs=_instrument,
        allowed=MANAGERS_UP,
        method="post",
        data=_text,
        ok_status=302,
    ),
    Route("audit:instrument_copy", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "audit:instrument_copy",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {},
        ok_status=302,
    ),
]


def _p(path: str) -> str:
    return f"/api/v1/audit{path}"


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/audit/organisations/{organisation_id}/instruments",
        lambda w: _p(f"/organisations/{w.org.pk}/instruments"),
        allowed=ALL_ROLES,
    ),
    ApiRoute(
        "/audit/instruments/{instrument_id}",
        lambda w: _p(f"/instruments/{_copy_id(w)}"),
        allowed=ALL_ROLES,
    ),
    ApiRoute(
        "/audit/instruments/{instrument_id}/versions",
        lambda w: _p(f"/instruments/{_copy_id(w)}/versions"),
        allowed=MANAGERS_UP,
        method="post",
        data=_text,
        ok_status=201,
    ),
    ApiRoute(
        "/audit/organisations/{organisation_id}/instruments/copy-default",
        lambda w: _p(f"/organisations/{w.org.pk}/instruments/copy-default"),
        allowed=MANAGERS_UP,
        method="post",
    ),
]
