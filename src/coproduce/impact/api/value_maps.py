"""Impact API for SROI value maps: uploaded as the CSV ``coproduce impact sroi`` reads, read
back with their SROI computed (present value, ratios, payback, sensitivity, the discounting
setting).

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.impact.models import ValueMap
from coproduce.impact.selectors import value_maps as selectors
from coproduce.impact.services import value_maps as services
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])

Investment = Annotated[Decimal, Field(gt=0, le=10**12, max_digits=14, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class ImpactValueMapIn(Schema):
    service: str = Field(..., min_length=1, max_length=200)
    title: str = Field(..., min_length=1, max_length=200)
    inputs: str = Field(..., min_length=1, max_length=5000)
    investment: Investment = Field(..., description="Pounds")
    discount_rate: Rate = Decimal("3.5")
    discount_year_one: StrictBool = True
    csv: str = Field(
        ...,
        min_length=1,
        max_length=200_000,
        description="stakeholder, outcome, indicator, quantity, financial_proxy, "
        "proxy_source, deadweight, displacement, attribution, drop_off, duration",
    )


class ImpactValueMapOut(Schema):
    id: int
    organisation_id: int
    service: str
    title: str
    inputs: str
    investment_pence: int
    discount_rate: float
    discount_year_one: bool
    created_at: datetime
    sroi: dict[str, Any] = Field(..., description="As `coproduce impact sroi --json` prints")


class ImpactValueMapSummaryOut(Schema):
    id: int
    service: str
    title: str
    investment_pence: int


def _value_map(value_map: ValueMap) -> dict[str, Any]:
    return {
        "id": value_map.pk,
        "organisation_id": value_map.organisation_id,
        "service": value_map.service,
        "title": value_map.title,
        "inputs": value_map.inputs,
        "investment_pence": value_map.investment_pence,
        "discount_rate": float(value_map.discount_rate),
        "discount_year_one": value_map.discount_year_one,
        "created_at": value_map.created_at,
        "sroi": selectors.value_map_sroi(value_map).as_json(),
    }


@router.get(
    "/organisations/{organisation_id}/value-maps",
    response=responses(list[ImpactValueMapSummaryOut]),
    summary="The organisation's SROI value maps",
)
@paginate(Pagination)
def value_map_list(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.value_map_list(viewer=viewer(request), organisation_id=organisation_id)


@router.post(
    "/organisations/{organisation_id}/value-maps",
    response=responses(ImpactValueMapOut, 201),
    summary="Add a value map from its CSV (managers)",
)
def value_map_add(
    request: HttpRequest, organisation_id: Id, payload: ImpactValueMapIn
) -> Status[dict[str, Any]]:
    who = viewer(request)
    created = services.value_map_create(
        viewer=who,
        organisation_id=organisation_id,
        service=payload.service,
        title=payload.title,
        inputs=payload.inputs,
        investment=payload.investment,
        discount_rate=payload.discount_rate,
        discount_year_one=payload.discount_year_one,
        csv_text=payload.csv,
    )
    return Status(201, _value_map(selectors.value_map_get(viewer=who, value_map_id=created.pk)))


@router.get(
    "/value-maps/{value_map_id}",
    response=responses(ImpactValueMapOut),
    summary="A value map with its SROI",
)
def value_map_detail(request: HttpRequest, value_map_id: Id) -> dict[str, Any]:
    return _value_map(selectors.value_map_get(viewer=viewer(request), value_map_id=value_map_id))
