"""The value of verified outcomes by budget holder (``impact.value``), for reports.

Each agreed indicator valued in money (with a unit cost) and with verified records whose periods
lie inside the window is one line: the records' total quantity x the unit cost re-based to the
price year. An indicator whose total is under the suppression threshold is left out of the
value and named as suppressed, as ``outcome_totals`` hides it: its value would give its
quantity away. Five queries at most: the area when one is given, the verified totals, the
indicators with their costs, their budget holders, and the deflator series when a cost must be
re-based.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.conf import settings
from django.db.models import Prefetch

from coproduce.errors import InvalidInput
from coproduce.impact import costs, value
from coproduce.impact.models import Agency, IndicatorBenefit
from coproduce.impact.selectors.costs import deflator_series, unit_cost_in
from coproduce.impact.selectors.outcomes import (
    REPORT,
    agreed_indicators,
    check_area,
    check_window,
    suppressed,
    verified_totals,
)
from coproduce.people import permissions
from coproduce.people.permissions import Viewer


def _price_year(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return costs.financial_year(text)
    except ValueError as error:
        raise InvalidInput("price_year", f"The price year {error}.") from error


def value_table(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str | None = None,
    area_id: int | None = None,
    start: date,
    end: date,
    price_year: str | None = None,
) -> value.ValueTable:
    """Verified outcomes in [start, end] valued at the price year (default: the latest price
    year among the unit costs used) and split by budget holder. A price year the deflator
    series cannot reach is InvalidInput("price_year", ...)."""
    permissions.check(viewer, REPORT, organisation_id, action="see the value of outcomes")
    check_window(start, end)
    check_area(area_id)
    wanted = _price_year(price_year)
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    totals = verified_totals(
        organisation_id=organisation_id, service=service, area_id=area_id, start=start, end=end
    )
    indicators = list(
        agreed_indicators(organisation_id=organisation_id, service=service)
        .filter(pk__in=list(totals), unit_cost__isnull=False)
        .select_related("unit_cost")
        .prefetch_related(
            Prefetch("benefits", queryset=IndicatorBenefit.objects.order_by("agency", "pk"))
        )
        .order_by("service", "name", "pk")
    )
    hidden = tuple(i.name for i in indicators if suppressed(totals[i.pk].quantity, threshold))
    shown = [i for i in indicators if not suppressed(totals[i.pk].quantity, threshold)]
    years = {costs.financial_year(i.unit_cost.price_year) for i in shown if i.unit_cost}
    target = wanted if wanted is not None else max(years, default=None)
    series = deflator_series(organisation_id) if years - {target} else {}
    lines: list[value.ValueLine] = []
    for indicator in shown:
        cost = indicator.unit_cost
        assert cost is not None and target is not None  # filtered on unit_cost above
        try:
            unit_value = unit_cost_in(cost, target, series)
        except ValueError as error:
            problem = str(error)
            raise InvalidInput(
                "price_year",
                f"{problem[:1].upper()}{problem[1:]}, so {cost.code} ({cost.price_year}) can't "
                f"be re-based to {costs.price_year_label(target)}: import or edit the deflator "
                "series, or choose another price year.",
            ) from error
        benefits = [
            value.Benefit(
                agency=benefit.agency,
                label=str(Agency(benefit.agency).label),
                share_percent=benefit.share_percent,
                cashable=benefit.cashable,
            )
            for benefit in indicator.benefits.all()
        ]
        try:
            # Proposing checks this; a row changed behind the services' back is named here.
            value.check_benefits(indicator.split_rule, benefits)
        except value.ValueInputError as error:
            raise InvalidInput(
                None, f"{indicator.name} can't be valued: {error.message}"
            ) from error
        lines.append(
            value.ValueLine(
                indicator=indicator.name,
                service=indicator.service,
                quantity=totals[indicator.pk].quantity,
                unit_value_pence=int(unit_value * 100),
                confidence_grade=indicator.confidence_grade,
                split_rule=indicator.split_rule,
                benefits=benefits,
                unit_cost=cost.code,
                cost_price_year=cost.price_year,
            )
        )
    table = value.value_by_budget_holder(lines)
    label = costs.price_year_label(target) if target is not None else None
    return replace(table, price_year=label, suppressed=hidden)
