"""Impact's menu item and dashboard panels: outcome indicators waiting for the viewer's view
(anyone who may agree to them), and, for those who verify, outcome records waiting to be
verified."""

from __future__ import annotations

from django.urls import reverse

from coproduce.framework.navigation import NavItem, Panel
from coproduce.impact.models import IndicatorStatus, OutcomeIndicator, OutcomeRecord
from coproduce.impact.selectors.outcomes import indicator_list, record_list
from coproduce.people.permissions import Viewer

PANEL_ROWS = 10


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.organisation_ids("impact.view"):
        return []
    return [NavItem("Impact", reverse("impact:home"), order=57)]


def dashboard_panels(viewer: Viewer) -> list[Panel]:
    panels: list[Panel] = []
    person_id = viewer.person_id or 0
    waiting: list[OutcomeIndicator] = []
    for organisation_id in viewer.organisation_ids("impact.propose"):
        found = (
            indicator_list(viewer=viewer, organisation_id=organisation_id)
            .filter(status=IndicatorStatus.PROPOSED)
            .exclude(proposed_by_id=person_id)
            .exclude(agreements__person_id=person_id)
            .select_related("organisation")
            .prefetch_related(None)
        )
        waiting.extend(found[: PANEL_ROWS - len(waiting)])
        if len(waiting) >= PANEL_ROWS:
            break
    if waiting:
        rows = [
            {"url": reverse("impact:indicator_detail", args=[i.pk]), "indicator": i}
            for i in waiting
        ]
        panels.append(
            Panel(
                "Outcome indicators waiting for your view",
                "impact/_dashboard_indicators.html",
                {"rows": rows},
                order=45,
            )
        )
    unverified: list[OutcomeRecord] = []
    for organisation_id in viewer.organisation_ids("impact.verify"):
        found_records = record_list(
            viewer=viewer, organisation_id=organisation_id, verified=False
        ).exclude(recorded_by_id=person_id)
        unverified.extend(found_records[: PANEL_ROWS - len(unverified)])
        if len(unverified) >= PANEL_ROWS:
            break
    if unverified:
        rows = [
            {"url": reverse("impact:outcome_verify", args=[r.pk]), "record": r} for r in unverified
        ]
        panels.append(
            Panel(
                "Outcome records waiting to be verified",
                "impact/_dashboard_records.html",
                {"rows": rows},
                order=65,
            )
        )
    return panels
