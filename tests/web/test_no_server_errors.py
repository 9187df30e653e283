"""Nothing a person can type gets a 500 (DESIGN invariant 4). Every page listed in a
tests/<app>/routes.py is fetched as the highest role that may open it; every form on it is
submitted with hostile values in every field; every API operation gets wrongly typed JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coproduce.api.urls import api
from tests.conftest import build_world
from tests.matrix import Route
from tests.web.test_permission_matrix import _api_routes, _routes

# Hostile input is tried in the SQLite run; the PostgreSQL run keeps the apps' own bad-input
# tests (tests/*/test_bad_input.py and the like).
pytestmark = pytest.mark.sqlite_run

HOSTILE = ["", "x" * 5000, "<script>alert(1)</script>", "-1", "9" * 30, "2026-13-45", "a\x00b"]
RANK = ["admin", "manager", "coordinator", "staff", "member", "commissioner"]

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r"<form\b[^>]*action=\"([^\"]*)\"", re.I)
NAMES = re.compile(r"<(?:input|select|textarea)\b[^>]*name=\"([^\"]+)\"", re.I)


def _who(route: Route) -> str | None:
    if route.public:
        return None
    return next(role for role in RANK if role in route.allowed)


def _forms(html: str, page_url: str) -> list[tuple[str, set[str]]]:
    found = []
    for match in FORM.finditer(html):
        opening = html[match.start() : match.start() + 400]
        action = ACTION.search(opening)
        url = action.group(1) if action and action.group(1) else page_url
        names = set(NAMES.findall(match.group(1))) - {"csrfmiddlewaretoken", "confirmed"}
        found.append((url, names))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in _routes() if not r.skip_reason and r.method == "get"], ids=lambda r: r.name
)
def test_hostile_input_never_gets_a_server_error(route: Route) -> None:
    world = build_world()
    who = _who(route)
    client = Client(raise_request_exception=False) if who is None else world.client(who)
    client.raise_request_exception = False
    url = reverse(route.name, kwargs=route.kwargs(world))
    for query in ["?page=-1", "?page=x", "?q=%00", "?q=" + "y" * 3000]:
        response = client.get(url + query)
        assert response.status_code < 500, f"GET {url}{query}"
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return
    for action, names in _forms(response.content.decode(), url):
        if not names or action.startswith("/account/logout"):
            continue
        for value in HOSTILE:
            posted = client.post(action, {name: value for name in names})
            assert posted.status_code < 500, f"POST {action} with {value[:20]!r}"


WRONG_TYPES: list[Any] = [None, "", "x" * 5000, "a\x00b", -1, 10**20, [], {"a": 1}, True]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in _api_routes() if r.method == "post"],
    ids=lambda r: f"{r.method.upper()} {r.path_template}",
)
def test_api_rejects_wrongly_typed_input_with_the_error_format(route: Any) -> None:
    world = build_world()
    schema = api.get_openapi_schema(path_prefix="")
    operation = schema["paths"][route.path_template][route.method]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    reference = body.get("schema", {}).get("$ref", "")
    properties = (
        schema["components"]["schemas"][reference.rsplit("/", 1)[-1]].get("properties", {})
        if reference
        else {}
    )
    client = world.client("admin")
    client.raise_request_exception = False
    for value in WRONG_TYPES:
        payload = {name: value for name in properties} or {"unexpected": value}
        response = client.post(route.path(world), data=payload, content_type="application/json")
        assert response.status_code < 500, f"{route.path_template} with {value!r}"
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "field"}
    response = client.post(route.path(world), data="{not json", content_type="application/json")
    assert response.status_code < 500
