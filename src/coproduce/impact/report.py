"""The figures of an evaluation report, stage by stage, read with the permissions of the person
who asked for it. Aggregates only: no name, contact or health detail enters them, and a group
smaller than ``settings.COPRODUCE_SUPPRESSION_THRESHOLD`` is suppressed by the selector that
counts it — or here, for the network measures, which take their people from the same ledger
as the hours exchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from coproduce.impact.models import EvaluationReport
from coproduce.impact.selectors.network import ledger_network
from coproduce.impact.selectors.outcomes import outcome_totals
from coproduce.impact.selectors.reports import REPORT, report_hours, report_window
from coproduce.impact.selectors.value import value_table
from coproduce.impact.selectors.value_maps import value_map_list, value_map_sroi
from coproduce.impact.selectors.wellbeing import cohort_changes
from coproduce.impact.sroi import discounting_label
from coproduce.impact.wellbeing import LABELS, Measure
from coproduce.people import permissions
from coproduce.people.permissions import Viewer

Progress = Callable[[int, str], None]

# (per cent done when the stage starts, what is being done): the task shows these.
STAGES = {
    "hours": (5, "Counting hours exchanged"),
    "outcomes": (20, "Adding up outcomes"),
    "wellbeing": (35, "Comparing wellbeing scores"),
    "value": (50, "Valuing outcomes by budget holder"),
    "sroi": (65, "Working out the social return on investment"),
    "network": (80, "Measuring the network"),
}
ALL_SERVICES = "All services"
ALL_AREAS = "All areas"


def _no_progress(percent: int, stage: str) -> None:
    return None


def setting_label(discount_rate: float, discount_year_one: bool) -> str:
    """A value map's discounting as the report shows it: "3.5% a year, year 1 discounted"."""
    rate = f"{discount_rate:g}"
    return f"{rate}% a year, {discounting_label(discount_year_one)}"


def _sroi(viewer: Viewer, report: EvaluationReport) -> list[dict[str, Any]]:
    maps = value_map_list(
        viewer=viewer, organisation_id=report.organisation_id, service=report.service or None
    )
    found = []
    for value_map in maps:
        result = value_map_sroi(value_map).as_json()
        found.append(
            {
                "value_map_id": value_map.pk,
                "service": value_map.service,
                "title": value_map.title,
                "inputs": value_map.inputs,
                "investment_pence": value_map.investment_pence,
                "setting": setting_label(result["discount_rate"], result["discount_year_one"]),
                **result,
            }
        )
    return found


def _network(
    viewer: Viewer, report: EvaluationReport, hours: dict[str, Any], threshold: int
) -> dict[str, Any]:
    start, end = report_window(report.period_start, report.period_end)
    measures = ledger_network(
        viewer=viewer, organisation_id=report.organisation_id, start=start, end=end
    )
    # The network is the whole bank's (it is not kept by service or area), so it is
    # suppressed when the report's own active members are too few, as the hours are, and
    # when the bank's are.
    if hours["suppressed"] or measures["active"] < threshold:
        return {"suppressed": True, "scope": "the whole time bank"}
    return {"suppressed": False, "scope": "the whole time bank", **measures}


def _wellbeing(cohort: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cohort's change per measure with its label. A suppressed measure keeps no number,
    not even how few people answered twice."""
    rows = []
    for row in cohort:
        labelled = {**row, "label": LABELS[Measure(row["measure"])]}
        if row["suppressed"]:
            labelled["pairs"] = None
        rows.append(labelled)
    return rows


def _discounting(sroi: list[dict[str, Any]]) -> str:
    settings_used = list(dict.fromkeys(entry["setting"] for entry in sroi))
    if not settings_used:
        return "No value maps: no SROI"
    if len(settings_used) == 1:
        return f"Every value map: {settings_used[0]}"
    return "; ".join(f"{entry['title']}: {entry['setting']}" for entry in sroi)


def report_figures(
    *, viewer: Viewer, report: EvaluationReport, progress: Progress = _no_progress
) -> dict[str, Any]:
    """Every section of the report, calling ``progress(per cent, stage)`` as each starts."""
    organisation_id = report.organisation_id
    permissions.check(viewer, REPORT, organisation_id, action="build an evaluation report")
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    start, end = report_window(report.period_start, report.period_end)
    service = report.service or None
    area_id = report.area_id
    first, last = report.period_start, report.period_end

    progress(*STAGES["hours"])
    hours = report_hours(
        viewer=viewer, organisation_id=organisation_id, area_id=area_id, start=start, end=end
    )
    progress(*STAGES["outcomes"])
    outcomes = outcome_totals(
        viewer=viewer,
        organisation_id=organisation_id,
        service=service,
        area_id=area_id,
        start=first,
        end=last,
    )
    progress(*STAGES["wellbeing"])
    wellbeing = _wellbeing(
        cohort_changes(
            viewer=viewer,
            organisation_id=organisation_id,
            service=service,
            area_id=area_id,
            start=first,
            end=last,
        )
    )
    progress(*STAGES["value"])
    value = value_table(
        viewer=viewer,
        organisation_id=organisation_id,
        service=service,
        area_id=area_id,
        start=first,
        end=last,
        price_year=report.price_year or None,
    ).as_json()
    progress(*STAGES["sroi"])
    sroi = _sroi(viewer, report)
    progress(*STAGES["network"])
    network = _network(viewer, report, hours, threshold)

    return {
        "organisation": report.organisation.name,
        "service": report.service,
        "service_label": report.service or ALL_SERVICES,
        "area": report.area.name if report.area is not None else None,
        "area_label": report.area.name if report.area is not None else ALL_AREAS,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "price_year": report.price_year,
        "suppression_threshold": threshold,
        "suppression_note": (
            f"A figure about fewer than {threshold} people is not shown (marked "
            f"“not shown”), so that no one can be picked out."
        ),
        "hours": hours,
        "outcomes": outcomes,
        "wellbeing": wellbeing,
        "value": value,
        "sroi": sroi,
        "network": network,
        "discounting": _discounting(sroi),
        "generated_at": timezone.now().isoformat(),
    }
