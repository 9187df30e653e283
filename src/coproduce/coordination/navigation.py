from __future__ import annotations

from django.urls import reverse

from coproduce.framework.navigation import NavItem
from coproduce.people.permissions import Viewer


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.organisation_ids("coordination.take_part"):
        return []
    return [NavItem("Coordination", reverse("coordination:home"), order=45)]
