"""The navigation and dashboard contracts: each app's ``<app>/navigation.py`` returns these
from ``nav_items(viewer)`` and, optionally, ``dashboard_panels(viewer)``; ``web`` gathers
them around the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class Panel:
    """A block on the dashboard: ``template`` is rendered with ``panel`` in its context."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50
