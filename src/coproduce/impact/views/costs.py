"""Unit-cost pages: the table of starter and own costs, adding a cost (managers), and the
deflator series that re-bases costs to a price year, edited a year at a time or imported whole.
Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.impact import costs
from coproduce.impact.forms_costs import DeflatorImportForm, DeflatorYearForm, UnitCostForm
from coproduce.impact.selectors import costs as selectors
from coproduce.impact.services import costs as services
from coproduce.impact.views.home import organisation_of
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of

# The deflator page holds both forms; each has a source field, so their ids differ.
YEAR_IDS = "year-%s"
IMPORT_IDS = "import-%s"


@login_required
def unit_cost_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    page = paginate(request, selectors.unit_costs(viewer, organisation_id), per_page=50)
    return render(
        request,
        "impact/unit_cost_list.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "page": page,
            "costs": page.object_list,
            "may_manage": permissions.may(viewer, "impact.manage", organisation_id),
        },
    )


@login_required
def unit_cost_add(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "impact.manage", organisation_id, action="add unit costs")
    form = UnitCostForm(form_data(request))
    added = form_submit(
        request,
        form,
        lambda d: services.unit_cost_add(
            viewer=viewer,
            organisation_id=organisation_id,
            code=d["code"],
            description=d["description"],
            unit=d["unit"],
            value=d["value"],
            price_year=d["price_year"],
            agency=d["agency"],
            kind=d["kind"],
            source=d["source"],
            agency_detail=d["agency_detail"],
        ),
    )
    if added is not None:
        messages.success(request, f"{added.code} is added to your unit costs.")
        return redirect("impact:unit_cost_list", organisation_id=organisation_id)
    return render(
        request,
        "impact/unit_cost_add.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "cancel_url": reverse("impact:unit_cost_list", args=[organisation_id]),
        },
        status=400 if form.errors else 200,
    )


def _series(organisation_id: int) -> list[dict[str, Any]]:
    return [
        {"year": costs.price_year_label(year), "index": index}
        for year, index in selectors.deflator_series(organisation_id).items()
    ]


def _deflator_page(
    request: HttpRequest,
    organisation_id: int,
    *,
    year_form: DeflatorYearForm | None = None,
    import_form: DeflatorImportForm | None = None,
) -> HttpResponse:
    viewer = viewer_of(request)
    may_manage = permissions.may(viewer, "impact.manage", organisation_id)
    failed = bool((year_form and year_form.errors) or (import_form and import_form.errors))
    return render(
        request,
        "impact/deflators.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "series": _series(organisation_id),
            "may_manage": may_manage,
            "year_form": year_form or (DeflatorYearForm(auto_id=YEAR_IDS) if may_manage else None),
            "import_form": import_form
            or (DeflatorImportForm(auto_id=IMPORT_IDS) if may_manage else None),
        },
        status=400 if failed else 200,
    )


@login_required
def deflators(request: HttpRequest, organisation_id: int) -> HttpResponse:
    # Reference figures, open to every active role (as the unit costs are).
    permissions.check(
        viewer_of(request), "impact.view", organisation_id, action="see its deflator series"
    )
    return _deflator_page(request, organisation_id)


@login_required
def deflator_year_set(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "impact.manage", organisation_id, action="edit the deflator series")
    form = DeflatorYearForm(form_data(request), auto_id=YEAR_IDS)
    entry = form_submit(
        request,
        form,
        lambda d: services.deflator_year_set(
            viewer=viewer,
            organisation_id=organisation_id,
            financial_year=d["financial_year"],
            index=d["index"],
            source=d["source"],
        ),
    )
    if entry is not None:
        messages.success(request, f"The index for {entry.financial_year} is {entry.index}.")
        return redirect("impact:deflators", organisation_id=organisation_id)
    return _deflator_page(request, organisation_id, year_form=form)


@login_required
def deflator_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "impact.manage", organisation_id, action="import a deflator series")
    form = DeflatorImportForm(form_data(request), request.FILES or None, auto_id=IMPORT_IDS)
    series = form_submit(
        request,
        form,
        lambda d: services.deflator_import(
            viewer=viewer, organisation_id=organisation_id, text=d["file"], source=d["source"]
        ),
        fields={"text": "file"},
    )
    if series is not None:
        if series:
            first, last = costs.price_year_label(min(series)), costs.price_year_label(max(series))
            messages.success(
                request,
                f"The deflator series is replaced: {len(series)} years, {first} to {last}.",
            )
        return redirect("impact:deflators", organisation_id=organisation_id)
    return _deflator_page(request, organisation_id, import_form=form)


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/costs/", unit_cost_list, name="unit_cost_list"),
    path("organisations/<int:organisation_id>/costs/add/", unit_cost_add, name="unit_cost_add"),
    path("organisations/<int:organisation_id>/deflators/", deflators, name="deflators"),
    path(
        "organisations/<int:organisation_id>/deflators/year/",
        deflator_year_set,
        name="deflator_year_set",
    ),
    path(
        "organisations/<int:organisation_id>/deflators/import/",
        deflator_import,
        name="deflator_import",
    ),
]
