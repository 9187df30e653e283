"""Unit costs and the deflator series: reads.

Everyone active in an organisation sees its unit costs beside the shipped starter table (costs
are reference figures, not personal records); another organisation's costs are not found."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from coproduce.impact import costs
from coproduce.impact.models import DeflatorYear, UnitCost
from coproduce.people import permissions
from coproduce.people.permissions import Viewer

# Reading is open to every active role (costs are reference figures, not personal records);
# adding costs or editing the deflator series is for managers.
VIEW_COSTS = "impact.view"
MANAGE_COSTS = "impact.manage"


def unit_costs(viewer: Viewer, organisation_id: int) -> QuerySet[UnitCost]:
    """The starter table and the organisation's own costs, by budget holder then code (a
    starter row before an own row with the same code)."""
    permissions.check(viewer, VIEW_COSTS, organisation_id, action="see its unit costs")
    return UnitCost.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=organisation_id)
    ).order_by("agency", "code", F("organisation").asc(nulls_first=True))


def deflator_series(organisation_id: int) -> dict[int, Decimal]:
    """The organisation's own deflator series by starting year, or the default series while it
    has none of its own. One query."""
    rows = DeflatorYear.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=organisation_id)
    ).values_list("organisation_id", "financial_year", "index")
    own: dict[int, Decimal] = {}
    default: dict[int, Decimal] = {}
    for owner, year, index in rows:
        (default if owner is None else own)[costs.financial_year(year)] = index
    return dict(sorted((own or default).items()))


def unit_cost_in(cost: UnitCost, price_year: int | str, series: Mapping[int, Decimal]) -> Decimal:
    """``cost``'s value re-based to ``price_year`` with ``series``; ValueError naming the year
    the series lacks."""
    return costs.rebase(cost.value, cost.price_year, price_year, series)


def deflator_years(*, viewer: Viewer, organisation_id: int) -> dict[int, Decimal]:
    """``deflator_series`` for a viewer of the organisation (the series is reference data)."""
    permissions.check(viewer, VIEW_COSTS, organisation_id, action="see its deflator series")
    return deflator_series(organisation_id)
