from __future__ import annotations

from django.urls import reverse

from coproduce.people.permissions import Viewer
from coproduce.web.navigation import NavItem


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.is_authenticated:
        return []
    return [NavItem(label="Directory", url=reverse("directory:asset_list"), order=30)]
