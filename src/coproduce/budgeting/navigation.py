from __future__ import annotations

from django.urls import reverse

from coproduce.framework.navigation import NavItem
from coproduce.people.permissions import Viewer


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.organisation_ids("budgeting.view"):
        return []
    return [NavItem("Budgeting", reverse("budgeting:round_list"), order=60)]
