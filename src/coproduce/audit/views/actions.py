"""Action plan and barrier pages. Thin: parse, call one service, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from coproduce.audit.barriers import barrier_register
from coproduce.audit.forms_actions import ActionForm, ActionUpdateForm, BarrierForm
from coproduce.audit.instruments import Instrument
from coproduce.audit.models import Action
from coproduce.audit.selectors import actions as selectors
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.audit.services import actions as services
from coproduce.audit.services.barriers import barrier_record
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of


def _rows(
    actions: list[Action], *, instrument: Instrument | None, today: date
) -> list[dict[str, Any]]:
    """Each action with its item, looked up in ``instrument`` or, when None, in the instrument
    of the action's own round (an earlier round may have used another version)."""
    by_round: dict[int, Instrument] = {}

    def item_of(action: Action) -> Any:
        if not action.item_code:
            return None
        used = instrument
        if used is None:
            if action.round_id not in by_round:
                by_round[action.round_id] = round_instrument(action.round)
            used = by_round[action.round_id]
        return used.item(action.item_code)

    return [
        {"action": action, "item": item_of(action), "overdue": selectors.is_overdue(action, today)}
        for action in actions
    ]


@login_required
def action_plan(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    round_ = access_round(viewer, round_id=round_id)
    instrument = round_instrument(round_)
    writer = selectors.may_write(viewer, round_)
    if request.method == "POST" and not writer:
        permissions.check(
            viewer, "audit.run", round_.organisation_id, action="add to the action plan"
        )
    form = None
    if writer:
        wanted = request.GET.get("item", "")
        item = instrument.item(wanted) if wanted else None
        form = ActionForm(
            form_data(request),
            instrument=instrument,
            owners=list(selectors.owner_choices(round_)),
            initial={"item_code": item.code, "title": f"Improve: {item.text}"} if item else {},
        )
        added = form_submit(
            request,
            form,
            lambda d: services.action_add(
                viewer=viewer,
                round_id=round_id,
                title=d["title"],
                due_on=d["due_on"],
                item_code=d["item_code"],
                owner_membership_id=d["owner"],
                detail=d["detail"],
            ),
            fields={"owner_membership_id": "owner"},
        )
        if added is not None:
            messages.success(request, f"“{added.title}” is added to the action plan.")
            return redirect("audit:actions", round_id=round_id)
    today = timezone.localdate()
    weakest = selectors.weakest_items(selectors.round_score(round_, instrument), instrument)
    page = paginate(request, selectors.round_actions(round_), per_page=25)
    previous = list(selectors.previous_actions(round_)[:50])
    return render(
        request,
        "audit/actions.html",
        {
            "round": round_,
            "form": form,
            "may_write": writer,
            "show_owners": selectors.shows_owners(viewer, round_),
            "weakest": weakest,
            "page": page,
            "rows": _rows(list(page.object_list), instrument=instrument, today=today),
            "previous": _rows(previous, instrument=None, today=today),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    action = selectors.access_action(viewer, action_id=action_id)
    if not selectors.may_update(viewer, action):
        permissions.check(
            viewer, "audit.run", action.round.organisation_id, action="update this action"
        )
    manager = selectors.may_write(viewer, action.round)
    form = ActionUpdateForm(
        form_data(request),
        may_change_due=manager,
        initial={
            "status": action.status,
            "progress_note": action.progress_note,
            "due_on": action.due_on,
        },
    )
    saved = form_submit(
        request,
        form,
        lambda d: services.action_update(
            viewer=viewer,
            action_id=action_id,
            status=d["status"],
            progress_note=d["progress_note"],
            due_on=d.get("due_on"),
        ),
    )
    if saved is not None:
        messages.success(request, f"“{saved.title}” is now {saved.get_status_display().lower()}.")
        return redirect("audit:actions", round_id=action.round_id)
    instrument = round_instrument(action.round)
    return render(
        request,
        "audit/action_update.html",
        {
            "action": action,
            "round": action.round,
            "item": instrument.item(action.item_code) if action.item_code else None,
            "form": form,
            "show_owners": selectors.shows_owners(viewer, action.round),
        },
        status=400 if form.errors else 200,
    )


@login_required
def barriers(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    round_ = access_round(viewer, round_id=round_id)
    instrument = round_instrument(round_)
    recorder = permissions.may(viewer, "audit.enter_paper", round_.organisation_id)
    if request.method == "POST" and not recorder:
        permissions.check(
            viewer, "audit.enter_paper", round_.organisation_id, action="record a barrier"
        )
    form = None
    if recorder:
        form = BarrierForm(form_data(request), instrument=instrument)
        recorded = form_submit(
            request,
            form,
            lambda d: barrier_record(
                viewer=viewer,
                round_id=round_id,
                description=d["description"],
                section_code=d["section_code"],
            ),
        )
        if recorded is not None:
            messages.success(request, "The barrier is recorded.")
            return redirect("audit:barriers", round_id=round_id)
    page = paginate(request, selectors.round_barriers(round_), per_page=25)
    sections = {section.code: section.title for section in instrument.sections}
    return render(
        request,
        "audit/barriers.html",
        {
            "round": round_,
            "form": form,
            "page": page,
            "rows": [
                {"barrier": b, "section": sections.get(b.section_code, "")}
                for b in page.object_list
            ],
            "has_register": barrier_register() is not None,
        },
        status=400 if form is not None and form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("rounds/<int:round_id>/actions/", action_plan, name="actions"),
    path("actions/<int:action_id>/", action_update, name="action_update"),
    path("rounds/<int:round_id>/barriers/", barriers, name="barriers"),
]
