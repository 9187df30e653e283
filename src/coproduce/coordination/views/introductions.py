"""Coordination pages: introductions to people, groups and places. Thin: parse, call one
service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse

from coproduce.coordination.forms_introductions import (
    AgreeForm,
    DeclineForm,
    FollowUpForm,
    IntroductionForm,
    ListFilterForm,
    StatusForm,
)
from coproduce.coordination.models import Goal, Introduction, PeerGroup, Plan, TargetKind
from coproduce.coordination.selectors import introductions as selectors
from coproduce.coordination.selectors.plans import access_plan_by_id, plan_reader_kind
from coproduce.coordination.services import introductions as services
from coproduce.directory.models import Asset
from coproduce.errors import InvalidInput, PermissionDenied
from coproduce.framework.api_bounds import MAX_BIGINT
from coproduce.framework.forms import form_data, form_submit, long_date
from coproduce.framework.pagination import paginate
from coproduce.people.models import Membership
from coproduce.people.permissions import Viewer, viewer_of

SEARCH_LIMIT = 100


def _query_id(request: HttpRequest, name: str) -> int | None:
    """A whole-number id from the query string (none when absent), range-checked."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_BIGINT:
        raise InvalidInput(name, "This must be the number of a record.")
    return int(raw)


def _left(group: PeerGroup) -> int:
    assert group.capacity is not None
    return group.capacity - int(getattr(group, "members_now", 0))


def _choices(
    plan: Plan, goal: Goal | None, text: str, chosen: Membership | PeerGroup | Asset | None
) -> dict[str, Any]:
    """The short lists the chooser offers, with a linked target kept at the top."""
    people = [
        (m.pk, f"{m.person.display_name} ({m.number})")
        for m in selectors.person_choices(plan=plan, goal=goal, text=text)
    ]
    groups = [
        (g.pk, g.name if g.capacity is None else f"{g.name} ({_left(g)} places left)")
        for g in selectors.group_choices(plan=plan, text=text)
    ]
    assets = [
        (str(a.pk), f"{a.name}, {a.town}" if a.town else a.name)
        for a in selectors.asset_choices(plan=plan, text=text)
    ]
    if isinstance(chosen, Membership) and chosen.pk not in {pk for pk, _ in people}:
        people.insert(0, (chosen.pk, f"{chosen.person.display_name} ({chosen.number})"))
    elif isinstance(chosen, PeerGroup) and chosen.pk not in {pk for pk, _ in groups}:
        groups.insert(0, (chosen.pk, chosen.name))
    elif isinstance(chosen, Asset) and str(chosen.pk) not in {pk for pk, _ in assets}:
        assets.insert(0, (str(chosen.pk), chosen.name))
    return {"people": people, "groups": groups, "assets": assets}


@login_required
def introduction_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Propose an introduction. The matching page links here with
    ``?kind=person|group|asset&target=<membership, group or asset id>&goal=<goal id>``;
    ``?q=`` narrows the short lists by name."""
    viewer = viewer_of(request)
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True)
    kind = request.GET.get("kind", "")
    if kind and kind not in TargetKind.values:
        raise InvalidInput("kind", "Choose a person, a group or a place or service.")
    goals = selectors.goal_choices(plan=plan)
    goal_id = _query_id(request, "goal")
    goal = next((g for g in goals if g.pk == goal_id), None)
    if goal_id is not None and goal is None:
        raise InvalidInput("goal", "Choose one of this plan's goals that is being worked on.")
    target = request.GET.get("target", "").strip()
    chosen = (
        selectors.chosen_target(plan=plan, kind=kind, target=target) if kind and target else None
    )
    text = request.GET.get("q", "").strip()[:SEARCH_LIMIT]
    initial: dict[str, Any] = {"kind": kind or TargetKind.PERSON, "goal": goal_id}
    if chosen is not None:
        initial[{"person": "person", "group": "group", "asset": "asset"}[kind]] = (
            str(chosen.pk) if isinstance(chosen, Asset) else chosen.pk
        )
    form = IntroductionForm(
        form_data(request),
        initial=initial,
        goals=[(g.pk, g.text[:80]) for g in goals],
        **_choices(plan, goal, text, chosen),
    )
    introduction = form_submit(
        request,
        form,
        lambda d: services.introduction_propose(
            viewer=viewer,
            plan_id=plan_id,
            target_kind=d["kind"],
            membership_id=d["person"],
            number=d["number"],
            group_id=d["group"],
            asset_id=d["asset"] or None,
            goal_id=d["goal"],
            note=d["note"],
            follow_up_on=d["follow_up_on"],
        ),
        fields={"target": form.target_field(), "goal_id": "goal", "target_kind": "kind"},
    )
    if introduction is not None:
        messages.success(
            request, f"Introduction proposed. {plan.membership.person.display_name} is asked first."
        )
        return redirect("coordination:introduction_detail", introduction_id=introduction.pk)
    return render(
        request,
        "coordination/introductions_create.html",
        {"form": form, "plan": plan, "goal": goal, "kind": kind, "q": text},
    )


@login_required
def introduction_list(request: HttpRequest) -> HttpResponse:
    """The viewer's introductions: for them, asked of them, or those they coordinate;
    ``?view=``, ``?status=`` and ``?plan=`` narrow the list."""
    viewer = viewer_of(request)
    plan_id = _query_id(request, "plan")
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, log=False) if plan_id else None
    introductions = selectors.introduction_list(
        viewer=viewer,
        view=request.GET.get("view") or "all",
        status=request.GET.get("status", ""),
        plan=plan,
    )
    page = paginate(request, introductions, one_query=True)
    return render(
        request,
        "coordination/introductions_list.html",
        {
            "page": page,
            "plan": plan,
            "filters": ListFilterForm(request.GET or None),
            "viewer_person_id": viewer.person_id,
            "may_propose": plan is not None
            and plan.status == "active"
            and _may_write(viewer, plan),
        },
    )


def _may_write(viewer: Viewer, plan: Plan) -> bool:
    return plan_reader_kind(viewer, plan) in ("coordinator", "manager")


@login_required
def introduction_detail(request: HttpRequest, introduction_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer, introduction_id=introduction_id
    )
    actions = selectors.introduction_actions(introduction, side)
    return render(
        request,
        "coordination/introductions_detail.html",
        {
            "introduction": introduction,
            "side": side,
            "actions": actions,
            "target_name": selectors.target_name(introduction),
            "follow_up_form": FollowUpForm(initial={"follow_up_on": introduction.follow_up_on}),
        },
    )


def _coordinator_only(side: str, action: str) -> None:
    if side not in ("coordinator", "manager"):
        raise PermissionDenied(f"The coordinator who holds the plan {action}.")


def _back(introduction: Introduction) -> str:
    return reverse("coordination:introduction_detail", args=[introduction.pk])


@login_required
def introduction_agree(request: HttpRequest, introduction_id: int) -> HttpResponse:
    """Agree (the people asked), or record an agreement given in person (their coordinator,
    who must say so): the plan's person's, or the other person's when they have no login."""
    viewer = viewer_of(request)
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer, introduction_id=introduction_id, log=request.method != "POST"
    )
    form = AgreeForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.introduction_agree(
            viewer=viewer, introduction_id=introduction_id, in_person=d["in_person"]
        ),
    )
    if done is not None:
        if done.status == "agreed":
            messages.success(request, "Agreed by everyone asked. The coordinator will be in touch.")
        else:
            messages.success(request, "Thank you: that is recorded.")
        return redirect("coordination:introduction_detail", introduction_id=introduction_id)
    return render(
        request,
        "coordination/introductions_agree.html",
        {
            "form": form,
            "introduction": introduction,
            "side": side,
            "actions": selectors.introduction_actions(introduction, side),
            "target_name": selectors.target_name(introduction),
            "recording_for": selectors.recordable_side(introduction),
            "cancel_url": _back(introduction),
        },
    )


@login_required
def introduction_decline(request: HttpRequest, introduction_id: int) -> HttpResponse:
    """Say no (it closes the introduction): a confirmation page first."""
    viewer = viewer_of(request)
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer, introduction_id=introduction_id, log=request.method != "POST"
    )
    form = DeclineForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.introduction_decline(
            viewer=viewer,
            introduction_id=introduction_id,
            reason=d["reason"],
            in_person=d["in_person"],
        ),
    )
    if done is not None:
        messages.success(request, "That is recorded: the introduction will not go ahead.")
        return redirect("coordination:introduction_detail", introduction_id=introduction_id)
    return render(
        request,
        "coordination/introductions_decline.html",
        {
            "form": form,
            "introduction": introduction,
            "side": side,
            "actions": selectors.introduction_actions(introduction, side),
            "target_name": selectors.target_name(introduction),
            "cancel_url": _back(introduction),
        },
    )


@login_required
def introduction_status(request: HttpRequest, introduction_id: int) -> HttpResponse:
    """Record that they met, that it is ongoing, or that it didn't work out (and why)."""
    viewer = viewer_of(request)
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer, introduction_id=introduction_id, log=request.method != "POST"
    )
    _coordinator_only(side, "records how it went")
    actions = selectors.introduction_actions(introduction, side)
    form = StatusForm(form_data(request), statuses=list(actions.statuses))
    done = form_submit(
        request,
        form,
        lambda d: services.introduction_status_set(
            viewer=viewer,
            introduction_id=introduction_id,
            status=d["status"],
            met_on=d["met_on"],
            reason=d["reason"],
        ),
    )
    if done is not None:
        messages.success(request, f"The introduction is now: {done.get_status_display()}.")
        return redirect("coordination:introduction_detail", introduction_id=introduction_id)
    return render(
        request,
        "coordination/introductions_status.html",
        {
            "form": form,
            "introduction": introduction,
            "actions": actions,
            "target_name": selectors.target_name(introduction),
            "cancel_url": _back(introduction),
        },
    )


@login_required
def introduction_follow_up(request: HttpRequest, introduction_id: int) -> HttpResponse:
    """Set or change the follow-up date."""
    viewer = viewer_of(request)
    introduction, side = selectors.access_introduction_by_id(
        viewer=viewer, introduction_id=introduction_id, log=request.method != "POST"
    )
    _coordinator_only(side, "sets the follow-up date")
    form = FollowUpForm(form_data(request), initial={"follow_up_on": introduction.follow_up_on})
    done = form_submit(
        request,
        form,
        lambda d: services.introduction_follow_up_set(
            viewer=viewer, introduction_id=introduction_id, follow_up_on=d["follow_up_on"]
        ),
    )
    if done is not None:
        assert done.follow_up_on is not None
        messages.success(request, f"Follow up on {long_date(done.follow_up_on)}.")
        return redirect("coordination:introduction_detail", introduction_id=introduction_id)
    return render(
        request,
        "coordination/introductions_follow_up.html",
        {
            "form": form,
            "introduction": introduction,
            "actions": selectors.introduction_actions(introduction, side),
            "target_name": selectors.target_name(introduction),
            "cancel_url": _back(introduction),
        },
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "plans/<int:plan_id>/introductions/new/",
        introduction_create,
        name="introduction_create",
    ),
    path("introductions/", introduction_list, name="introduction_list"),
    path(
        "introductions/<int:introduction_id>/",
        introduction_detail,
        name="introduction_detail",
    ),
    path(
        "introductions/<int:introduction_id>/agree/",
        introduction_agree,
        name="introduction_agree",
    ),
    path(
        "introductions/<int:introduction_id>/decline/",
        introduction_decline,
        name="introduction_decline",
    ),
    path(
        "introductions/<int:introduction_id>/status/",
        introduction_status,
        name="introduction_status",
    ),
    path(
        "introductions/<int:introduction_id>/follow-up/",
        introduction_follow_up,
        name="introduction_follow_up",
    ),
]
