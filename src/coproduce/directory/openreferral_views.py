"""The Open Referral UK 3.0 read API (mounted at /openreferral/): public, paged as the
standard defines (total_items, total_pages, page_number, size, first_page, last_page, empty,
contents), with its search, taxonomy, age, time, day, postcode and proximity parameters."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from coproduce.errors import CoproduceError, InvalidInput, NotFound
from coproduce.people.permissions import viewer_of

from . import openreferral, selectors
from .models import Asset, Taxonomy, TaxonomyTerm
from .schedules import DAY_NAMES, parse_time

MAX_PER_PAGE = 200


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    # The standard requires open CORS so browser apps anywhere can read the feed.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _errors(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            return _json({"error": {"code": error.code, "message": error.message}}, 404)
        except CoproduceError as error:
            field = getattr(error, "field", None)
            return _json(
                {"error": {"code": error.code, "message": error.message, "field": field}},
                error.status,
            )

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# Beyond any page, age or distance asked for, and far inside a 64-bit offset.
MAX_NUMBER = 1_000_000_000


def _int(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(float(raw))
    except (ValueError, OverflowError) as error:  # "abc", "nan"; "1e400" is infinite
        raise InvalidInput(name, f"“{raw}” is not a number.") from error
    if abs(value) > MAX_NUMBER:
        raise InvalidInput(name, f"“{raw}” is too large: at most {MAX_NUMBER:,}.")
    return value


def _paging(request: HttpRequest) -> tuple[int, int]:
    page = _int(request, "page", 1) or 1
    per_page = _int(request, "per_page", 50) or 50
    if page < 1:
        raise InvalidInput("page", "The page number must be 1 or more.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("per_page", f"per_page must be between 1 and {MAX_PER_PAGE}.")
    return page, per_page


def _page(total: int, page: int, per_page: int, contents: list[Any]) -> dict[str, Any]:
    total_pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _time_param(request: HttpRequest, name: str) -> time | None:
    raw = request.GET.get(name, "")
    return parse_time(raw, field=name) if raw else None


def _uuid_param(request: HttpRequest, name: str) -> uuid.UUID | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as error:
        raise InvalidInput(name, f"“{raw}” is not a UUID.") from error


def _day_param(request: HttpRequest) -> str:
    raw = request.GET.get("day", "").strip()
    if not raw:
        return ""
    for code, name in DAY_NAMES.items():
        if raw.upper() == code or raw.lower() == name.lower():
            return code
    raise InvalidInput("day", f"“{raw}” is not a day: use MO to SU or a day's name.")


def _filters(request: HttpRequest, *, located: bool = False) -> selectors.AssetFilters:
    near = None
    within_km = 2.0
    postcode = request.GET.get("postcode", "")
    if postcode or request.GET.get("lat"):
        latitude = request.GET.get("lat")
        longitude = request.GET.get("long") or request.GET.get("lon")
        try:
            near = selectors.near_point(
                viewer=viewer_of(request),
                postcode=postcode,
                latitude=float(latitude) if latitude else None,
                longitude=float(longitude) if longitude else None,
            )
        except ValueError as error:
            raise InvalidInput("lat", "Latitude and longitude must be numbers.") from error
        # proximity is in metres (the standard); without it, 2 km around the point.
        proximity = _int(request, "proximity")
        if proximity is not None:
            if proximity <= 0:
                raise InvalidInput("proximity", "proximity is a distance in metres above 0.")
            within_km = proximity / 1000
    modified_after = None
    if request.GET.get("modified_after"):
        modified_after = parse_datetime(request.GET["modified_after"])
        if modified_after is None:
            raise InvalidInput("modified_after", "Give a date and time like 2025-01-31T09:00:00Z.")
    organisation_id = None
    organization = _uuid_param(request, "organization_id")
    if organization is not None:
        organisation_id = (
            Asset.objects.filter(organisation__openreferral_identity__uuid=organization)
            .values_list("organisation_id", flat=True)
            .first()
        ) or -1
    return selectors.AssetFilters(
        text=request.GET.get("search", "") or request.GET.get("text", ""),
        taxonomy_term_id=_uuid_param(request, "taxonomy_term_id"),
        taxonomy_id=_uuid_param(request, "taxonomy_id"),
        organisation_id=organisation_id,
        minimum_age=_int(request, "minimum_age"),
        maximum_age=_int(request, "maximum_age"),
        start_time=_time_param(request, "start_time"),
        end_time=_time_param(request, "end_time"),
        open_day=_day_param(request),
        near=near,
        within_km=within_km,
        modified_after=modified_after,
        located=located,
    )


def _assets(page: selectors.AssetPage) -> list[Asset]:
    ids = [hit.asset.pk for hit in page.hits]
    by_id = {a.pk: a for a in openreferral.export_queryset(Asset.objects.filter(pk__in=ids))}
    return [by_id[pk] for pk in ids]


@_errors
def index(request: HttpRequest) -> JsonResponse:
    return _json(
        {
            "version": "3.0",
            "profile": "https://github.com/openreferral/uk-profile",
            "openapi_url": request.build_absolute_uri(reverse("api:openapi-json")),
        }
    )


@_errors
def service_list(request: HttpRequest) -> JsonResponse:
    page, per_page = _paging(request)
    found = selectors.asset_find(
        viewer=viewer_of(request), filters=_filters(request), page=page, per_page=per_page
    )
    full = request.GET.get("full", "").lower() == "true"
    shape = openreferral.service_json if full else openreferral.service_list_json
    contents = [shape(asset) for asset in _assets(found)]
    return _json(_page(found.total_items, page, per_page, contents))


@_errors
def service_detail(request: HttpRequest, pk: str) -> JsonResponse:
    asset = selectors.asset_get(viewer=viewer_of(request), asset_id=pk)
    full = openreferral.export_queryset(Asset.objects.filter(pk=asset.pk)).get()
    return _json(openreferral.service_json(full))


@_errors
def service_at_location_list(request: HttpRequest) -> JsonResponse:
    page, per_page = _paging(request)
    found = selectors.asset_find(
        viewer=viewer_of(request),
        filters=_filters(request, located=True),
        page=page,
        per_page=per_page,
    )
    contents = [openreferral.service_at_location_list_json(a) for a in _assets(found)]
    return _json(_page(found.total_items, page, per_page, contents))


@_errors
def service_at_location_detail(request: HttpRequest, pk: str) -> JsonResponse:
    """A service at location's id is derived from its asset's, so look it up by the asset."""
    try:
        wanted = str(uuid.UUID(pk))
    except ValueError as error:
        raise NotFound() from error
    visible = selectors.visible_assets(viewer_of(request)).filter(
        Q(latitude__isnull=False) | ~Q(postcode="")
    )
    for asset_id in visible.values_list("id", flat=True).iterator(chunk_size=2000):
        if openreferral.nested_id(asset_id, "service_at_location") == wanted:
            asset = openreferral.export_queryset(Asset.objects.filter(pk=asset_id)).get()
            return _json(openreferral.service_at_location_json(asset))
    raise NotFound()


def _paged_queryset(
    request: HttpRequest, queryset: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]
) -> JsonResponse:
    page, per_page = _paging(request)
    total = queryset.count()
    start = (page - 1) * per_page
    contents = [shape(item) for item in queryset[start : start + per_page]]
    return _json(_page(total, page, per_page, contents))


def _taxonomy_json(taxonomy: Taxonomy) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(taxonomy.pk),
        "name": taxonomy.name,
        "description": taxonomy.description,
    }
    if taxonomy.uri:
        data["uri"] = taxonomy.uri
    if taxonomy.version:
        data["version"] = taxonomy.version
    return data


def _term_json(term: TaxonomyTerm) -> dict[str, Any]:
    return openreferral.term_json(term)


@_errors
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    return _paged_queryset(
        request, selectors.taxonomy_list(viewer=viewer_of(request)), _taxonomy_json
    )


@_errors
def taxonomy_detail(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    taxonomy = selectors.taxonomy_list(viewer=viewer_of(request)).filter(pk=pk).first()
    if taxonomy is None:
        raise NotFound()
    return _json(_taxonomy_json(taxonomy))


@_errors
def taxonomy_term_list(request: HttpRequest) -> JsonResponse:
    terms = selectors.taxonomy_term_list(
        viewer=viewer_of(request), taxonomy_id=_uuid_param(request, "taxonomy_id")
    )
    return _paged_queryset(request, terms, _term_json)


@_errors
def taxonomy_term_detail(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    term = selectors.taxonomy_term_list(viewer=viewer_of(request)).filter(pk=pk).first()
    if term is None:
        raise NotFound()
    return _json(_term_json(term))
