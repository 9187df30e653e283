"""Coordination pages: person-centred plans. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse

from coproduce.coordination.forms_plans import (
    CloseForm,
    CommentForm,
    ContactForm,
    GoalForm,
    GoalStatusForm,
    HandoverForm,
    PlanCreateForm,
    PlanWordsForm,
    ReviewForm,
    StepForm,
)
from coproduce.coordination.selectors.caseloads import caseload_coordinator, caseload_summary
from coproduce.coordination.selectors.plans import access_plan_by_id, plan_detail
from coproduce.coordination.services import caseloads, plans
from coproduce.framework.forms import form_data, form_submit
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import viewer_of


@login_required
def plan_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "coordination.coordinate", organisation_id, action="start a plan")
    form = PlanCreateForm(form_data(request))
    plan = form_submit(
        request,
        form,
        lambda data: plans.plan_create_by_number(
            viewer=viewer,
            organisation_id=organisation_id,
            number=data["number"],
            life_wanted=data["life_wanted"],
            strengths=data["strengths"],
            what_matters=data["what_matters"],
        ),
        fields={"membership_id": "number"},
    )
    if plan is not None:
        messages.success(request, "The plan is started. Add the first goal with them.")
        return redirect("coordination:plan_detail", plan_id=plan.pk)
    own = caseload_coordinator(viewer=viewer, organisation_id=organisation_id)
    summary = caseload_summary(
        coordinator=own, settings=plans.coordination_settings(organisation_id)
    )
    return render(request, "coordination/plan_create.html", {"form": form, "summary": summary})


@login_required
def plan_detail_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    action = request.POST.get("action") if request.method == "POST" else None
    plan, kind = plan_detail(viewer=viewer, plan_id=plan_id)
    goals = list(plan.goals.all())
    comment = CommentForm(form_data(request, sent=action == "comment"), prefix="comment")
    goal = GoalForm(form_data(request, sent=action == "goal"), prefix="goal")
    step = StepForm(
        form_data(request, sent=action == "step"),
        prefix="step",
        goals=[(g.pk, g.text[:60]) for g in goals],
    )
    contact = ContactForm(form_data(request, sent=action == "contact"), prefix="contact")
    review = ReviewForm(form_data(request, sent=action == "review"), prefix="review")
    done: object = None
    if action == "comment":
        done = form_submit(
            request,
            comment,
            lambda d: plans.plan_comment_add(viewer=viewer, plan_id=plan_id, text=d["text"]),
        )
    elif action == "goal":
        done = form_submit(
            request,
            goal,
            lambda d: plans.plan_goal_add(
                viewer=viewer,
                plan_id=plan_id,
                area=d["area"],
                text=d["text"],
                review_on=d["review_on"],
                needs_vetted_helper=d["needs_vetted_helper"],
            ),
        )
    elif action == "step":
        done = form_submit(
            request,
            step,
            lambda d: plans.plan_step_add(
                viewer=viewer,
                goal_id=d["goal"],
                text=d["text"],
                who_helps=d["who_helps"],
                due_on=d["due_on"],
            ),
            fields={"goal_id": "goal"},
        )
    elif action == "contact":
        done = form_submit(
            request,
            contact,
            lambda d: plans.plan_contact_record(
                viewer=viewer, plan_id=plan_id, how=d["how"], note=d["note"]
            ),
        )
    elif action == "review":
        done = form_submit(
            request,
            review,
            lambda d: plans.plan_review_record(
                viewer=viewer,
                plan_id=plan_id,
                summary=d["summary"],
                next_review_on=d["next_review_on"],
            ),
        )
    elif action and action.startswith("step-done-"):
        done = plans.plan_step_done(viewer=viewer, step_id=int(action.removeprefix("step-done-")))
    if done is not None:
        messages.success(request, "Saved.")
        return redirect("coordination:plan_detail", plan_id=plan_id)
    return render(
        request,
        "coordination/plan_detail.html",
        {
            "plan": plan,
            "kind": kind,
            "goals": goals,
            "can_write": kind != "person",
            "comment_form": comment,
            "goal_form": goal,
            "step_form": step,
            "contact_form": contact,
            "review_form": review,
            "contacts": list(plan.contacts.all()[:10]),
            "reviews": list(plan.reviews.all()[:5]),
        },
    )


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True)
    initial = {
        "life_wanted": plan.life_wanted,
        "strengths": plan.strengths,
        "what_matters": plan.what_matters,
    }
    form = PlanWordsForm(form_data(request), initial=initial)
    saved = form_submit(
        request,
        form,
        lambda d: plans.plan_update(
            viewer=viewer,
            plan_id=plan_id,
            life_wanted=d["life_wanted"],
            strengths=d["strengths"],
            what_matters=d["what_matters"],
        ),
    )
    if saved is not None:
        messages.success(request, "The plan is updated.")
        return redirect("coordination:plan_detail", plan_id=plan_id)
    return render(request, "coordination/plan_edit.html", {"form": form, "plan": plan})


@login_required
def goal_status(request: HttpRequest, goal_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    form = GoalStatusForm(form_data(request))
    goal = form_submit(
        request,
        form,
        lambda d: plans.plan_goal_status_set(viewer=viewer, goal_id=goal_id, status=d["status"]),
    )
    if goal is None:
        # Only reached on a GET or a bad choice: the plan page holds the form.
        goal = plans.goal_for_viewer(viewer=viewer, goal_id=goal_id)
        return render(request, "coordination/goal_status.html", {"form": form, "goal": goal})
    messages.success(request, "The goal is updated.")
    return redirect("coordination:plan_detail", plan_id=goal.plan_id)


@login_required
def plan_handover(request: HttpRequest, plan_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True)
    coordinators = [
        (m.pk, m.person.display_name)
        for m in Membership.objects.filter(
            organisation_id=plan.organisation_id,
            status=MembershipStatus.ACTIVE,
            role__in=(Role.COORDINATOR, Role.MANAGER, Role.ADMIN),
        )
        .exclude(person_id=plan.membership.person_id)
        .exclude(pk=plan.coordinator_id or 0)
        .select_related("person")
        .order_by("person__full_name")
    ]
    form = HandoverForm(form_data(request), coordinators=coordinators)
    handed = form_submit(
        request,
        form,
        lambda d: caseloads.plan_handover(
            viewer=viewer,
            plan_id=plan_id,
            to_membership_id=d["to_membership_id"],
            reason=d["reason"],
        ),
    )
    if handed is not None:
        messages.success(request, f"The plan is now with {handed.to_coordinator.person}.")
        if permissions.may(viewer, "coordination.manage", plan.organisation_id):
            return redirect("coordination:plan_detail", plan_id=plan_id)
        return redirect("coordination:caseload", organisation_id=plan.organisation_id)
    return render(request, "coordination/plan_handover.html", {"form": form, "plan": plan})


@login_required
def plan_close(request: HttpRequest, plan_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True)
    form = CloseForm(form_data(request))
    closed = form_submit(
        request,
        form,
        lambda d: plans.plan_close(viewer=viewer, plan_id=plan_id, reason=d["reason"]),
    )
    if closed is not None:
        messages.success(request, "The plan is closed.")
        return redirect("coordination:caseload", organisation_id=plan.organisation_id)
    return render(
        request,
        "coordination/plan_close.html",
        {
            "form": form,
            "plan": plan,
            "cancel_url": reverse("coordination:plan_detail", args=[plan.pk]),
        },
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("organisations/<int:organisation_id>/plans/new/", plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", plan_detail_view, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/handover/", plan_handover, name="plan_handover"),
    path("plans/<int:plan_id>/close/", plan_close, name="plan_close"),
    path("goals/<int:goal_id>/status/", goal_status, name="goal_status"),
]
