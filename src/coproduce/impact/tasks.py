"""Evaluation reports are built in the background, never inside a web request."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from coproduce.errors import CoproduceError
from coproduce.impact.models import EvaluationReport, ReportStatus
from coproduce.impact.report import report_figures
from coproduce.people.permissions import ANONYMOUS, viewer_for

logger = logging.getLogger(__name__)


def _save(report: EvaluationReport, **changes: object) -> None:
    for name, value in changes.items():
        setattr(report, name, value)
    report.save(update_fields=list(changes))


@task()
def report_build(report_id: int) -> str:
    """Build a queued report with the permissions its requester holds now, saving the
    progress as each stage starts; the report ends done with its figures, or failed with
    the reason. A report that is not waiting (already built, or taken by another worker) is
    left alone."""
    claimed = EvaluationReport.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=0, stage="Starting"
    )
    if not claimed:
        return "skipped"
    report = EvaluationReport.objects.select_related(
        "organisation", "area", "requested_by__user"
    ).get(pk=report_id)
    requester = report.requested_by
    viewer = viewer_for(requester.user) if requester is not None else ANONYMOUS

    def progress(percent: int, stage: str) -> None:
        _save(report, progress=percent, stage=stage)

    try:
        figures = report_figures(viewer=viewer, report=report, progress=progress)
    except CoproduceError as error:
        # Refused or bad input (the requester has since lost the role, a price year the
        # deflator series lacks): the message is for the person who asked.
        _save(
            report,
            status=ReportStatus.FAILED,
            error=error.message,
            stage=f"Failed: {report.stage}",
            finished_at=timezone.now(),
        )
        return ReportStatus.FAILED.value
    except Exception as error:
        logger.exception("Evaluation report %s failed", report_id)
        _save(
            report,
            status=ReportStatus.FAILED,
            error=(
                f"The report could not be built ({type(error).__name__} while "
                f"{report.stage.lower()}). Ask for it again; if it fails again, tell the "
                "site's administrators."
            ),
            stage=f"Failed: {report.stage}",
            finished_at=timezone.now(),
        )
        raise
    _save(
        report,
        figures=figures,
        status=ReportStatus.DONE,
        progress=100,
        stage="Ready",
        error="",
        finished_at=timezone.now(),
    )
    return ReportStatus.DONE.value
