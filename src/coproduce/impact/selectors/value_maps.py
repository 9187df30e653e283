"""SROI value maps: reads. A value map is figures about a service, not about anyone, so those
who read reports (``impact.report``, commissioners among them) read value maps; another
organisation's is not found."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from coproduce.errors import NotFound
from coproduce.impact import sroi
from coproduce.impact.models import ValueMap
from coproduce.people import permissions
from coproduce.people.permissions import Viewer

VIEW_VALUE_MAPS = "impact.report"
MANAGE_VALUE_MAPS = "impact.manage"


def access_value_map(
    viewer: Viewer, *, value_map_id: int, ability: str = VIEW_VALUE_MAPS
) -> ValueMap:
    """The value map, with its outcomes, if the viewer holds ``ability`` in its organisation:
    NotFound when they are not active there, PermissionDenied when their role is too low."""
    found = (
        ValueMap.objects.select_related("organisation")
        .prefetch_related("outcomes")
        .filter(pk=value_map_id)
        .first()
    )
    if found is None or viewer.role_in(found.organisation_id) is None:
        raise NotFound("No such value map.")
    permissions.check(viewer, ability, found.organisation_id, action="see this value map")
    return found


def value_map_list(
    *, viewer: Viewer, organisation_id: int, service: str | None = None
) -> QuerySet[ValueMap]:
    """The organisation's value maps (of one service, when given), by service then title, with
    their outcomes: two queries."""
    permissions.check(viewer, VIEW_VALUE_MAPS, organisation_id, action="see its value maps")
    maps = ValueMap.objects.filter(organisation_id=organisation_id)
    if service:
        maps = maps.filter(service=service)
    return maps.prefetch_related("outcomes").order_by("service", "title", "pk")


def value_map_get(*, viewer: Viewer, value_map_id: int) -> ValueMap:
    return access_value_map(viewer, value_map_id=value_map_id)


def value_map_outcomes(value_map: ValueMap) -> list[sroi.Outcome]:
    """The value map's rows as the SROI engine takes them, in the order they were entered."""
    return [
        sroi.Outcome(
            stakeholder=row.stakeholder,
            outcome=row.outcome,
            indicator=row.indicator,
            quantity=row.quantity,
            financial_proxy=row.financial_proxy,
            proxy_source=row.proxy_source,
            deadweight=row.deadweight,
            displacement=row.displacement,
            attribution=row.attribution,
            drop_off=row.drop_off,
            duration=row.duration,
        )
        # Sorted here rather than ordered in the query, so a prefetched list is used as it is.
        for row in sorted(value_map.outcomes.all(), key=lambda row: (row.position, row.pk))
    ]


def value_map_sroi(value_map: ValueMap) -> sroi.SroiResult:
    """The SROI of a value map the caller has read through a selector (no query when its
    outcomes were prefetched)."""
    return sroi.sroi(
        value_map_outcomes(value_map),
        investment=Decimal(value_map.investment_pence).scaleb(-2),
        discount_rate=Decimal(value_map.discount_rate),
        discount_year_one=value_map.discount_year_one,
    )
