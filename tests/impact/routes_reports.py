"""Evaluation report pages, for the permission matrix: coordinators, managers, commissioners
and administrators ask for reports and read them (figures only), with their PDF and
spreadsheet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import TestCase
from django.utils import timezone

from coproduce.impact.models import EvaluationReport
from coproduce.impact.services import reports
from tests.matrix import Route

AGGREGATES = frozenset({"coordinator", "manager", "commissioner", "admin"})


def report_for(world: Any, *, built: bool = True, **overrides: Any) -> EvaluationReport:
    """A report of the last 90 days asked for by world's manager; with ``built``, the task
    runs as the request commits (the immediate backend), so the report is done."""
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "period_start": today - timedelta(days=90),
        "period_end": today,
    }
    fields.update(overrides)
    with TestCase.captureOnCommitCallbacks(execute=built):
        report = reports.report_request(
            viewer=world.viewer("manager"), organisation_id=world.org.pk, **fields
        )
    report.refresh_from_db()
    return report


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _report(world: Any) -> dict[str, int]:
    return {"report_id": report_for(world).pk}


def _new_report(world: Any) -> dict[str, str]:
    today = timezone.localdate()
    return {"period_start": str(today - timedelta(days=30)), "period_end": str(today)}


ROUTES: list[Route] = [
    Route("impact:report_list", kwargs=_org, allowed=AGGREGATES),
    Route("impact:report_request", kwargs=_org, allowed=AGGREGATES),
    Route(
        "impact:report_request",
        kwargs=_org,
        allowed=AGGREGATES,
        method="post",
        data=_new_report,
        ok_status=302,
    ),
    Route("impact:report_detail", kwargs=_report, allowed=AGGREGATES),
    Route("impact:report_pdf", kwargs=_report, allowed=AGGREGATES),
    Route("impact:report_xlsx", kwargs=_report, allowed=AGGREGATES),
]
