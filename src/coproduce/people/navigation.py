from __future__ import annotations

from django.urls import reverse

from coproduce.framework.navigation import NavItem
from coproduce.people.permissions import Viewer


def nav_items(viewer: Viewer) -> list[NavItem]:
    return [NavItem("Organisations", reverse("people:organisation_browse"), order=80)]
