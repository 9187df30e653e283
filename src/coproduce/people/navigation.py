from __future__ import annotations

from django.urls import reverse

from coproduce.people.permissions import Viewer
from coproduce.web.navigation import NavItem


def nav_items(viewer: Viewer) -> list[NavItem]:
    return [NavItem("Organisations", reverse("people:organisation_browse"), order=80)]
