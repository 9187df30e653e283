from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coproduce.people.permissions import viewer_of
from coproduce.web.dashboard import dashboard_sections, pending_applications
from coproduce.web.navigation import panels_for


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Page not found", "message": "We could not find that page."},
        status=404,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "You cannot do that", "message": "You do not have access to this page."},
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Sorry, something went wrong", "message": "Please try again later."},
        status=500,
    )


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    return render(request, "web/home.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accessibility.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    sections = dashboard_sections(viewer=viewer)
    return render(
        request,
        "web/dashboard.html",
        {
            "sections": sections,
            "applications": pending_applications(viewer=viewer),
            "panels": panels_for(viewer) if viewer.person else [],
        },
    )
