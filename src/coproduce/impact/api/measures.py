"""Impact API for the measures of a period: network-building from the ledger, outcome totals,
value by budget holder and wellbeing change. Figures only, counts under the suppression
threshold left out, so commissioners read them as coordinators and managers do.

A period is ``start`` to ``end``, both inclusive; without them, the twelve months to today.

No ``from __future__ import annotations`` here: ninja reads query parameters from their real
annotations."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from coproduce.errors import InvalidInput
from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.impact.selectors import outcomes as outcome_selectors
from coproduce.impact.selectors import value as value_selectors
from coproduce.impact.selectors import wellbeing as wellbeing_selectors
from coproduce.impact.selectors.network import ledger_network
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])


class ImpactNetworkOut(Schema):
    people: int
    active: int
    transfers: int
    minutes: int
    ties: int
    reciprocated_ties: int
    give_and_receive_share: float | None
    isolated: int
    components: int
    largest_component: int
    ei_index: float | None = Field(..., description="Across areas")
    ei_index_staff_members: float | None
    exchanges_per_active: float | None
    minutes_per_active: float | None
    new_ties_per_quarter: dict[str, int]


class ImpactOutcomeTotalOut(Schema):
    indicator: str
    service: str
    unit: str
    records: int
    quantity: float | None = Field(..., description="None when suppressed")
    suppressed: bool


class ImpactValueOut(Schema):
    price_year: str | None = None
    rows: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    gross_pence: int
    adjusted_pence: int
    cashable_pence: int
    non_cashable_pence: int
    split_note: str


class ImpactCohortOut(Schema):
    measure: str
    pairs: int | None = Field(..., description="None when fewer than the threshold (5)")
    suppressed: bool
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None
    share_improved: float | None
    share_no_change: float | None
    share_worse: float | None


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for, or the twelve months to today; a start after the end refused."""
    end = end or timezone.localdate()
    start = start or end.replace(year=end.year - 1) + timedelta(days=1)
    if start > end:
        raise InvalidInput("end", "The end of the period must not be before its start.")
    return start, end


def moments(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] in days as aware datetimes [start 00:00, the day after end 00:00)."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


@router.get(
    "/organisations/{organisation_id}/network",
    response=responses(ImpactNetworkOut),
    summary="Network-building measures from the time bank's ledger for a period",
)
def network(
    request: HttpRequest,
    organisation_id: Id,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    begins, ends = moments(*period(start, end))
    return ledger_network(
        viewer=viewer(request), organisation_id=organisation_id, start=begins, end=ends
    )


@router.get(
    "/organisations/{organisation_id}/outcome-totals",
    response=responses(list[ImpactOutcomeTotalOut]),
    summary="Verified outcomes per agreed indicator in a period (small counts suppressed)",
)
def outcome_totals(
    request: HttpRequest,
    organisation_id: Id,
    start: date | None = None,
    end: date | None = None,
    service: str = Query("", max_length=200),
    area_id: Id | None = None,
) -> list[dict[str, Any]]:
    first, last = period(start, end)
    return outcome_selectors.outcome_totals(
        viewer=viewer(request),
        organisation_id=organisation_id,
        service=service or None,
        area_id=area_id,
        start=first,
        end=last,
    )


@router.get(
    "/organisations/{organisation_id}/value",
    response=responses(ImpactValueOut),
    summary="Value by budget holder: verified outcomes x unit costs, split and never counted twice",
)
def value(
    request: HttpRequest,
    organisation_id: Id,
    start: date | None = None,
    end: date | None = None,
    service: str = Query("", max_length=200),
    area_id: Id | None = None,
    price_year: str = Query("", max_length=7, description="Like 2024/25"),
) -> dict[str, Any]:
    first, last = period(start, end)
    table = value_selectors.value_table(
        viewer=viewer(request),
        organisation_id=organisation_id,
        service=service or None,
        area_id=area_id,
        start=first,
        end=last,
        price_year=price_year or None,
    )
    return table.as_json()


@router.get(
    "/organisations/{organisation_id}/wellbeing",
    response=responses(list[ImpactCohortOut]),
    summary="Wellbeing change of the people with a first and a last response in a period",
)
def wellbeing(
    request: HttpRequest,
    organisation_id: Id,
    start: date | None = None,
    end: date | None = None,
    service: str = Query("", max_length=200),
    area_id: Id | None = None,
) -> list[dict[str, Any]]:
    first, last = period(start, end)
    return wellbeing_selectors.cohort_changes(
        viewer=viewer(request),
        organisation_id=organisation_id,
        service=service or None,
        area_id=area_id,
        start=first,
        end=last,
    )
