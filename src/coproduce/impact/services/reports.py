"""Evaluation reports: asked for here, built in the background (``impact.tasks.report_build``).

A report covers a service (or every service), an area (or all) and a period, and is built
with the permissions of the person who asked for it; it holds aggregates only."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from django.db import transaction

from coproduce.errors import InvalidInput
from coproduce.impact import costs
from coproduce.impact.models import EvaluationReport
from coproduce.impact.selectors.reports import REPORT
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Area, Organisation
from coproduce.people.permissions import Viewer

SERVICE_LIMIT = 200
# Records go back no further than this, and the month-by-month figures stay readable.
MAX_PERIOD_DAYS = 10 * 366
EARLIEST = date(2000, 1, 1)


def _period(period_start: date, period_end: date) -> None:
    for field, day in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(day, date):
            raise InvalidInput(field, "Give the date, like 2026-04-01.")
        if day < EARLIEST:
            raise InvalidInput(field, f"Give a date from {EARLIEST:%-d %B %Y} on.")
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    if period_end - period_start > timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput("period_end", "A report can cover at most ten years.")


def _price_year(text: str) -> str:
    if not text.strip():
        return ""
    try:
        return costs.price_year_label(costs.financial_year(text))
    except ValueError as error:
        raise InvalidInput("price_year", f"The price year {error}.") from error


@transaction.atomic
def report_request(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str = "",
    area_id: int | None = None,
    period_start: date,
    period_end: date,
    price_year: str = "",
) -> EvaluationReport:
    """Queue a report; ``report_build`` starts when this transaction commits. An empty
    ``service`` is every service, no ``area_id`` every area, an empty ``price_year`` the
    latest price year of the unit costs used."""
    permissions.check(viewer, REPORT, organisation_id, action="ask for an evaluation report")
    service = service.strip()
    if len(service) > SERVICE_LIMIT:
        raise InvalidInput("service", f"The service can be at most {SERVICE_LIMIT} characters.")
    _period(period_start, period_end)
    year = _price_year(price_year)
    area = None
    if area_id is not None:
        area = Area.objects.filter(pk=area_id).first()
        if area is None:
            raise InvalidInput("area_id", "Choose an area from the list, or every area.")
    organisation = Organisation.objects.get(pk=organisation_id)
    report = EvaluationReport(
        organisation=organisation,
        service=service,
        area=area,
        period_start=period_start,
        period_end=period_end,
        price_year=year,
        requested_by=viewer.person,
        stage="Waiting to start",
    )
    model_validate(report)
    report.save()
    history_record(
        actor=viewer.person,
        action="impact.report_request",
        subject=report,
        organisation=organisation,
        detail={
            "service": service,
            "area_id": area_id,
            "period_start": str(period_start),
            "period_end": str(period_end),
            "price_year": year,
        },
    )
    from coproduce.impact.tasks import report_build

    transaction.on_commit(partial(report_build.enqueue, report.pk))
    return report
