"""The impact home: each organisation the viewer takes part in, with the impact pages their
role there opens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from coproduce.people import permissions
from coproduce.people import selectors as people_selectors
from coproduce.people.models import Organisation, Role
from coproduce.people.permissions import Viewer, viewer_of

# What each page of an organisation needs, so the home lists only what the role opens.
ABILITIES = {
    "view": "impact.view",
    "propose": "impact.propose",
    "record": "impact.record",
    "manage": "impact.manage",
    "report": "impact.report",
}


def organisation_of(viewer: Viewer, organisation_id: int) -> Organisation:
    """The organisation a page is about, for its heading; call it after the selector or
    service that checked the viewer's ability there."""
    return people_selectors.organisation_get(viewer=viewer, organisation_id=organisation_id)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    rows = [
        {
            "organisation": organisation,
            "role": Role(viewer.roles[organisation.pk]).label,
            "may": {
                name: permissions.may(viewer, ability, organisation.pk)
                for name, ability in ABILITIES.items()
            },
        }
        for organisation in people_selectors.organisation_list(viewer=viewer)
        if permissions.may(viewer, "impact.view", organisation.pk)
    ]
    return render(request, "impact/home.html", {"rows": rows})


urlpatterns: list[URLPattern] = [path("", home, name="home")]
