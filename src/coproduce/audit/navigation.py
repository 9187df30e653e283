"""The audit's menu item and dashboard panels: questionnaires waiting for the viewer, and, for
managers, the rounds open in their organisations."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import Respondent
from coproduce.audit.selectors.rounds import my_questionnaires, round_list
from coproduce.framework.navigation import NavItem, Panel
from coproduce.people.permissions import Viewer

PANEL_ROWS = 10


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.organisation_ids("audit.view"):
        return []
    return [NavItem("Audits", reverse("audit:home"), order=55)]


def dashboard_panels(viewer: Viewer) -> list[Panel]:
    today = timezone.localdate()
    panels: list[Panel] = []
    waiting: list[Respondent] = list(
        my_questionnaires(viewer).filter(
            submitted_at__isnull=True,
            round__closed_at__isnull=True,
            round__opens_on__lte=today,
            round__closes_on__gte=today,
        )[:PANEL_ROWS]
    )
    if waiting:
        rows = [
            {
                "url": reverse("audit:respond", args=[r.round_id]),
                "round": r.round,
                "started": r.started_at is not None,
            }
            for r in waiting
        ]
        panels.append(
            Panel(
                "Questionnaires waiting for you",
                "audit/_dashboard_waiting.html",
                {"rows": rows},
                order=20,
            )
        )
    running = viewer.organisation_ids("audit.run")
    if running:
        open_rounds = round_list(viewer).filter(
            organisation_id__in=running,
            closed_at__isnull=True,
            opens_on__lte=today,
            closes_on__gte=today,
        )[:PANEL_ROWS]
        rows = [
            {
                "url": reverse("audit:round_detail", args=[r.pk]),
                "round": r,
                "staff": r.staff_sent,  # type: ignore[attr-defined]
                "members": r.members_sent,  # type: ignore[attr-defined]
            }
            for r in open_rounds
        ]
        if rows:
            panels.append(
                Panel(
                    "Audit rounds open now",
                    "audit/_dashboard_rounds.html",
                    {"rows": rows},
                    order=60,
                )
            )
    return panels
