"""SROI value-map pages: the list, uploading a value map (managers), a value map's SROI with
its yearly values and sensitivity, and deleting it after a confirmation. Thin: parse, call one
service or selector, render."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.impact import sroi
from coproduce.impact.forms_indicators import ConfirmForm
from coproduce.impact.forms_value_maps import ValueMapForm
from coproduce.impact.selectors import value_maps as selectors
from coproduce.impact.services import value_maps as services
from coproduce.impact.views.home import organisation_of
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of

# What each sensitivity column means, in the order the table shows them.
SENSITIVITY_COLUMNS = (
    ("quantity", "Quantity", ""),
    ("financial_proxy", "Financial proxy", "£"),
    ("deadweight", "Deadweight", "%"),
    ("displacement", "Displacement", "%"),
    ("attribution", "Attribution", "%"),
    ("drop_off", "Drop-off", "%"),
    ("duration", "Duration", "years"),
)


def _two_places(value: Fraction | Decimal) -> Decimal:
    return sroi.round_half_up(Fraction(value))


def _pence(value: Fraction | Decimal) -> int:
    return int(_two_places(value) * 100)


def _shown(value: Any, unit: str) -> str:
    if value is None:
        return "None in range"
    if unit == "£":
        return f"£{Decimal(str(value)):,.2f}"
    if unit == "years":
        return f"{value} year{'' if value == 1 else 's'}"
    return f"{Decimal(str(value)):,.2f}{unit}"


def sroi_summary(result: sroi.SroiResult) -> dict[str, Any]:
    """The SROI as the value map's page shows it: money in pence for ``pounds``, ratios and
    payback to 2 places, the yearly values as a chart, the sensitivity table."""
    figures = result.as_json()
    sensitivity = [
        {
            "stakeholder": row["stakeholder"],
            "outcome": row["outcome"],
            "cells": [_shown(row[key], unit) for key, _label, unit in SENSITIVITY_COLUMNS],
        }
        for row in figures["sensitivity"]["outcomes"]
    ]
    per_year = [
        (f"Year {year}", float(_two_places(value)))
        for year, value in enumerate(result.per_year, start=1)
    ]
    return {
        "present_value_pence": _pence(result.present_value),
        "investment_pence": _pence(result.investment),
        "ratio": _two_places(result.ratio),
        "net_ratio": _two_places(result.net_ratio),
        "payback_years": None
        if result.payback_years is None
        else _two_places(result.payback_years),
        "discount_rate": result.discount_rate,
        "discounting": result.discounting,
        "per_year": [
            {"year": year, "pence": _pence(value)}
            for year, value in enumerate(result.per_year, start=1)
        ],
        "per_year_chart": bar_chart(
            title="Value in each year, before discounting",
            rows=per_year,
            unit="£",
            caption="Every outcome's value in the year, after deadweight, displacement, "
            "attribution and drop-off.",
        ),
        "outcomes": [
            {
                **row,
                "present_value_pence": _pence(Decimal(str(row["present_value"]))),
                "financial_proxy_pence": _pence(Decimal(str(row["financial_proxy"]))),
            }
            for row in figures["outcomes"]
        ],
        "sensitivity_columns": [label for _key, label, _unit in SENSITIVITY_COLUMNS],
        "sensitivity": sensitivity,
        "sensitivity_discount_rate": _shown(figures["sensitivity"]["discount_rate"], "%"),
    }


@login_required
def value_map_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    maps = selectors.value_map_list(viewer=viewer, organisation_id=organisation_id)
    page = paginate(request, maps, per_page=25)
    return render(
        request,
        "impact/value_map_list.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "page": page,
            "maps": page.object_list,
            "may_manage": permissions.may(viewer, "impact.manage", organisation_id),
        },
    )


@login_required
def value_map_upload(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "impact.manage", organisation_id, action="add value maps")
    form = ValueMapForm(form_data(request), request.FILES or None)
    made = form_submit(
        request,
        form,
        lambda d: services.value_map_create(
            viewer=viewer,
            organisation_id=organisation_id,
            service=d["service"],
            title=d["title"],
            inputs=d["inputs"],
            investment=d["investment"],
            discount_rate=d["discount_rate"],
            discount_year_one=d["discount_year_one"],
            csv_text=d["file"],
        ),
        fields={"csv_text": "file"},
    )
    if made is not None:
        messages.success(request, f"“{made.title}” is saved.")
        return redirect("impact:value_map_detail", value_map_id=made.pk)
    return render(
        request,
        "impact/value_map_upload.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "columns": sroi.CSV_COLUMNS,
            "cancel_url": reverse("impact:value_map_list", args=[organisation_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def value_map_detail(request: HttpRequest, value_map_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    value_map = selectors.value_map_get(viewer=viewer, value_map_id=value_map_id)
    return render(
        request,
        "impact/value_map_detail.html",
        {
            "value_map": value_map,
            "result": sroi_summary(selectors.value_map_sroi(value_map)),
            "may_manage": permissions.may(viewer, "impact.manage", value_map.organisation_id),
        },
    )


@login_required
def value_map_delete(request: HttpRequest, value_map_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    value_map = selectors.access_value_map(
        viewer, value_map_id=value_map_id, ability="impact.manage"
    )
    form = ConfirmForm(form_data(request))

    def delete(_data: dict[str, Any]) -> bool:
        services.value_map_delete(viewer=viewer, value_map_id=value_map_id)
        return True

    deleted = form_submit(request, form, delete)
    if deleted is not None:
        messages.success(request, f"“{value_map.title}” is deleted.")
        return redirect("impact:value_map_list", organisation_id=value_map.organisation_id)
    return render(
        request,
        "impact/value_map_delete.html",
        {
            "value_map": value_map,
            "form": form,
            "cancel_url": reverse("impact:value_map_detail", args=[value_map_id]),
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/value-maps/", value_map_list, name="value_map_list"),
    path(
        "organisations/<int:organisation_id>/value-maps/upload/",
        value_map_upload,
        name="value_map_upload",
    ),
    path("value-maps/<int:value_map_id>/", value_map_detail, name="value_map_detail"),
    path("value-maps/<int:value_map_id>/delete/", value_map_delete, name="value_map_delete"),
]
