"""Every directory page and API operation, for the permission matrix (tests/matrix.py)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from coproduce.directory import openreferral, services
from coproduce.directory.models import Asset, Resource
from coproduce.directory.schedules import ScheduleSpec
from tests.matrix import ALL_ROLES, COORDINATORS_UP, MEMBERS_UP, STAFF_UP, ApiRoute, Route

_counter = itertools.count(1)


def _asset(world: Any, **overrides: Any) -> Asset:
    from tests.directory.conftest import build_asset

    return build_asset(world, name=f"Matrix hall {next(_counter)}", **overrides)


def _asset_pk(world: Any) -> dict[str, Any]:
    return {"pk": _asset(world).pk}


def _resource(world: Any, *, public: bool = True) -> Resource:
    return services.resource_create(
        viewer=world.viewer("staff"),
        asset=_asset(world, is_public=public),
        name="Minibus",
        kind="vehicle",
        available_from=time(0),
        available_until=time(23, 59),
    )


def _slot() -> tuple[datetime, datetime]:
    """A fresh future hour each call, so repeated requests never clash."""
    n = next(_counter)
    start = timezone.make_aware(
        datetime.combine(date.today() + timedelta(days=30 + n % 300), time(1 + n % 20))
    )
    return start, start + timedelta(minutes=30)


def _booking(world: Any) -> int:
    start, end = _slot()
    return services.booking_request(
        viewer=world.viewer("member"),
        resource=_resource(world),
        starts_at=start,
        ends_at=end,
        purpose="Matrix",
    ).pk


def _session(world: Any) -> int:
    return services.mapping_session_create(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        title="Walkabout",
        held_on=date(2026, 5, 1),
    ).pk


def _pending(world: Any) -> int:
    session = services.mapping_session_create(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        title="Sheet",
        held_on=date(2026, 5, 1),
    )
    return services.mapping_import_stage(
        viewer=world.viewer("coordinator"),
        session=session,
        filename="assets.csv",
        content=b"name,postcode\nCafe,LS6 2AB\n",
    ).pk


def _schedule(world: Any) -> dict[str, Any]:
    asset = _asset(world)
    spec = ScheduleSpec(freq="WEEKLY", interval=1, byday="MO", opens_at=time(9), closes_at=time(10))
    return {"pk": services.schedule_add(viewer=world.viewer("staff"), asset=asset, spec=spec).pk}


def _merge(world: Any) -> dict[str, Any]:
    return {"keep": _asset(world).pk, "duplicate": _asset(world).pk}


def _slug(world: Any) -> dict[str, Any]:
    return {"slug": world.org.slug}


def _term(world: Any) -> Any:
    return services.taxonomy_term_create(name="Gardening", taxonomy_name="Activities")


def _booking_data(world: Any) -> dict[str, Any]:
    start, end = _slot()
    return {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "purpose": "Outing"}


ROUTES: list[Route] = [
    Route("directory:asset_list", public=True),
    Route("directory:export", public=True),
    Route("directory:asset_detail", _asset_pk, public=True),
    Route("directory:asset_edit", _asset_pk, allowed=STAFF_UP),
    Route("directory:asset_check", _asset_pk, allowed=STAFF_UP, method="post", ok_status=302),
    Route("directory:schedule_add", _asset_pk, allowed=STAFF_UP),
    Route("directory:schedule_remove", _schedule, allowed=STAFF_UP),
    Route("directory:resource_create", _asset_pk, allowed=STAFF_UP),
    Route("directory:asset_create", _slug, allowed=STAFF_UP),
    Route("directory:mapping_session_list", _slug, allowed=COORDINATORS_UP),
    Route("directory:mapping_session_create", _slug, allowed=COORDINATORS_UP),
    Route("directory:duplicate_list", _slug, allowed=COORDINATORS_UP),
    Route(
        "directory:mapping_session_detail",
        lambda w: {"pk": _session(w)},
        allowed=COORDINATORS_UP,
    ),
    Route("directory:mapping_import", lambda w: {"pk": _session(w)}, allowed=COORDINATORS_UP),
    Route(
        "directory:mapping_import_preview",
        lambda w: {"pk": _pending(w)},
        allowed=COORDINATORS_UP,
    ),
    Route("directory:asset_merge", _merge, allowed=COORDINATORS_UP),
    Route("directory:stale_list", any_signed_in=True),
    Route("directory:gift_list", any_signed_in=True),
    Route("directory:booking_list", any_signed_in=True),
    Route("directory:resource_detail", lambda w: {"pk": _resource(w).pk}, public=True),
    # A members-only resource, so the outsider cannot see it (public ones they may book).
    Route(
        "directory:booking_create",
        lambda w: {"pk": _resource(w, public=False).pk},
        allowed=MEMBERS_UP,
    ),
    Route("directory:booking_decide", lambda w: {"pk": _booking(w)}, allowed=STAFF_UP),
    Route(
        "directory:booking_cancel",
        skip_reason="the requester or the owner's staff; tested in test_views",
    ),
    Route("openreferral:index", public=True),
    Route("openreferral:services", public=True),
    Route("openreferral:service_detail", lambda w: {"pk": str(_asset(w).pk)}, public=True),
    Route("openreferral:service_at_locations", public=True),
    Route(
        "openreferral:service_at_location_detail",
        lambda w: {"pk": openreferral.nested_id(_asset(w).pk, "service_at_location")},
        public=True,
    ),
    Route("openreferral:taxonomies", public=True),
    Route(
        "openreferral:taxonomy_detail",
        lambda w: {"pk": _term(w).taxonomy.pk},
        public=True,
    ),
    Route("openreferral:taxonomy_terms", public=True),
    Route("openreferral:taxonomy_term_detail", lambda w: {"pk": _term(w).pk}, public=True),
]

API_ROUTES: list[ApiRoute] = [
    ApiRoute("/directory/assets", lambda w: "/api/v1/directory/assets", any_signed_in=True),
    ApiRoute(
        "/directory/assets/{asset_id}",
        lambda w: f"/api/v1/directory/assets/{_asset(w).pk}",
        any_signed_in=True,  # world.org is public, so its assets are too
    ),
    ApiRoute(
        "/directory/organisations/{organisation_id}/assets",
        lambda w: f"/api/v1/directory/organisations/{w.org.pk}/assets",
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"name": f"API hall {next(_counter)}", "category": "physical_space"},
        ok_status=201,
    ),
    ApiRoute(
        "/directory/assets/{asset_id}/check",
        lambda w: f"/api/v1/directory/assets/{_asset(w).pk}/check",
        allowed=STAFF_UP,
        method="post",
    ),
    ApiRoute(
        "/directory/resources/{resource_id}",
        lambda w: f"/api/v1/directory/resources/{_resource(w).pk}",
        any_signed_in=True,
    ),
    ApiRoute(
        "/directory/resources/{resource_id}/bookings",
        lambda w: f"/api/v1/directory/resources/{_resource(w, public=False).pk}/bookings",
        allowed=MEMBERS_UP,
        method="post",
        data=_booking_data,
        ok_status=201,
    ),
    ApiRoute("/directory/bookings", lambda w: "/api/v1/directory/bookings", any_signed_in=True),
    ApiRoute(
        "/directory/bookings/{booking_id}/decision",
        lambda w: f"/api/v1/directory/bookings/{_booking(w)}/decision",
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"approve": True},
    ),
]

__all__ = ["ALL_ROLES", "API_ROUTES", "ROUTES"]
