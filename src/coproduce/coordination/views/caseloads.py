"""Coordination pages: the home page, a coordinator's caseload, every caseload (managers),
the organisation's coordination settings and the access log of special-category reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone

from coproduce.coordination.forms_plans import SettingsForm
from coproduce.coordination.selectors.access import access_log
from coproduce.coordination.selectors.caseloads import (
    caseload_coordinator,
    caseload_rows,
    caseload_summary,
    coordinators_of,
    my_plans,
    organisations_where,
)
from coproduce.coordination.selectors.introductions import introductions_needing_follow_up
from coproduce.coordination.services import caseloads
from coproduce.coordination.services.plans import coordination_settings
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.models import Organisation
from coproduce.people.permissions import viewer_of

# The caseload page lists this many introductions due a follow-up, soonest first; the
# introductions page has them all.
FOLLOW_UPS_SHOWN = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where coordination starts for everyone: your own plan, and for coordinators and
    managers the caseloads of each organisation they coordinate in."""
    viewer = viewer_of(request)
    coordinating = organisations_where(viewer=viewer, permission="coordination.coordinate")
    managing = set(viewer.organisation_ids("coordination.manage"))
    taking_part = organisations_where(viewer=viewer, permission="coordination.take_part")
    return render(
        request,
        "coordination/home.html",
        {
            "own_plans": list(my_plans(viewer=viewer)),
            "taking_part": list(taking_part),
            "coordinating": [(org, org.pk in managing) for org in coordinating],
        },
    )


@login_required
def caseload(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A coordinator's people at a glance (a manager may open another coordinator's with
    ``?coordinator=<membership id>``): reviews due, no contact for a while, follow-ups."""
    viewer = viewer_of(request)
    wanted = request.GET.get("coordinator", "")
    coordinator = caseload_coordinator(
        viewer=viewer,
        organisation_id=organisation_id,
        coordinator_membership_id=int(wanted) if wanted.isdigit() else None,
    )
    settings = coordination_settings(organisation_id)
    summary = caseload_summary(coordinator=coordinator, settings=settings)
    rows = caseload_rows(coordinator=coordinator, no_contact_days=settings.no_contact_days)
    page = paginate(request, rows, per_page=100, one_query=True)
    today = timezone.localdate()
    follow_ups = list(introductions_needing_follow_up([coordinator.pk], today)[:FOLLOW_UPS_SHOWN])
    return render(
        request,
        "coordination/caseload.html",
        {
            "follow_ups": follow_ups,
            "follow_ups_shown": FOLLOW_UPS_SHOWN,
            "today": today,
            "organisation": coordinator.organisation,
            "coordinator": coordinator,
            "own": coordinator.person_id == viewer.person_id,
            "summary": summary,
            "settings": settings,
            "page": page,
        },
    )


@login_required
def caseload_overview(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Managers: every coordinator of the organisation with how many people they hold."""
    viewer = viewer_of(request)
    rows = coordinators_of(viewer=viewer, organisation_id=organisation_id)
    settings = coordination_settings(organisation_id)
    return render(
        request,
        "coordination/caseload_overview.html",
        {
            "organisation": Organisation.objects.get(pk=organisation_id),
            "rows": [(m, held, max(0, settings.caseload_cap - held)) for m, held in rows],
            "cap": settings.caseload_cap,
        },
    )


@login_required
def coordination_settings_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "coordination.manage", organisation_id, action="change coordination settings"
    )
    current = coordination_settings(organisation_id)
    form = SettingsForm(
        form_data(request),
        initial={
            "caseload_cap": current.caseload_cap,
            "review_every_days": current.review_every_days,
            "no_contact_days": current.no_contact_days,
        },
    )
    saved = form_submit(
        request,
        form,
        lambda d: caseloads.coordination_settings_set(
            viewer=viewer,
            organisation_id=organisation_id,
            caseload_cap=d["caseload_cap"],
            review_every_days=d["review_every_days"],
            no_contact_days=d["no_contact_days"],
        ),
    )
    if saved is not None:
        messages.success(request, "Coordination settings saved.")
        return redirect("coordination:caseload_overview", organisation_id=organisation_id)
    return render(
        request,
        "coordination/settings.html",
        {"form": form, "organisation": Organisation.objects.get(pk=organisation_id)},
    )


@login_required
def access_log_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Managers: who read which plan, referral or vetting record, newest first."""
    viewer = viewer_of(request)
    page = paginate(request, access_log(viewer=viewer, organisation_id=organisation_id))
    return render(
        request,
        "coordination/access_log.html",
        {"page": page, "organisation": Organisation.objects.get(pk=organisation_id)},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("organisations/<int:organisation_id>/caseload/", caseload, name="caseload"),
    path(
        "organisations/<int:organisation_id>/caseloads/",
        caseload_overview,
        name="caseload_overview",
    ),
    path(
        "organisations/<int:organisation_id>/settings/",
        coordination_settings_edit,
        name="settings",
    ),
    path(
        "organisations/<int:organisation_id>/access-log/",
        access_log_view,
        name="access_log",
    ),
]
