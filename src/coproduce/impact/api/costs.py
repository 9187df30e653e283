"""Impact API for unit costs (the shipped GMCA starter table and the organisation's own) and
the GDP-deflator series that re-bases them to one price year.

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.impact import costs as price_years
from coproduce.impact.models import UnitCost
from coproduce.impact.selectors import costs as selectors
from coproduce.impact.services import costs as services
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])

Pounds = Annotated[Decimal, Field(ge=0, le=services.MAX_VALUE, max_digits=14, decimal_places=2)]
Index = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=6)]


class ImpactUnitCostOut(Schema):
    id: int
    organisation_id: int | None = Field(..., description="None for the shipped starter table")
    code: str
    description: str
    unit: str
    value: float = Field(..., description="Pounds at the prices of price_year")
    value_pence: int
    price_year: str
    agency: str
    agency_detail: str
    kind: str
    source: str


class ImpactUnitCostIn(Schema):
    code: str = Field(..., min_length=1, max_length=services.LIMITS["code"])
    description: str = Field(..., min_length=1, max_length=services.LIMITS["description"])
    unit: str = Field(..., min_length=1, max_length=services.LIMITS["unit"])
    value: Pounds
    price_year: str = Field(..., max_length=7, description="A financial year, like 2013/14")
    agency: str = Field(..., max_length=20)
    kind: str = Field(..., max_length=10, description="fiscal, economic or social")
    source: str = Field(..., max_length=services.LIMITS["source"])
    agency_detail: str = Field("", max_length=services.LIMITS["agency_detail"])


class ImpactDeflatorYearOut(Schema):
    financial_year: str
    index: float


class ImpactDeflatorYearIn(Schema):
    financial_year: str = Field(..., min_length=1, max_length=7)
    index: Index
    source: str = Field(..., max_length=300)


def _cost(cost: UnitCost) -> dict[str, Any]:
    return {
        "id": cost.pk,
        "organisation_id": cost.organisation_id,
        "code": cost.code,
        "description": cost.description,
        "unit": cost.unit,
        "value": float(cost.value),
        "value_pence": cost.value_pence,
        "price_year": cost.price_year,
        "agency": cost.agency,
        "agency_detail": cost.agency_detail,
        "kind": cost.kind,
        "source": cost.source,
    }


@router.get(
    "/organisations/{organisation_id}/unit-costs",
    response=responses(list[ImpactUnitCostOut]),
    summary="The starter table and the organisation's own unit costs",
)
@paginate(Pagination)
def unit_cost_list(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.unit_costs(viewer(request), organisation_id)


@router.post(
    "/organisations/{organisation_id}/unit-costs",
    response=responses(ImpactUnitCostOut, 201),
    summary="Add one of the organisation's own unit costs (managers)",
)
def unit_cost_add(
    request: HttpRequest, organisation_id: Id, payload: ImpactUnitCostIn
) -> Status[dict[str, Any]]:
    cost = services.unit_cost_add(
        viewer=viewer(request), organisation_id=organisation_id, **payload.dict()
    )
    return Status(201, _cost(cost))


@router.get(
    "/organisations/{organisation_id}/deflators",
    response=responses(list[ImpactDeflatorYearOut]),
    summary="The GDP-deflator series the organisation re-bases with (its own, or the default)",
)
def deflator_list(request: HttpRequest, organisation_id: Id) -> list[dict[str, Any]]:
    series = selectors.deflator_years(viewer=viewer(request), organisation_id=organisation_id)
    return [
        {"financial_year": price_years.price_year_label(year), "index": float(index)}
        for year, index in series.items()
    ]


@router.post(
    "/organisations/{organisation_id}/deflators",
    response=responses(ImpactDeflatorYearOut),
    summary="Set one financial year's index in the organisation's series (managers)",
)
def deflator_set(
    request: HttpRequest, organisation_id: Id, payload: ImpactDeflatorYearIn
) -> dict[str, Any]:
    year = services.deflator_year_set(
        viewer=viewer(request),
        organisation_id=organisation_id,
        financial_year=payload.financial_year,
        index=payload.index,
        source=payload.source,
    )
    return {"financial_year": year.financial_year, "index": float(year.index)}
