"""The directory's JSON API: the same selectors and services as the pages."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, time
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from coproduce.framework.api_bounds import (
    MAX_AGE,
    MAX_PAGE,
    Age,
    BodyId,
    Flag,
    Id,
    Latitude,
    Longitude,
    Pence,
)
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people import selectors as people_selectors
from coproduce.people.permissions import viewer_of as viewer

from . import selectors, services
from .models import LONG_TEXT, MEDIUM_TEXT, Asset, Booking

# A wall-clock time at the asset (Europe/London, or the site's TIME_ZONE) with no offset:
# RFC 3339's "partial-time". Declared as such, since JSON Schema's ``format: time`` demands an
# offset, which a daily opening time does not have (it is +00:00 in winter, +01:00 in summer).
LocalTime = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M:%S"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "partial-time",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "Local time at the asset, HH:MM:SS.",
        }
    ),
]

router = Router(tags=["directory"])


class AssetOut(Schema):
    id: uuid.UUID
    name: str
    category: str
    description: str
    status: str
    organisation_id: int
    address: str
    town: str
    postcode: str
    latitude: float | None
    longitude: float | None
    cost_pence: int
    minimum_age: int | None
    maximum_age: int | None
    languages: str
    last_checked_at: datetime | None
    needs_location: bool = Field(
        False, description="Imported with an address that could not be placed on the map."
    )
    distance_km: float | None = None
    stale: bool = False


class AssetPageOut(Schema):
    items: list[AssetOut]
    count: int
    page: int
    pages: int


class AssetIn(Schema):
    name: str = Field(..., max_length=200)
    category: str = Field(..., max_length=20)
    description: str = Field("", max_length=LONG_TEXT)
    postcode: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    town: str = Field("", max_length=100)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    cost_pence: Pence = 0
    minimum_age: Age | None = None
    maximum_age: Age | None = None
    eligibility: str = Field("", max_length=MEDIUM_TEXT)
    accessibility: str = Field("", max_length=MEDIUM_TEXT)
    features: list[Annotated[str, Field(max_length=20)]] = Field([], max_length=10)
    languages: list[Annotated[str, Field(max_length=10)]] = Field([], max_length=20)
    is_public: Flag = True


class BookingIn(Schema):
    starts_at: datetime
    ends_at: datetime
    purpose: str = Field(..., max_length=200)
    bank_id: BodyId | None = Field(None, description="Time bank paying, for a priced resource")


class BookingDecisionIn(Schema):
    approve: Flag
    reason: str = Field("", max_length=2000)


class BookingOut(Schema):
    id: int
    resource_id: int
    starts_at: datetime
    ends_at: datetime
    purpose: str
    status: str
    decline_reason: str
    credit_minutes: int
    bank_id: int | None
    payment_transfer_id: int | None


class ResourceOut(Schema):
    id: int
    asset_id: uuid.UUID
    name: str
    kind: str
    description: str
    capacity: int | None
    available_days: str
    available_from: LocalTime
    available_until: LocalTime
    credit_minutes: int


AT_QUERY = Query(
    None,
    description="Open at this local time (09:30); a time with an offset (09:30+01:00, 08:30Z) "
    "is taken as that moment today, in local time.",
)


def _local(at: time | None) -> time | None:
    """A time of day with an offset as the local wall-clock time it is today; the schedules
    hold local times, and SQLite cannot compare an aware time at all."""
    if at is None or at.tzinfo is None:
        return at
    moment = datetime.combine(timezone.localdate(), at)
    return timezone.localtime(moment).time()


def _asset_out(asset: Asset, distance: float | None = None) -> dict[str, Any]:
    data = {name: getattr(asset, name) for name in AssetOut.model_fields if hasattr(asset, name)}
    data["id"] = asset.pk
    data["distance_km"] = distance
    data["stale"] = selectors.is_stale(asset)
    return data


@router.get("/assets", response=responses(AssetPageOut), summary="Find assets")
def asset_list(
    request: HttpRequest,
    q: str = Query("", max_length=200),
    category: str = Query("", max_length=20),
    area_id: Id | None = None,
    day: str = Query("", max_length=2),
    at: time | None = AT_QUERY,
    age: int | None = Query(None, ge=0, le=MAX_AGE),
    free: bool = False,
    postcode: str = Query("", max_length=20),
    latitude: float | None = Query(None, ge=-90, le=90, allow_inf_nan=False),
    longitude: float | None = Query(None, ge=-180, le=180, allow_inf_nan=False),
    within_km: float = Query(2.0, gt=0, le=1000, allow_inf_nan=False),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(25, ge=1, le=100),
) -> dict[str, Any]:
    near = None
    if postcode or latitude is not None or longitude is not None:
        near = selectors.near_point(
            viewer=viewer(request), postcode=postcode, latitude=latitude, longitude=longitude
        )
    filters = selectors.AssetFilters(
        text=q,
        category=category,
        area_id=area_id,
        open_day=day.upper(),
        open_at=_local(at),
        age=age,
        free=free,
        near=near,
        within_km=within_km,
    )
    found = selectors.asset_find(
        viewer=viewer(request), filters=filters, page=page, per_page=page_size
    )
    return {
        "items": [_asset_out(hit.asset, hit.distance_km) for hit in found.hits],
        "count": found.total_items,
        "page": page,
        "pages": max(1, math.ceil(found.total_items / page_size)),
    }


@router.get("/assets/{asset_id}", response=responses(AssetOut))
def asset_detail(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    return _asset_out(selectors.asset_get(viewer=viewer(request), asset_id=asset_id))


@router.post("/organisations/{organisation_id}/assets", response=responses(AssetOut, 201))
def asset_create(request: HttpRequest, organisation_id: Id, payload: AssetIn) -> Any:
    organisation = people_selectors.organisation_get(
        viewer=viewer(request), organisation_id=organisation_id
    )
    asset = services.asset_create(
        viewer=viewer(request),
        organisation=organisation,
        data=services.AssetData(**payload.dict()),
    )
    return Status(201, _asset_out(asset))


@router.post(
    "/assets/{asset_id}/check", response=responses(AssetOut), summary="Mark as checked today"
)
def asset_check(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    asset = selectors.asset_for_edit(viewer=viewer(request), asset_id=asset_id)
    return _asset_out(services.asset_check(viewer=viewer(request), asset=asset))


@router.get("/resources/{resource_id}", response=responses(ResourceOut))
def resource_detail(request: HttpRequest, resource_id: Id) -> Any:
    return selectors.resource_get(viewer=viewer(request), resource_id=resource_id)


@router.post("/resources/{resource_id}/bookings", response=responses(BookingOut, 201))
def booking_create(request: HttpRequest, resource_id: Id, payload: BookingIn) -> Any:
    resource = selectors.resource_get(viewer=viewer(request), resource_id=resource_id)
    booking = services.booking_request(
        viewer=viewer(request),
        resource=resource,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        purpose=payload.purpose,
    )
    return Status(201, booking)


@router.get("/bookings", response=responses(list[BookingOut]), summary="My bookings")
@paginate(Pagination)
def booking_list(request: HttpRequest) -> Any:
    return selectors.booking_list_mine(viewer=viewer(request))


@router.post("/bookings/{booking_id}/decision", response=responses(BookingOut))
def booking_decide(request: HttpRequest, booking_id: Id, payload: BookingDecisionIn) -> Booking:
    booking = selectors.booking_get(viewer=viewer(request), booking_id=booking_id)
    return services.booking_decide(
        viewer=viewer(request), booking=booking, approve=payload.approve, reason=payload.reason
    )
