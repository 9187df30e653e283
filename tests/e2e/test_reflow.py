"""Reflow (WCAG 2.2 1.4.10): at 320 CSS pixels wide no page scrolls sideways. A wide data
table may scroll inside its own labelled region; the page itself never does.

Two walks: every page of the permission matrix (tests/<app>/routes.py) as each role that may
open it, and the demo neighbourhood as each demo login, following every link it shows."""

from __future__ import annotations

import io
from collections import deque
from importlib import import_module
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from coproduce.people import demo as people_demo
from tests.conftest import PASSWORD, ROLES, World
from tests.e2e.conftest import axe_violations, sign_in
from tests.web.test_permission_matrix import _routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 320
# Pages that are not HTML for a person to read, or that end the session.
SKIP_PREFIXES = ("/admin/", "/static/", "/api/", "/account/logout/")
SKIP_SUFFIXES = (".csv", ".json", ".pb", ".zip", ".pdf", ".ics", ".xml")

# The widest elements that stick out, to say what to fix.
WIDE_ELEMENTS = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))
  .slice(0, 3)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.getBoundingClientRect().right} px`)"""


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]
    # Tiles from this server (they 404 harmlessly): the test never reaches the internet.
    settings.MAP_TILES_URL = "/static/directory/no-tiles/{z}/{x}/{y}.png"


def _overflow(page: Any, path: str) -> str | None:
    """Load ``path``; describe how it overflows 320 px, or None when it fits (or is a file)."""
    try:
        page.goto(path)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return None
        raise
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= WIDTH:
        return None
    return f"{path} is {width} px wide: {page.evaluate(WIDE_ELEMENTS, WIDTH)}"


def _reads_as_page(path: str) -> bool:
    return not path.startswith(SKIP_PREFIXES) and not path.endswith(SKIP_SUFFIXES)


def test_every_matrix_page_fits_320_px_for_each_role(page: Any, world: World) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 800})
    routes = [r for r in _routes() if r.method == "get" and not r.skip_reason]
    urls = {route.name: reverse(route.name, kwargs=route.kwargs(world)) for route in routes}
    routes = [route for route in routes if _reads_as_page(urls[route.name])]
    wide = []
    for route in routes:
        if route.public:
            wide.append(_overflow(page, urls[route.name]))
    for role in ROLES:
        page.context.clear_cookies()
        sign_in(page, f"{role}@a.example.org", PASSWORD)
        for route in routes:
            if route.public or route.any_signed_in or role in route.allowed:
                problem = _overflow(page, urls[route.name])
                wide.append(problem and f"{role}: {problem}")
    problems = [problem for problem in wide if problem]
    assert not problems, "\n".join(problems)


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def test_demo_pages_reached_by_links_fit_320_px(page: Any) -> None:
    for app in ("people", "timebank", "directory", "budgeting", "audit"):
        module = import_module(f"coproduce.{app}.demo")
        if app == "people":
            module.load(stdout=io.StringIO(), people=60)
        else:
            module.load(stdout=io.StringIO())
    page.set_viewport_size({"width": WIDTH, "height": 800})
    wide: list[str] = []
    # axe-core once on each kind of page (the first login to reach it), at 320 px.
    checked: set[str] = set()
    inaccessible: list[str] = []
    for email, *_ in people_demo.LOGINS:
        page.context.clear_cookies()
        sign_in(page, email, people_demo.DEMO_PASSWORD)
        base = urlsplit(page.url)
        queue, seen, views = deque(["/dashboard/"]), set(), set()
        while queue:
            path = queue.popleft()
            view = _view_name(urlsplit(path).path)
            if path in seen or view is None or view in views:
                continue
            seen.add(path)
            views.add(view)
            problem = _overflow(page, path)
            if problem:
                wide.append(f"{email}: {problem}")
            if view not in checked and urlsplit(page.url).path == urlsplit(path).path:
                checked.add(view)
                violations = axe_violations(page)
                if violations:
                    inaccessible.append(f"{email} {path}: {violations}")
            for href in page.eval_on_selector_all("a[href]", "a => a.map(e => e.href)"):
                link = urlsplit(urljoin(page.url, href))
                if link.netloc == base.netloc and _reads_as_page(link.path):
                    queue.append(link.path + (f"?{link.query}" if link.query else ""))
        assert len(views) > 10, f"{email} reached only {sorted(views)}"
    assert not wide, "\n".join(wide)
    assert not inaccessible, "\n".join(inaccessible)
    assert len(checked) > 40, f"axe checked only {sorted(checked)}"
