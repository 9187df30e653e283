"""Impact API for evaluation reports: ask for one (it is built in the background) and read its
progress and, when ready, its figures — aggregates only, small counts suppressed.

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.impact.models import EvaluationReport
from coproduce.impact.selectors import reports as selectors
from coproduce.impact.services import reports as services
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])


class ImpactReportIn(Schema):
    service: str = Field("", max_length=200, description="Empty: every service")
    area_id: BodyId | None = None
    period_start: date
    period_end: date
    price_year: str = Field("", max_length=7, description="Like 2024/25; empty: the latest")


class ImpactReportOut(Schema):
    id: int
    organisation_id: int
    service: str
    area_id: int | None
    period_start: date
    period_end: date
    price_year: str
    status: str = Field(..., description="queued, running, done or failed")
    progress: int = Field(..., description="Per cent done")
    stage: str
    requested_at: datetime
    finished_at: datetime | None
    error: str
    figures: dict[str, Any] | None = Field(..., description="When done")


def _report(report: EvaluationReport, *, figures: bool = True) -> dict[str, Any]:
    return {
        "id": report.pk,
        "organisation_id": report.organisation_id,
        "service": report.service,
        "area_id": report.area_id,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "price_year": report.price_year,
        "status": report.status,
        "progress": report.progress,
        "stage": report.stage,
        "requested_at": report.requested_at,
        "finished_at": report.finished_at,
        "error": report.error,
        "figures": report.figures if figures else None,
    }


@router.get(
    "/organisations/{organisation_id}/reports",
    response=responses(list[ImpactReportOut]),
    summary="The organisation's evaluation reports, newest first (figures left out)",
)
@paginate(Pagination)
def report_list(request: HttpRequest, organisation_id: Id) -> Any:
    rows = selectors.report_list(viewer=viewer(request), organisation_id=organisation_id)
    return [_report(report, figures=False) for report in rows]


@router.post(
    "/organisations/{organisation_id}/reports",
    response=responses(ImpactReportOut, 202),
    summary="Ask for an evaluation report; it is built in the background",
)
def report_request(
    request: HttpRequest, organisation_id: Id, payload: ImpactReportIn
) -> Status[dict[str, Any]]:
    report = services.report_request(
        viewer=viewer(request),
        organisation_id=organisation_id,
        service=payload.service,
        area_id=payload.area_id,
        period_start=payload.period_start,
        period_end=payload.period_end,
        price_year=payload.price_year,
    )
    return Status(202, _report(report))


@router.get(
    "/reports/{report_id}",
    response=responses(ImpactReportOut),
    summary="An evaluation report: its progress, and its figures when done",
)
def report_detail(request: HttpRequest, report_id: Id) -> dict[str, Any]:
    return _report(selectors.report_get(viewer=viewer(request), report_id=report_id))
