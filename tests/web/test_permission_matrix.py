"""Every page and API operation, tried by an anonymous visitor, a member of another
organisation and each role. Routes come from tests/<app>/routes.py; a URL pattern that no
list names fails ``test_every_route_is_in_the_matrix``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from coproduce.api.urls import api
from tests.conftest import ROLES, build_world
from tests.matrix import ApiRoute, Route

# Who may open what does not depend on the database: the PostgreSQL run leaves this out.
pytestmark = pytest.mark.sqlite_run

# Django's admin has its own staff login and is for operators.
EXEMPT_NAMESPACES = {"admin", "api"}


def _route_modules() -> Iterator[Any]:
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.routes")
            except ModuleNotFoundError:
                continue


def _routes() -> list[Route]:
    return [route for module in _route_modules() for route in getattr(module, "ROUTES", [])]


def _api_routes() -> list[ApiRoute]:
    return [route for module in _route_modules() for route in getattr(module, "API_ROUTES", [])]


def _url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            space = pattern.namespace or ""
            if space in EXEMPT_NAMESPACES:
                continue
            prefix = f"{namespace}{space}:" if space else namespace
            yield from _url_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_is_in_the_matrix() -> None:
    listed = {route.name for route in _routes()}
    missing = sorted(set(_url_names(get_resolver().url_patterns)) - listed)
    assert not missing, f"Add these routes to a tests/<app>/routes.py: {missing}"


def test_every_api_operation_is_in_the_matrix() -> None:
    schema = api.get_openapi_schema(path_prefix="")
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
    }
    listed = {f"{route.method.upper()} {route.path_template}" for route in _api_routes()}
    missing = sorted(operations - listed)
    assert not missing, f"Add these API operations to a tests/<app>/routes.py: {missing}"


def _request(client: Client, route: Route | ApiRoute, url: str, world: Any) -> Any:
    if route.method == "get":
        return client.get(url)
    data = route.data(world) if route.data else {}
    if isinstance(route, ApiRoute):
        return client.post(url, data=data, content_type="application/json")
    return client.post(url, data=data)


def _expected_page(route: Route, who: str) -> int:
    if who == "anonymous":
        return route.ok_status if route.public else 302
    if route.public or route.any_signed_in:
        return route.ok_status
    if who == "outsider":
        return 404
    return route.ok_status if who in route.allowed else 403


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in _routes() if not r.skip_reason], ids=lambda r: r.name)
def test_page_answers_each_kind_of_visitor(route: Route) -> None:
    world = build_world()
    outcomes = {}
    for who in ["anonymous", "outsider", *ROLES]:
        client = Client() if who == "anonymous" else world.client(who)
        url = reverse(route.name, kwargs=route.kwargs(world))
        response = _request(client, route, url, world)
        outcomes[who] = (response.status_code, _expected_page(route, who))
        if who == "anonymous" and not route.public:
            assert "/account/login/" in response.get("Location", ""), route.name
    wrong = {who: got for who, got in outcomes.items() if got[0] != got[1]}
    assert not wrong, f"{route.name}: (got, expected) {wrong}"


def _expected_api(route: ApiRoute, who: str) -> int:
    if who == "anonymous":
        return 401
    if route.any_signed_in:
        return route.ok_status
    if who == "outsider":
        return 404
    return route.ok_status if who in route.allowed else 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", _api_routes(), ids=lambda r: f"{r.method.upper()} {r.path_template}"
)
def test_api_answers_each_kind_of_visitor(route: ApiRoute) -> None:
    world = build_world()
    outcomes = {}
    for who in ["anonymous", "outsider", *ROLES]:
        client = Client() if who == "anonymous" else world.client(who)
        client.defaults["HTTP_X_CSRFTOKEN"] = "unused-by-token-auth"
        response = _request(client, route, route.path(world), world)
        outcomes[who] = (response.status_code, _expected_api(route, who))
        if response.status_code >= 400:
            body = response.json()
            assert set(body["error"]) == {"code", "message", "field"}, body
    wrong = {who: got for who, got in outcomes.items() if got[0] != got[1]}
    assert not wrong, f"{route.method} {route.path_template}: (got, expected) {wrong}"
