"""Coordination pages: matching. Suggestions for a goal (people, offers and requests, groups,
places) with what the person could offer back; suggestions for a time-bank listing; marks
of good and bad suggestions, and each coordinator's precision@5. Thin: parse, call one
service or selector, render."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse

from coproduce.coordination.forms_matching import MarkForm
from coproduce.coordination.matching.engine import Suggestion
from coproduce.coordination.models import Goal, PlanStatus, TargetKind
from coproduce.coordination.selectors.marks import (
    PRECISION_AT,
    access_goal_for_marks,
    goal_marks,
    precision_report,
)
from coproduce.coordination.selectors.matching import goal_matches, listing_matches
from coproduce.coordination.selectors.plans import plan_reader_kind
from coproduce.coordination.services import marks
from coproduce.framework.forms import form_data, form_submit
from coproduce.people.permissions import viewer_of
from coproduce.timebank.selectors import listing_get

KIND_LABELS = {
    "person": "Person",
    "offer": "Offer",
    "request": "Request",
    "group": "Group",
    "asset": "Place or service",
}


@dataclass(frozen=True)
class Row:
    """A suggestion as the page shows it: its kind in words, where "Introduce" goes (empty
    when it cannot be introduced from here) and the viewer's own mark (None: not marked)."""

    suggestion: Suggestion
    kind_label: str
    introduce_url: str
    mark: bool | None


def introduce_target(suggestion: Suggestion) -> tuple[str, str] | None:
    """The introductions page's ``kind`` and ``target`` for a suggestion: a person, or the
    person behind an offer or request, by membership; a group or a place by its own id."""
    if suggestion.kind in ("person", "offer", "request"):
        if suggestion.membership_id is None:
            return None
        return TargetKind.PERSON, str(suggestion.membership_id)
    if suggestion.kind == "group":
        return TargetKind.GROUP, suggestion.source_id
    if suggestion.kind == "asset":
        return TargetKind.ASSET, suggestion.source_id
    return None


def _introduce_url(goal: Goal, suggestion: Suggestion) -> str:
    target = introduce_target(suggestion)
    if target is None:
        return ""
    url = reverse("coordination:introduction_create", args=[goal.plan_id])
    return f"{url}?{urlencode({'kind': target[0], 'target': target[1], 'goal': goal.pk})}"


def _rows(
    suggestions: list[Suggestion], goal: Goal | None, own: dict[str, bool], introduce: bool
) -> list[Row]:
    return [
        Row(
            suggestion=s,
            kind_label=KIND_LABELS.get(s.kind, s.kind.capitalize()),
            introduce_url=_introduce_url(goal, s) if introduce and goal is not None else "",
            mark=own.get(s.key),
        )
        for s in suggestions
    ]


@login_required
def goal_matches_view(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Ranked suggestions for a goal, in the person's words (the read is logged)."""
    viewer = viewer_of(request)
    matches = goal_matches(viewer=viewer, goal_id=goal_id)
    goal = matches.goal
    plan = goal.plan
    may_mark = plan_reader_kind(viewer, plan) in ("coordinator", "manager")
    own = goal_marks(viewer=viewer, goal_id=goal.pk) if may_mark else {}
    introduce = may_mark and plan.status == PlanStatus.ACTIVE
    return render(
        request,
        "coordination/matching_goal.html",
        {
            "goal": goal,
            "plan": plan,
            "query": matches.query,
            "rows": _rows(matches.suggestions, goal, own, introduce),
            "offer_back": _rows(matches.offer_back, goal, {}, introduce),
            "may_mark": may_mark,
            "precision_at": PRECISION_AT,
        },
    )


@login_required
def match_mark_view(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Mark one suggestion good or not (the buttons on the matches page post here); a bad
    submission is shown here with its message, a good one goes back to the matches."""
    viewer = viewer_of(request)
    goal = access_goal_for_marks(viewer=viewer, goal_id=goal_id)
    form = MarkForm(form_data(request))
    mark = form_submit(
        request,
        form,
        lambda d: marks.match_mark(
            viewer=viewer,
            goal_id=goal_id,
            candidate=d["candidate"],
            rank=d["rank"],
            good=d["verdict"] == "good",
            query=d["query"],
        ),
    )
    if mark is not None:
        verdict = "a good match" if mark.good else "not a good match"
        messages.success(request, f"Marked suggestion {mark.rank} as {verdict}.")
        return redirect(f"{reverse('coordination:goal_matches', args=[goal_id])}#matches")
    return render(
        request,
        "coordination/matching_mark.html",
        {
            "form": form,
            "goal": goal,
            "back_url": reverse("coordination:goal_matches", args=[goal_id]),
        },
    )


@login_required
def listing_matches_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Suggestions for a time-bank offer or request, for the coordinators who put people in
    touch."""
    viewer = viewer_of(request)
    suggestions = listing_matches(viewer=viewer, listing_id=listing_id)
    listing = listing_get(viewer=viewer, listing_id=listing_id)
    return render(
        request,
        "coordination/matching_listing.html",
        {"listing": listing, "rows": _rows(suggestions, None, {}, introduce=False)},
    )


@login_required
def match_precision_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """precision@5 on the viewer's own marks; a manager sees each coordinator's too."""
    viewer = viewer_of(request)
    report = precision_report(viewer=viewer, organisation_id=organisation_id)
    return render(
        request,
        "coordination/matching_precision.html",
        {"report": report, "precision_at": PRECISION_AT},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("goals/<int:goal_id>/matches/", goal_matches_view, name="goal_matches"),
    path("goals/<int:goal_id>/matches/mark/", match_mark_view, name="match_mark"),
    path("listings/<int:listing_id>/matches/", listing_matches_view, name="listing_matches"),
    path(
        "organisations/<int:organisation_id>/matching/precision/",
        match_precision_view,
        name="match_precision",
    ),
]
