"""Impact API for outcome indicators and the records against them: propose, agree, adopt,
record, verify. The same services and selectors as the pages.

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.impact.models import (
    Agency,
    ConfidenceGrade,
    IndicatorBenefit,
    OutcomeIndicator,
    OutcomeRecord,
    SplitRule,
)
from coproduce.impact.selectors import outcomes as selectors
from coproduce.impact.services import outcomes as services
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])

Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
AGENCIES = ", ".join(Agency.values)


class ImpactBenefitIn(Schema):
    agency: str = Field(..., max_length=20, description=f"One of: {AGENCIES}")
    share_percent: Percent | None = Field(None, description="Under the stated-shares rule.")
    cashable: StrictBool = False


class ImpactBenefitOut(Schema):
    agency: str
    label: str
    share_percent: float | None
    cashable: bool


class ImpactIndicatorIn(Schema):
    service: str = Field(..., min_length=1, max_length=200)
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=5000)
    how_measured: str = Field(..., min_length=1, max_length=5000)
    unit: str = Field(..., min_length=1, max_length=80)
    concerns: str = Field(..., min_length=1, max_length=300)
    benefits: list[ImpactBenefitIn] = Field(..., max_length=len(Agency.values))
    unit_cost_id: BodyId | None = None
    split_rule: str = Field(SplitRule.EQUAL, max_length=10, description="equal or stated")
    confidence_grade: int = Field(
        ConfidenceGrade.EVALUATION, ge=1, le=6, strict=True, description="1 (best) to 6"
    )


class ImpactIndicatorOut(Schema):
    id: int
    organisation_id: int
    service: str
    name: str
    description: str
    how_measured: str
    unit: str
    concerns: str
    unit_cost_id: int | None
    split_rule: str
    confidence_grade: int
    status: str = Field(..., description="proposed, agreed or retired")
    proposed_at: datetime
    adopted_at: datetime | None
    agreements: int
    benefits: list[ImpactBenefitOut]


class ImpactAgreementIn(Schema):
    comment: str = Field("", max_length=500)


class ImpactAgreementOut(Schema):
    id: int
    indicator_id: int
    agreed_at: datetime


class ImpactRecordIn(Schema):
    period_start: date
    period_end: date
    quantity: Quantity
    evidence: str = Field(..., min_length=1, max_length=5000)
    area_id: BodyId | None = None


class ImpactVerifyIn(Schema):
    note: str = Field("", max_length=500)


class ImpactRecordOut(Schema):
    id: int
    indicator_id: int
    area_id: int | None
    period_start: date
    period_end: date
    quantity: float
    evidence: str
    recorded_at: datetime
    verified: bool
    verified_at: datetime | None


def _benefit(benefit: IndicatorBenefit) -> dict[str, Any]:
    return {
        "agency": benefit.agency,
        "label": benefit.get_agency_display(),
        "share_percent": float(benefit.share_percent) if benefit.share_percent else None,
        "cashable": benefit.cashable,
    }


def _indicator(indicator: OutcomeIndicator) -> dict[str, Any]:
    """One indicator; its benefits and agreements from the prefetch the selectors make."""
    return {
        "id": indicator.pk,
        "organisation_id": indicator.organisation_id,
        "service": indicator.service,
        "name": indicator.name,
        "description": indicator.description,
        "how_measured": indicator.how_measured,
        "unit": indicator.unit,
        "concerns": indicator.concerns,
        "unit_cost_id": indicator.unit_cost_id,
        "split_rule": indicator.split_rule,
        "confidence_grade": indicator.confidence_grade,
        "status": indicator.status,
        "proposed_at": indicator.proposed_at,
        "adopted_at": indicator.adopted_at,
        "agreements": len(indicator.agreements.all()),
        "benefits": [_benefit(b) for b in indicator.benefits.all()],
    }


def _record(record: OutcomeRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "indicator_id": record.indicator_id,
        "area_id": record.area_id,
        "period_start": record.period_start,
        "period_end": record.period_end,
        "quantity": float(record.quantity),
        "evidence": record.evidence,
        "recorded_at": record.recorded_at,
        "verified": record.verified,
        "verified_at": record.verified_at,
    }


@router.get(
    "/organisations/{organisation_id}/indicators",
    response=responses(list[ImpactIndicatorOut]),
    summary="The organisation's outcome indicators, by service and name",
)
@paginate(Pagination)
def indicator_list(
    request: HttpRequest, organisation_id: Id, service: str = Query("", max_length=200)
) -> Any:
    rows = selectors.indicator_list(
        viewer=viewer(request), organisation_id=organisation_id, service=service or None
    )
    return [_indicator(indicator) for indicator in rows]


@router.post(
    "/organisations/{organisation_id}/indicators",
    response=responses(ImpactIndicatorOut, 201),
    summary="Propose an outcome indicator",
)
def indicator_propose(
    request: HttpRequest, organisation_id: Id, payload: ImpactIndicatorIn
) -> Status[dict[str, Any]]:
    who = viewer(request)
    indicator = services.indicator_propose(
        viewer=who,
        organisation_id=organisation_id,
        service=payload.service,
        name=payload.name,
        description=payload.description,
        how_measured=payload.how_measured,
        unit=payload.unit,
        concerns=payload.concerns,
        benefits=[
            services.BenefitInput(
                agency=b.agency, share_percent=b.share_percent, cashable=b.cashable
            )
            for b in payload.benefits
        ],
        unit_cost_id=payload.unit_cost_id,
        split_rule=payload.split_rule,
        confidence_grade=payload.confidence_grade,
    )
    return Status(201, _indicator(selectors.indicator_get(viewer=who, indicator_id=indicator.pk)))


@router.get(
    "/indicators/{indicator_id}",
    response=responses(ImpactIndicatorOut),
    summary="One outcome indicator",
)
def indicator_detail(request: HttpRequest, indicator_id: Id) -> dict[str, Any]:
    return _indicator(selectors.indicator_get(viewer=viewer(request), indicator_id=indicator_id))


@router.post(
    "/indicators/{indicator_id}/agreements",
    response=responses(ImpactAgreementOut, 201),
    summary="Agree that the indicator measures what matters",
)
def indicator_agree(
    request: HttpRequest, indicator_id: Id, payload: ImpactAgreementIn
) -> Status[dict[str, Any]]:
    agreement = services.indicator_agree(
        viewer=viewer(request), indicator_id=indicator_id, comment=payload.comment
    )
    return Status(
        201,
        {
            "id": agreement.pk,
            "indicator_id": agreement.indicator_id,
            "agreed_at": agreement.agreed_at,
        },
    )


@router.post(
    "/indicators/{indicator_id}/adopt",
    response=responses(ImpactIndicatorOut),
    summary="Adopt an indicator that others have agreed (managers)",
)
def indicator_adopt(request: HttpRequest, indicator_id: Id) -> dict[str, Any]:
    who = viewer(request)
    services.indicator_adopt(viewer=who, indicator_id=indicator_id)
    return _indicator(selectors.indicator_get(viewer=who, indicator_id=indicator_id))


@router.get(
    "/organisations/{organisation_id}/records",
    response=responses(list[ImpactRecordOut]),
    summary="The organisation's outcome records, with their evidence (staff and up)",
)
@paginate(Pagination)
def record_list(
    request: HttpRequest,
    organisation_id: Id,
    indicator_id: Id | None = None,
    verified: bool | None = None,
) -> Any:
    rows = selectors.record_list(
        viewer=viewer(request),
        organisation_id=organisation_id,
        indicator_id=indicator_id,
        verified=verified,
    )
    return [_record(record) for record in rows]


@router.post(
    "/indicators/{indicator_id}/records",
    response=responses(ImpactRecordOut, 201),
    summary="Record a count or measurement of an agreed indicator for a period",
)
def record_add(
    request: HttpRequest, indicator_id: Id, payload: ImpactRecordIn
) -> Status[dict[str, Any]]:
    record = services.outcome_record(
        viewer=viewer(request),
        indicator_id=indicator_id,
        period_start=payload.period_start,
        period_end=payload.period_end,
        quantity=payload.quantity,
        evidence=payload.evidence,
        area_id=payload.area_id,
    )
    return Status(201, _record(record))


@router.post(
    "/records/{record_id}/verify",
    response=responses(ImpactRecordOut),
    summary="Verify someone else's outcome record (coordinators and up)",
)
def record_verify(request: HttpRequest, record_id: Id, payload: ImpactVerifyIn) -> dict[str, Any]:
    return _record(
        services.outcome_verify(viewer=viewer(request), record_id=record_id, note=payload.note)
    )
