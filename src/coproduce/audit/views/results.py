"""Results of a round: the page, a PDF and a CSV download. Thin: one selector, then render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from coproduce.audit.pdf import results_pdf
from coproduce.audit.selectors import results as selectors
from coproduce.framework.charts import bar_chart, radar_chart
from coproduce.people.permissions import viewer_of


def _filename(data: selectors.RoundResult, extension: str) -> str:
    return f"audit-round-{data.round.pk}-results.{extension}"


def _rows(data: selectors.RoundResult) -> list[dict[str, Any]]:
    rows = []
    for row in (*data.result.sections, data.result.overall):
        rows.append(
            {
                "row": row,
                "change": data.change.get(row.code, {}),
                "staff_higher": row.gap is not None and row.gap >= selectors.GAP_FLAG,
                "is_overall": row.code == "overall",
            }
        )
    return rows


@login_required
def results(request: HttpRequest, round_id: int) -> HttpResponse:
    data = selectors.round_result(viewer_of(request), round_id)
    result = data.result
    titles = [row.title for row in result.sections]

    def floats(group: str) -> list[float | None]:
        return [
            float(s) if (s := getattr(row, group).score) is not None else None
            for row in result.sections
        ]

    radar = radar_chart(
        title="Staff and members' scores by feature",
        axes=titles,
        series=[("Staff", floats("staff")), ("Members", floats("member"))],
        minimum=data.instrument.scale.min,
        maximum=data.instrument.scale.max,
        missing=f"Not shown: fewer than {result.threshold} responses",
    )
    bar_rows: list[tuple[str, float, str]] = []
    for row in result.sections:
        for group, name in (("staff", "Staff"), ("member", "Members")):
            score = getattr(row, group).score
            if score is not None:
                bar_rows.append((f"{row.title} — {name.lower()}", float(score), name))
    bars = bar_chart(title="Scores by feature", rows=bar_rows)
    ladder = data.instrument.ladder
    ladder_rows = []
    ladder_bars: list[tuple[str, float, str]] = []
    if ladder is not None:
        for rung in ladder.rungs:
            counts = {g: result.ladder[g].get(rung.code) for g in ("staff", "member")}
            ladder_rows.append({"rung": rung, **counts})
            for group, name in (("staff", "Staff"), ("member", "Members")):
                count = counts[group]
                if count is not None:
                    ladder_bars.append((f"{rung.label} — {name.lower()}", count, name))
    return render(
        request,
        "audit/results.html",
        {
            "data": data,
            "round": data.round,
            "rows": _rows(data),
            "threshold": result.threshold,
            "radar": radar,
            "bars": bars,
            "ladder": ladder,
            "ladder_rows": ladder_rows,
            "ladder_respondents": result.ladder_respondents,
            "ladder_chart": bar_chart(title="Where people place the service", rows=ladder_bars)
            if ladder_bars
            else "",
        },
    )


@login_required
def results_pdf_download(request: HttpRequest, round_id: int) -> HttpResponse:
    data = selectors.round_result(viewer_of(request), round_id)
    response = HttpResponse(results_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "pdf")}"'
    return response


@login_required
def results_csv_download(request: HttpRequest, round_id: int) -> HttpResponse:
    data = selectors.round_result(viewer_of(request), round_id)
    response = HttpResponse(selectors.results_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "csv")}"'
    return response


urlpatterns: list[URLPattern] = [
    path("rounds/<int:round_id>/results/", results, name="results"),
    path("rounds/<int:round_id>/results.pdf", results_pdf_download, name="results_pdf"),
    path("rounds/<int:round_id>/results.csv", results_csv_download, name="results_csv"),
]
