"""Who may open each impact page and API operation (walked by tests/web): one list per concept,
in ``routes_<concept>.py``."""

from __future__ import annotations

from importlib import import_module

from tests.matrix import ApiRoute, Route

_CONCEPTS = ("indicators", "wellbeing", "costs", "value_maps", "reports", "api")

ROUTES: list[Route] = []
API_ROUTES: list[ApiRoute] = []
for _concept in _CONCEPTS:
    try:
        _module = import_module(f"tests.impact.routes_{_concept}")
    except ModuleNotFoundError:
        continue
    ROUTES.extend(getattr(_module, "ROUTES", []))
    API_ROUTES.extend(getattr(_module, "API_ROUTES", []))
