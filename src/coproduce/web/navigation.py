"""What a viewer sees around the pages, gathered from each app (the contracts are in
``coproduce.framework.navigation``): each app's ``<app>/navigation.py`` lists its menu items
(``nav_items(viewer)``) and, optionally, panels for the dashboard (``dashboard_panels(viewer)``).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from coproduce.framework.navigation import NavItem, Panel
from coproduce.people.permissions import Viewer

APPS_WITH_NAVIGATION = (
    "people",
    "timebank",
    "directory",
    "coordination",
    "audit",
    "impact",
    "budgeting",
)


def _modules() -> list[ModuleType]:
    modules = []
    for app in APPS_WITH_NAVIGATION:
        try:
            modules.append(import_module(f"coproduce.{app}.navigation"))
        except ModuleNotFoundError:
            continue
    return modules


def items_for(viewer: Viewer) -> list[NavItem]:
    items: list[NavItem] = []
    for module in _modules():
        items.extend(module.nav_items(viewer))
    return sorted(items, key=lambda item: (item.order, item.label))


def panels_for(viewer: Viewer) -> list[Panel]:
    panels: list[Panel] = []
    for module in _modules():
        if hasattr(module, "dashboard_panels"):
            panels.extend(module.dashboard_panels(viewer))
    return sorted(panels, key=lambda panel: (panel.order, panel.title))
