from __future__ import annotations

from django.urls import reverse

from coproduce.framework.navigation import NavItem
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer


def nav_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.is_authenticated:
        return []
    items = [NavItem(label="Directory", url=reverse("directory:asset_list"), order=30)]
    mapping = viewer.organisation_ids("directory.map_assets")
    if mapping:
        # Coordinators run asset mapping; like the time bank's entry, the menu opens the
        # first organisation where they may. One query, only for them.
        slug = (
            Organisation.objects.filter(pk__in=mapping)
            .order_by("name", "pk")
            .values_list("slug", flat=True)
            .first()
        )
        if slug is not None:
            items.append(
                NavItem(
                    label="Asset mapping",
                    url=reverse("directory:mapping_session_list", args=[slug]),
                    order=31,
                )
            )
    return items
