"""The navigation a viewer sees: each app lists its own items in ``<app>/navigation.py``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from coproduce.people.permissions import Viewer

APPS_WITH_NAVIGATION = ("people", "timebank", "directory", "budgeting")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50


def items_for(viewer: Viewer) -> list[NavItem]:
    items: list[NavItem] = []
    for app in APPS_WITH_NAVIGATION:
        try:
            module = import_module(f"coproduce.{app}.navigation")
        except ModuleNotFoundError:
            continue
        items.extend(module.nav_items(viewer))
    return sorted(items, key=lambda item: (item.order, item.label))
