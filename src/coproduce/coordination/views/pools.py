"""Coordination pages: pooled personal budgets. Thin: parse, call one service or selector,
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse

from coproduce.coordination.forms_pools import (
    BudgetAllocateForm,
    ContributeForm,
    ContributeForSomeoneForm,
    PoolCreateForm,
    SpendForm,
)
from coproduce.coordination.models import PoolStatus
from coproduce.coordination.selectors import pools as selectors
from coproduce.coordination.services import pools as services
from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.framework.amounts import PENCE, amount_format
from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.permissions import Viewer, viewer_of

SPLIT_RULE = (
    "Each spend is drawn from the shares in proportion to what each still holds. Parts are "
    "whole pence: each share gives the whole pence of its exact part, and any pence left "
    "over come one each from the shares with the largest remainders, so the parts always "
    "add up to the spend exactly."
)


def _own_summary(viewer: Viewer, organisation_id: int) -> selectors.BudgetSummary | None:
    account = selectors.own_budget(viewer=viewer, organisation_id=organisation_id)
    if account is None:
        return None
    return selectors.budget_summaries([account])[0]


@login_required
def pool_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The pools the viewer may see, with their own budget and shares."""
    viewer = viewer_of(request)
    page = paginate(
        request, selectors.pools_visible(viewer=viewer, organisation_id=organisation_id)
    )
    return render(
        request,
        "coordination/pools_list.html",
        {
            "organisation_id": organisation_id,
            "page": page,
            "own": _own_summary(viewer, organisation_id),
            "shares": selectors.own_shares(viewer=viewer, organisation_id=organisation_id),
            "may_start": selectors.may_start_pool(viewer, organisation_id),
            "coordinates": permissions.may(viewer, "coordination.coordinate", organisation_id),
        },
    )


@login_required
def pool_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "coordination.take_part", organisation_id, action="start a pool")
    if not selectors.may_start_pool(viewer, organisation_id):
        raise PermissionDenied(
            "Only coordinators, or people with a personal budget here, can start a pool."
        )
    form = PoolCreateForm(form_data(request))
    pool = form_submit(
        request,
        form,
        lambda d: services.pool_create(
            viewer=viewer, organisation_id=organisation_id, name=d["name"], purpose=d["purpose"]
        ),
    )
    if pool is not None:
        messages.success(request, "The pool is started. Budget holders can now contribute.")
        return redirect("coordination:pool_detail", pool_id=pool.pk)
    return render(
        request,
        "coordination/pools_create.html",
        {"form": form, "cancel_url": reverse("coordination:pool_list", args=[organisation_id])},
    )


@login_required
def pool_detail(request: HttpRequest, pool_id: int) -> HttpResponse:
    """A pool: its totals and spends for everyone who may see it; each share by name (and a
    chart of them) for coordinators; the viewer's own share and part of each spend."""
    viewer = viewer_of(request)
    pool, kind = selectors.access_pool_by_id(viewer=viewer, pool_id=pool_id)
    figures = selectors.pool_figures(viewer=viewer, pool=pool, kind=kind)
    page = paginate(request, selectors.pool_spends(pool))
    own_parts = selectors.own_spend_parts(viewer=viewer, pool=pool) if figures.own else {}
    spends = [
        {"spend": spend, "own_part": own_parts.get(spend.transfer_id)} for spend in page.object_list
    ]
    chart = None
    if kind == selectors.COORDINATOR and figures.shares:
        chart = bar_chart(
            title=f"What remains of each share in {pool.name}",
            rows=[(share.name, share.remaining / 100) for share in figures.shares],
            unit="£",
        )
    is_open = pool.status == PoolStatus.OPEN
    return render(
        request,
        "coordination/pools_detail.html",
        {
            "pool": pool,
            "kind": kind,
            "figures": figures,
            "page": page,
            "spends": spends,
            "chart": chart,
            "split_rule": SPLIT_RULE,
            "may_contribute": selectors.may_contribute(viewer, pool, kind),
            "may_manage": kind == selectors.COORDINATOR and is_open,
        },
    )


@login_required
def pool_contribute(request: HttpRequest, pool_id: int) -> HttpResponse:
    """Put part of a personal budget into the pool: your own, or (a coordinator) the budget
    of someone who has agreed."""
    viewer = viewer_of(request)
    pool, kind = selectors.access_pool_by_id(
        viewer=viewer, pool_id=pool_id, action="contribute to a pool"
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is closed; it takes no more contributions.")
    if not selectors.may_contribute(viewer, pool, kind):
        raise PermissionDenied("Only people with a personal budget here can contribute.")
    for_someone = kind == selectors.COORDINATOR
    form: ContributeForm | ContributeForSomeoneForm = (
        ContributeForSomeoneForm(form_data(request))
        if for_someone
        else ContributeForm(form_data(request))
    )
    done = form_submit(
        request,
        form,
        lambda d: services.pool_contribute(
            viewer=viewer,
            pool_id=pool_id,
            amount=d["amount"],
            number=d.get("number", ""),
            agreed=d.get("agreed", False),
        ),
    )
    if done is not None:
        messages.success(
            request, f"{amount_format(done.amount, PENCE)} is now in the pool {pool.name}."
        )
        return redirect("coordination:pool_detail", pool_id=pool_id)
    return render(
        request,
        "coordination/pools_contribute.html",
        {
            "form": form,
            "pool": pool,
            "own": _own_summary(viewer, pool.organisation_id),
            "for_someone": for_someone,
            "cancel_url": reverse("coordination:pool_detail", args=[pool_id]),
        },
    )


@login_required
def pool_spend(request: HttpRequest, pool_id: int) -> HttpResponse:
    """Record a spend (coordinators): the form, then a confirmation showing what it draws
    from each share, then the spend itself."""
    viewer = viewer_of(request)
    pool, _kind = selectors.access_pool_by_id(
        viewer=viewer,
        pool_id=pool_id,
        ability="coordination.coordinate",
        action="record a spend from a pool",
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is closed; it can no longer spend.")
    form = SpendForm(form_data(request))
    context: dict[str, Any] = {
        "form": form,
        "pool": pool,
        "split_rule": SPLIT_RULE,
        "cancel_url": reverse("coordination:pool_detail", args=[pool_id]),
    }
    if request.POST.get("confirmed") == "yes":
        spend = form_submit(
            request,
            form,
            lambda d: services.pool_spend(
                viewer=viewer,
                pool_id=pool_id,
                amount=d["amount"],
                description=d["description"],
                spent_on=d["spent_on"],
            ),
        )
        if spend is not None:
            messages.success(
                request,
                f"Spend of {amount_format(spend.transfer.amount, PENCE)} recorded, drawn "
                "from the shares.",
            )
            return redirect("coordination:pool_detail", pool_id=pool_id)
    else:
        preview = form_submit(
            request,
            form,
            lambda d: selectors.spend_preview(viewer=viewer, pool_id=pool_id, amount=d["amount"]),
        )
        if preview is not None:
            data = form.cleaned_data
            context.update(
                parts=preview[1],
                amount=data["amount"],
                hidden={
                    "amount": f"{data['amount'] // 100}.{data['amount'] % 100:02d}",
                    "description": data["description"],
                    "spent_on": data["spent_on"].isoformat(),
                },
            )
            return render(request, "coordination/pools_spend_confirm.html", context)
    return render(request, "coordination/pools_spend.html", context)


@login_required
def pool_close(request: HttpRequest, pool_id: int) -> HttpResponse:
    """Close the pool after a confirmation that lists what goes back to each budget."""
    viewer = viewer_of(request)
    pool, returns = selectors.close_preview(viewer=viewer, pool_id=pool_id)
    error = ""
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.pool_close(viewer=viewer, pool_id=pool_id)
        except (InvalidInput, Conflict) as refused:
            error = refused.message
        else:
            messages.success(request, "The pool is closed. What remained is back in each budget.")
            return redirect("coordination:pool_detail", pool_id=pool_id)
    return render(
        request,
        "coordination/pools_close.html",
        {
            "pool": pool,
            "returns": returns,
            "total": sum(share.remaining for share in returns),
            "error": error,
            "cancel_url": reverse("coordination:pool_detail", args=[pool_id]),
        },
    )


@login_required
def budget_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Personal budgets: a coordinator sees every budget holder's; anyone else their own."""
    viewer = viewer_of(request)
    own = _own_summary(viewer, organisation_id)
    coordinates = permissions.may(viewer, "coordination.coordinate", organisation_id)
    page = None
    if coordinates:
        page = paginate(
            request, selectors.budget_holders(viewer=viewer, organisation_id=organisation_id)
        )
        page.object_list = selectors.budget_summaries(list(page.object_list))
    return render(
        request,
        "coordination/pools_budgets.html",
        {
            "organisation_id": organisation_id,
            "own": own,
            "shares": selectors.own_shares(viewer=viewer, organisation_id=organisation_id),
            "coordinates": coordinates,
            "page": page,
        },
    )


@login_required
def budget_allocate(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="record personal budgets"
    )
    form = BudgetAllocateForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.budget_allocate(
            viewer=viewer,
            organisation_id=organisation_id,
            number=d["number"],
            amount=d["amount"],
            reason=d["reason"],
        ),
    )
    if done is not None:
        assert done.on_behalf_of is not None
        messages.success(
            request,
            f"{amount_format(done.amount, PENCE)} recorded as personal budget for "
            f"{done.on_behalf_of.display_name}.",
        )
        return redirect("coordination:budget_list", organisation_id=organisation_id)
    return render(
        request,
        "coordination/pools_budget_allocate.html",
        {"form": form, "cancel_url": reverse("coordination:budget_list", args=[organisation_id])},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("organisations/<int:organisation_id>/pools/", pool_list, name="pool_list"),
    path("organisations/<int:organisation_id>/pools/new/", pool_create, name="pool_create"),
    path("pools/<int:pool_id>/", pool_detail, name="pool_detail"),
    path("pools/<int:pool_id>/contribute/", pool_contribute, name="pool_contribute"),
    path("pools/<int:pool_id>/spend/", pool_spend, name="pool_spend"),
    path("pools/<int:pool_id>/close/", pool_close, name="pool_close"),
    path("organisations/<int:organisation_id>/budgets/", budget_list, name="budget_list"),
    path(
        "organisations/<int:organisation_id>/budgets/allocate/",
        budget_allocate,
        name="budget_allocate",
    ),
]
