"""In a real browser, under the real content security policy: the API docs draw from our own
files, a map whose tiles cannot load says so, and the voting-code sheet prints as A4 slips."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.people import services as people_services
from coproduce.people.models import OrganisationKind
from coproduce.people.permissions import viewer_for
from tests.budgeting.factories import election
from tests.conftest import PASSWORD, World, make_person
from tests.directory.conftest import build_asset
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]
    # Tiles from this server that 404, as when the tile server is out of reach.
    settings.MAP_TILES_URL = "/static/directory/no-tiles/{z}/{x}/{y}.png"


@pytest.fixture
def strict_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page that keeps the content security policy (the shared ``page`` bypasses it to
    inject axe-core), offline: any request off this server fails."""
    context = browser.new_context(base_url=live_server.url)
    context.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


def test_api_docs_draw_every_operation_offline(strict_page: Any, world: World) -> None:
    """Each app's operations under its own heading, opened one at a time (with every tag open
    at once Swagger UI 5.35 stopped drawing after the first tag once the API passed about 140
    operations, so the page starts with the headings closed)."""
    strict_page.goto("/api/v1/docs")
    expect(strict_page.locator(".swagger-ui .info .title")).to_contain_text("Coproduce API")
    tags = strict_page.locator(".opblock-tag")
    expect(tags.first).to_be_visible()
    names = [tags.nth(i).get_attribute("data-tag") for i in range(tags.count())]
    assert {"people", "timebank", "directory", "coordination", "audit", "budgeting", "impact"} <= (
        set(names)
    )
    for i in range(len(names)):
        tags.nth(i).click()
        expect(strict_page.locator(".opblock").first).to_be_visible()
        assert strict_page.locator(".opblock").count() >= 5, names[i]
        tags.nth(i).click()
        expect(strict_page.locator(".opblock")).to_have_count(0)
    assert strict_page.csp_errors == []


def test_map_without_tiles_says_so_and_the_list_stays(strict_page: Any, world: World) -> None:
    build_asset(world, name="Knit and Natter", category="association")
    strict_page.goto("/directory/?q=knit")
    status = strict_page.get_by_role("status").filter(has_text="map pictures could not load")
    expect(status).to_have_text(
        "The map pictures could not load, so the map may be blank. "
        "Every result is in the list below."
    )
    expect(strict_page.get_by_role("link", name="Knit and Natter")).to_be_visible()
    assert strict_page.csp_errors == []


def test_voting_code_sheet_prints_as_a4_pages_of_ten_slips(page: Any, world: World) -> None:
    e = election(world)
    sign_in(page, "staff@a.example.org", PASSWORD)
    page.goto(f"/budgeting/budgets/{e.budget.pk}/codes/")
    page.get_by_label("How many codes to print").fill("23")
    submit(page, page.get_by_role("button", name="Make the codes"))
    expect(page.locator(".code-slip")).to_have_count(23)
    assert axe_violations(page) == []

    page.emulate_media(media="print")
    # Nothing but the slips is printed, and each slip is 95 mm by 55 mm (96 px to 25.4 mm).
    assert page.locator("header.site-header").is_hidden()
    assert page.locator("footer.site-footer").is_hidden()
    assert page.get_by_role("heading", level=1).is_hidden()
    box = page.locator(".code-slip").first.bounding_box()
    assert round(box["height"] * 25.4 / 96) == 55
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    # three A4 pages (595 by 842 points): ten slips, ten, and three
    assert [(round(float(w)), round(float(h))) for w, h in sizes] == [(595, 842)] * 3


def test_start_control_gifts_pages_charts_and_applications_pass_axe(
    page: Any, world: World
) -> None:
    people_services.organisation_create(
        name="Riverside Tenants", kind=OrganisationKind.TIME_BANK, founder=world.people["admin"]
    )
    for index in range(55):
        people_services.skill_add(
            viewer=world.viewer("member"),
            person=world.people["member"],
            kind="offer",
            label=f"Skill {index:02d}",
        )
    sign_in(page, "admin@a.example.org", PASSWORD)
    for path in [
        "/budgeting/",
        "/directory/gifts/?page=2",
        f"/timebank/{world.org.pk}/statistics/",
    ]:
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto("/budgeting/")
    page.get_by_label("Start a round for").select_option(label="Riverside Tenants")
    page.get_by_label("Import a pabulib election").check()
    submit(page, page.get_by_role("button", name="Continue"))
    assert page.url.endswith("/import/"), page.url

    applicant = make_person("Pat Applicant", "pat@a.example.org")
    people_services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org, note=""
    )
    page.context.clear_cookies()
    sign_in(page, "pat@a.example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Your applications")).to_be_visible()
    assert axe_violations(page) == []
