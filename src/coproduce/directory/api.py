"""The directory's JSON API: the same selectors and services as the pages."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, time
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.auth import viewer
from coproduce.api.pagination import Pagination
from coproduce.people import selectors as people_selectors

from . import selectors, services
from .models import Asset, Booking

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
    distance_km: float | None = None
    stale: bool = False


class AssetPageOut(Schema):
    items: list[AssetOut]
    count: int
    page: int
    pages: int


class AssetIn(Schema):
    name: str = Field(..., max_length=200)
    category: str
    description: str = ""
    postcode: str = ""
    address: str = ""
    town: str = ""
    latitude: float | None = None
    longitude: float | None = None
    cost_pence: int = Field(0, ge=0)
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility: str = ""
    accessibility: str = ""
    features: list[str] = []
    languages: list[str] = []
    is_public: bool = True


class BookingIn(Schema):
    starts_at: datetime
    ends_at: datetime
    purpose: str = Field(..., max_length=200)
    bank_id: int | None = Field(None, description="Time bank paying, for a priced resource")


class DecisionIn(Schema):
    approve: bool
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
    available_from: time
    available_until: time
    credit_minutes: int


def _asset_out(asset: Asset, distance: float | None = None) -> dict[str, Any]:
    data = {name: getattr(asset, name) for name in AssetOut.model_fields if hasattr(asset, name)}
    data["id"] = asset.pk
    data["distance_km"] = distance
    data["stale"] = selectors.is_stale(asset)
    return data


@router.get("/assets", response=AssetPageOut, summary="Find assets")
def asset_list(
    request: HttpRequest,
    q: str = "",
    category: str = "",
    area_id: int | None = None,
    day: str = "",
    at: time | None = None,
    age: int | None = None,
    free: bool = False,
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    within_km: float = 2.0,
    page: int = Query(1, ge=1),
    page_size: int = Query(25, ge=1, le=100),
) -> dict[str, Any]:
    near = None
    if postcode or latitude is not None or longitude is not None:
        near = selectors.near_point(postcode=postcode, latitude=latitude, longitude=longitude)
    filters = selectors.AssetFilters(
        text=q,
        category=category,
        area_id=area_id,
        open_day=day.upper(),
        open_at=at,
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


@router.get("/assets/{asset_id}", response=AssetOut)
def asset_detail(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    return _asset_out(selectors.asset_get(viewer=viewer(request), asset_id=asset_id))


@router.post("/organisations/{organisation_id}/assets", response={201: AssetOut})
def asset_create(request: HttpRequest, organisation_id: int, payload: AssetIn) -> Any:
    organisation = people_selectors.organisation_get(
        viewer=viewer(request), organisation_id=organisation_id
    )
    asset = services.asset_create(
        viewer=viewer(request),
        organisation=organisation,
        data=services.AssetData(**payload.dict()),
    )
    return Status(201, _asset_out(asset))


@router.post("/assets/{asset_id}/check", response=AssetOut, summary="Mark as checked today")
def asset_check(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    asset = selectors.asset_for_edit(viewer=viewer(request), asset_id=asset_id)
    return _asset_out(services.asset_check(viewer=viewer(request), asset=asset))


@router.get("/resources/{resource_id}", response=ResourceOut)
def resource_detail(request: HttpRequest, resource_id: int) -> Any:
    return selectors.resource_get(viewer=viewer(request), resource_id=resource_id)


@router.post("/resources/{resource_id}/bookings", response={201: BookingOut})
def booking_create(request: HttpRequest, resource_id: int, payload: BookingIn) -> Any:
    resource = selectors.resource_get(viewer=viewer(request), resource_id=resource_id)
    booking = services.booking_request(
        viewer=viewer(request),
        resource=resource,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        purpose=payload.purpose,
    )
    return Status(201, booking)


@router.get("/bookings", response=list[BookingOut], summary="My bookings")
@paginate(Pagination)
def booking_list(request: HttpRequest) -> Any:
    return selectors.booking_list_mine(viewer=viewer(request))


@router.post("/bookings/{booking_id}/decision", response=BookingOut)
def booking_decide(request: HttpRequest, booking_id: int, payload: DecisionIn) -> Booking:
    booking = selectors.booking_get(viewer=viewer(request), booking_id=booking_id)
    return services.booking_decide(
        viewer=viewer(request), booking=booking, approve=payload.approve, reason=payload.reason
    )
