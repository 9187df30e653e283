"""What each route promises: who may open it. Every app lists its routes in
``tests/<app>/routes.py``; tests/web/test_permission_matrix.py walks every URL pattern and
fails for any route that no list names, so a new page cannot escape the matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL_ROLES = frozenset({"member", "staff", "coordinator", "manager", "commissioner", "admin"})
MEMBERS_UP = frozenset({"member", "staff", "coordinator", "manager", "admin"})
STAFF_UP = frozenset({"staff", "coordinator", "manager", "admin"})
COORDINATORS_UP = frozenset({"coordinator", "manager", "admin"})
MANAGERS_UP = frozenset({"manager", "admin"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Route:
    """A page. ``kwargs`` builds the URL's arguments from the world (objects in world.org).

    Expected: anonymous → 302 to sign-in (200 when ``public``); the outsider (another
    organisation) → 404 (200 when ``public`` or ``any_signed_in``); each role in world.org →
    200 if in ``allowed`` else 403. ``skip_reason`` exempts a route (say why)."""

    name: str
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    allowed: frozenset[str] = ALL_ROLES
    public: bool = False
    any_signed_in: bool = False
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    ok_status: int = 200
    skip_reason: str = ""


@dataclass(frozen=True)
class ApiRoute:
    """An API operation, by its path template as the router registered it."""

    path_template: str
    path: Callable[[Any], str]
    allowed: frozenset[str] = ALL_ROLES
    method: str = "get"
    any_signed_in: bool = False
    data: Callable[[Any], dict[str, Any]] | None = None
    ok_status: int = 200
