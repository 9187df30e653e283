"""Outcome indicators and the records against them: reads.

Everyone active in an organisation sees its indicators (``impact.view``); records carry their
evidence, so only those who record them and above see them (``impact.record``); totals are
aggregates for reports (``impact.report``), and a total under the suppression threshold is
not shown. Another organisation's indicator or record is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet, Sum

from coproduce.errors import InvalidInput, NotFound
from coproduce.impact.models import (
    IndicatorBenefit,
    IndicatorStatus,
    OutcomeIndicator,
    OutcomeRecord,
    ValueMap,
)
from coproduce.people import permissions
from coproduce.people.models import Area
from coproduce.people.permissions import Viewer

VIEW = "impact.view"
PROPOSE = "impact.propose"
RECORD = "impact.record"
VERIFY = "impact.verify"
MANAGE = "impact.manage"
REPORT = "impact.report"


def access_indicator(
    viewer: Viewer, *, indicator_id: int, ability: str = VIEW, action: str = "do that"
) -> OutcomeIndicator:
    """The indicator if the viewer holds ``ability`` in its organisation: NotFound when they
    are not active there (or there is no such indicator), PermissionDenied when their role is
    too low."""
    found = (
        OutcomeIndicator.objects.select_related("organisation", "unit_cost")
        .prefetch_related(_benefits())
        .filter(pk=indicator_id)
        .first()
    )
    if found is None or viewer.role_in(found.organisation_id) is None:
        raise NotFound("No such outcome indicator.")
    permissions.check(viewer, ability, found.organisation_id, action=action)
    return found


def access_record(
    viewer: Viewer, *, record_id: int, ability: str = RECORD, action: str = "do that"
) -> OutcomeRecord:
    """The record if the viewer holds ``ability`` in its indicator's organisation (NotFound,
    PermissionDenied as ``access_indicator``)."""
    found = (
        OutcomeRecord.objects.select_related("indicator__organisation").filter(pk=record_id).first()
    )
    if found is None or viewer.role_in(found.indicator.organisation_id) is None:
        raise NotFound("No such outcome record.")
    permissions.check(viewer, ability, found.indicator.organisation_id, action=action)
    return found


def indicator_list(
    *, viewer: Viewer, organisation_id: int, service: str | None = None
) -> QuerySet[OutcomeIndicator]:
    """The organisation's indicators (every status) by service and name, with their unit cost
    and budget holders."""
    permissions.check(viewer, VIEW, organisation_id, action="see its outcome indicators")
    found = OutcomeIndicator.objects.filter(organisation_id=organisation_id)
    if service is not None:
        found = found.filter(service=service)
    return (
        found.select_related("unit_cost")
        .prefetch_related(_benefits())
        .order_by("service", "name", "pk")
    )


def indicator_get(*, viewer: Viewer, indicator_id: int) -> OutcomeIndicator:
    return access_indicator(
        viewer, indicator_id=indicator_id, ability=VIEW, action="see this outcome indicator"
    )


def record_list(
    *,
    viewer: Viewer,
    organisation_id: int,
    indicator_id: int | None = None,
    verified: bool | None = None,
) -> QuerySet[OutcomeRecord]:
    """The organisation's outcome records, latest period first; of one indicator, and
    verified or not, when asked."""
    permissions.check(viewer, RECORD, organisation_id, action="see its outcome records")
    found = OutcomeRecord.objects.filter(indicator__organisation_id=organisation_id)
    if indicator_id is not None:
        found = found.filter(indicator_id=indicator_id)
    if verified is not None:
        found = found.filter(verified_at__isnull=not verified)
    return found.select_related("indicator", "area", "recorded_by", "verified_by").order_by(
        "-period_start", "-pk"
    )


def check_window(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("end", "The end of the period must be on or after its start.")


def check_area(area_id: int | None) -> None:
    """Areas are shared geography: any viewer may name one that exists."""
    if area_id is not None and not Area.objects.filter(pk=area_id).exists():
        raise InvalidInput("area_id", f"There is no area {area_id}.")


@dataclass(frozen=True)
class Total:
    records: int
    quantity: Decimal


def agreed_indicators(*, organisation_id: int, service: str | None) -> QuerySet[OutcomeIndicator]:
    found = OutcomeIndicator.objects.filter(
        organisation_id=organisation_id, status=IndicatorStatus.AGREED
    )
    return found if service is None else found.filter(service=service)


def verified_totals(
    *,
    organisation_id: int,
    service: str | None,
    area_id: int | None,
    start: date,
    end: date,
) -> dict[int, Total]:
    """By indicator id, the count and total quantity of the verified records of the
    organisation's agreed indicators (of ``service`` when given) and of ``area_id`` (any area
    when None) whose periods lie inside [start, end]; an indicator with none is not a key.
    One query, aggregated in the database; no permission check, for the selectors that have
    made theirs."""
    found = OutcomeRecord.objects.filter(
        indicator__in=agreed_indicators(organisation_id=organisation_id, service=service),
        verified_at__isnull=False,
        period_start__gte=start,
        period_end__lte=end,
    )
    if area_id is not None:
        found = found.filter(area_id=area_id)
    rows = (
        found.order_by()
        .values("indicator_id")
        .annotate(records=Count("pk"), quantity=Sum("quantity"))
        .values_list("indicator_id", "records", "quantity")
    )
    return {indicator: Total(records, quantity) for indicator, records, quantity in rows}


def suppressed(quantity: Decimal, threshold: int) -> bool:
    """A total above nothing and under the threshold is not shown (DESIGN invariant 3)."""
    return 0 < quantity < threshold


def outcome_totals(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str | None = None,
    area_id: int | None = None,
    start: date,
    end: date,
) -> list[dict[str, Any]]:
    """One row per agreed indicator: its verified records whose periods lie inside [start,
    end] and their total quantity, None (``suppressed``) when under the threshold. Two
    queries (three with an area)."""
    permissions.check(viewer, REPORT, organisation_id, action="see outcome totals")
    check_window(start, end)
    check_area(area_id)
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    totals = verified_totals(
        organisation_id=organisation_id, service=service, area_id=area_id, start=start, end=end
    )
    none = Total(0, Decimal(0))
    rows: list[dict[str, Any]] = []
    indicators = agreed_indicators(organisation_id=organisation_id, service=service)
    for pk, name, of_service, unit in indicators.order_by("service", "name", "pk").values_list(
        "pk", "name", "service", "unit"
    ):
        total = totals.get(pk, none)
        quantity = total.quantity
        hidden = suppressed(quantity, threshold)
        rows.append(
            {
                "indicator": name,
                "service": of_service,
                "unit": unit,
                "records": total.records,
                "quantity": None if hidden else float(quantity),
                "suppressed": hidden,
            }
        )
    return rows


def services_of(*, viewer: Viewer, organisation_id: int) -> list[str]:
    """The service names the organisation's indicators and value maps use, sorted. Two
    queries."""
    permissions.check(viewer, VIEW, organisation_id, action="see its services")
    names = set(
        OutcomeIndicator.objects.filter(organisation_id=organisation_id)
        .values_list("service", flat=True)
        .distinct()
    )
    names.update(
        ValueMap.objects.filter(organisation_id=organisation_id)
        .values_list("service", flat=True)
        .distinct()
    )
    return sorted(names, key=lambda name: (name.casefold(), name))


def _benefits() -> Prefetch[Any]:
    return Prefetch("benefits", queryset=IndicatorBenefit.objects.order_by("agency", "pk"))
