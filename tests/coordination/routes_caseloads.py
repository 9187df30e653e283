"""Coordination's home, caseloads, settings and access log, for the permission matrix."""

from __future__ import annotations

from tests.matrix import ALL_ROLES, COORDINATORS_UP, MANAGERS_UP, ApiRoute, Route


def _org(world: object) -> dict[str, int]:
    return {"organisation_id": world.org.pk}  # type: ignore[attr-defined]


ROUTES: list[Route] = [
    Route("coordination:home", allowed=ALL_ROLES, any_signed_in=True),
    Route("coordination:caseload", kwargs=_org, allowed=COORDINATORS_UP),
    Route("coordination:caseload_overview", kwargs=_org, allowed=MANAGERS_UP),
    Route("coordination:settings", kwargs=_org, allowed=MANAGERS_UP),
    Route("coordination:access_log", kwargs=_org, allowed=MANAGERS_UP),
]
API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/coordination/organisations/{organisation_id}/caseload",
        lambda w: f"/api/v1/coordination/organisations/{w.org.pk}/caseload",
        allowed=COORDINATORS_UP,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/caseloads",
        lambda w: f"/api/v1/coordination/organisations/{w.org.pk}/caseloads",
        allowed=MANAGERS_UP,
    ),
]
