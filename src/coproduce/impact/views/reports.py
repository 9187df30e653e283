"""Evaluation report pages: the list, asking for a report, a report's page (its progress while
it is built, polled with htmx, then every section with charts), and its PDF and spreadsheet.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.impact.forms_reports import ReportRequestForm
from coproduce.impact.models import EvaluationReport, ReportStatus
from coproduce.impact.report_pdf import report_pdf
from coproduce.impact.report_tables import Cell, Hours, Number, Percent, Pounds, report_sections
from coproduce.impact.report_xlsx import report_xlsx
from coproduce.impact.selectors import outcomes as outcome_selectors
from coproduce.impact.selectors import reports as selectors
from coproduce.impact.selectors.wellbeing import wellbeing_charts
from coproduce.impact.services import reports as services
from coproduce.impact.views.home import organisation_of
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of

POLL_SECONDS = 2
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _in_progress(report: EvaluationReport) -> bool:
    return report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)


@login_required
def report_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    page = paginate(
        request, selectors.report_list(viewer=viewer, organisation_id=organisation_id), per_page=25
    )
    return render(
        request,
        "impact/report_list.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "page": page,
            "reports": page.object_list,
        },
    )


@login_required
def report_request(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "impact.report", organisation_id, action="ask for an evaluation report"
    )
    names = outcome_selectors.services_of(viewer=viewer, organisation_id=organisation_id)
    today = timezone.localdate()
    form = ReportRequestForm(
        form_data(request),
        services=names,
        initial={"period_start": today - timedelta(days=365), "period_end": today},
    )
    requested = form_submit(
        request,
        form,
        lambda d: services.report_request(
            viewer=viewer,
            organisation_id=organisation_id,
            service=d["service"],
            area_id=d["area"].pk if d["area"] is not None else None,
            period_start=d["period_start"],
            period_end=d["period_end"],
            price_year=d["price_year"],
        ),
        fields={"area_id": "area"},
    )
    if requested is not None:
        messages.success(request, "The report is being built. This page shows how far it has got.")
        return redirect("impact:report_detail", report_id=requested.pk)
    return render(
        request,
        "impact/report_request.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "cancel_url": reverse("impact:report_list", args=[organisation_id]),
        },
        status=400 if form.errors else 200,
    )


def _cell(cell: Cell) -> dict[str, Any]:
    return {
        "text": "" if cell is None else str(cell),
        "numeric": isinstance(cell, Pounds | Hours | Number | Percent),
    }


def _charts(figures: dict[str, Any]) -> dict[str, list[SafeString]]:
    """The charts drawn after each section's tables, by the section's title."""
    charts: dict[str, list[SafeString]] = {}
    hours = figures["hours"]
    if not hours["suppressed"] and hours["by_month"]:
        charts["Hours"] = [
            bar_chart(
                title="Hours exchanged each month",
                rows=[
                    (month["label"], (month["minutes"] or 0) / 60) for month in hours["by_month"]
                ],
                unit="hours",
            )
        ]
    value_rows: list[tuple[str, float, str]] = []
    for row in figures["value"]["rows"]:
        value_rows.append((f"{row['label']} — cashable", row["cashable_pence"] / 100, "Cashable"))
        value_rows.append(
            (f"{row['label']} — non-cashable", row["non_cashable_pence"] / 100, "Non-cashable")
        )
    if value_rows:
        charts["Value by budget holder"] = [
            bar_chart(
                title="Value by budget holder, after optimism bias",
                rows=value_rows,
                unit="£",
            )
        ]
    charts["Wellbeing"] = wellbeing_charts(figures["wellbeing"])
    charts["SROI"] = [
        bar_chart(
            title=f"{entry['title']}: value in each year, before discounting",
            rows=[
                (f"Year {year}", float(Decimal(str(amount))))
                for year, amount in enumerate(entry["per_year"], start=1)
            ],
            unit="£",
            caption=f"Ratio £{entry['ratio']:.2f} for each £1; {entry['setting']}.",
        )
        for entry in figures["sroi"]
    ]
    network = figures["network"]
    quarters = network.get("new_ties_per_quarter") or {}
    if not network["suppressed"] and quarters:
        charts["Network"] = [
            bar_chart(
                title="Ties new in each quarter",
                rows=[(quarter.replace("-", " "), count) for quarter, count in quarters.items()],
                unit="ties",
            )
        ]
    return charts


def _sections(figures: dict[str, Any]) -> list[dict[str, Any]]:
    charts = _charts(figures)
    return [
        {
            "title": section.title,
            "tables": [
                {
                    "title": table.title,
                    "header": table.header,
                    "rows": [[_cell(cell) for cell in row] for row in table.rows],
                    "total_row": table.total_row,
                }
                for table in section.tables
            ],
            "notes": section.notes,
            "charts": charts.get(section.title, []),
        }
        for section in report_sections(figures)
    ]


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    report = selectors.report_get(viewer=viewer, report_id=report_id)
    done = report.status == ReportStatus.DONE and bool(report.figures)
    context = {
        "report": report,
        "in_progress": _in_progress(report),
        "done": done,
        "poll_seconds": POLL_SECONDS,
        "sections": _sections(report.figures) if done and report.figures else [],
        "figures": report.figures if done else None,
    }
    # While it is built, htmx asks for the report's body again every few seconds: the body
    # alone, so the page around it (and the reader's place in it) stays put.
    template = (
        "impact/_report_body.html"
        if getattr(request, "htmx", False)
        else "impact/report_detail.html"
    )
    return render(request, template, context)


def _download(
    report: EvaluationReport, body: bytes, content_type: str, extension: str
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-report-{report.pk}.{extension}"'
    )
    return response


@login_required
def report_pdf_download(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(viewer=viewer_of(request), report_id=report_id)
    return _download(report, report_pdf(report), "application/pdf", "pdf")


@login_required
def report_xlsx_download(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(viewer=viewer_of(request), report_id=report_id)
    return _download(report, report_xlsx(report), XLSX, "xlsx")


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/reports/", report_list, name="report_list"),
    path(
        "organisations/<int:organisation_id>/reports/request/",
        report_request,
        name="report_request",
    ),
    path("reports/<int:report_id>/", report_detail, name="report_detail"),
    path("reports/<int:report_id>/report.pdf", report_pdf_download, name="report_pdf"),
    path("reports/<int:report_id>/report.xlsx", report_xlsx_download, name="report_xlsx"),
]
