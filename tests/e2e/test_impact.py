"""Impact in the browser: every impact page passes axe for the roles that open it; a member
agrees to an indicator and a manager adopts it after the confirmation; the report page shows
its progress and, under the real content security policy, htmx swaps in the finished report
without a reload; the PDF downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.impact.models import EvaluationReport, IndicatorStatus, ReportStatus
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import axe_violations, sign_in, submit
from tests.impact.routes_indicators import indicator_for, record_for
from tests.impact.routes_reports import report_for
from tests.impact.routes_value_maps import value_map_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def strict_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page under the content security policy (the shared ``page`` bypasses it to inject
    axe-core), with every policy violation the console reports kept."""
    context = browser.new_context(base_url=live_server.url)
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


def test_every_impact_page_passes_axe(page: Any, world: World) -> None:
    indicator = indicator_for(world, agreed_by="staff", adopted=True)
    record = record_for(world)
    value_map = value_map_for(world)
    report = report_for(world)
    assert report.status == ReportStatus.DONE, report.error
    org = world.org.pk
    sign_in(page, "manager@a.example.org", PASSWORD)
    for path in [
        "/impact/",
        f"/impact/organisations/{org}/indicators/",
        f"/impact/organisations/{org}/indicators/propose/",
        f"/impact/indicators/{indicator.pk}/",
        f"/impact/indicators/{indicator.pk}/record/",
        f"/impact/indicators/{indicator.pk}/retire/",
        f"/impact/records/{record.pk}/verify/",
        f"/impact/organisations/{org}/wellbeing/",
        f"/impact/organisations/{org}/wellbeing/record/ons4/",
        f"/impact/organisations/{org}/wellbeing/record/swemwbs/",
        f"/impact/organisations/{org}/wellbeing/licence/",
        f"/impact/organisations/{org}/wellbeing/cohort/",
        f"/impact/organisations/{org}/costs/",
        f"/impact/organisations/{org}/costs/add/",
        f"/impact/organisations/{org}/deflators/",
        f"/impact/organisations/{org}/value-maps/",
        f"/impact/organisations/{org}/value-maps/upload/",
        f"/impact/value-maps/{value_map.pk}/",
        f"/impact/value-maps/{value_map.pk}/delete/",
        f"/impact/organisations/{org}/reports/",
        f"/impact/organisations/{org}/reports/request/",
        f"/impact/reports/{report.pk}/",
    ]:
        page.goto(path)
        assert axe_violations(page) == [], path
    # a form sent with mistakes: the error summary and the fields' errors pass too
    page.goto(f"/impact/organisations/{org}/indicators/propose/")
    submit(page, page.get_by_role("button", name="Propose the indicator"))
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert axe_violations(page) == []


def test_a_member_agrees_and_a_manager_adopts_after_confirming(page: Any, world: World) -> None:
    indicator = indicator_for(world)
    sign_in(page, "member@a.example.org", PASSWORD)
    page.goto(f"/impact/organisations/{world.org.pk}/indicators/")
    submit(page, page.get_by_role("link", name=indicator.name))
    page.get_by_label("Anything to add").fill("This is what matters to me.")
    submit(page, page.get_by_role("button", name="I agree this measures what matters"))
    expect(page.get_by_text(f"You agreed to “{indicator.name}”.")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, "manager@a.example.org", PASSWORD)
    page.goto(f"/impact/indicators/{indicator.pk}/")
    submit(page, page.get_by_role("link", name="Adopt the indicator"))
    expect(page.get_by_role("heading", name=f"Adopt {indicator.name}?")).to_be_visible()
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.PROPOSED
    submit(page, page.get_by_role("button", name="Adopt the indicator"))
    expect(page.get_by_text("is adopted: outcomes can now be recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="Record an outcome")).to_be_visible()
    assert axe_violations(page) == []
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.AGREED


def test_the_report_page_polls_until_the_report_is_ready(strict_page: Any, world: World) -> None:
    report = report_for(world)
    figures = report.figures
    # Back to the middle of its build, as a worker leaves it between stages.
    EvaluationReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, progress=50, stage="Valuing outcomes by budget holder"
    )
    page = strict_page
    sign_in(page, "commissioner@a.example.org", PASSWORD)
    page.goto(f"/impact/reports/{report.pk}/")
    expect(page.get_by_role("heading", name="The report is being built")).to_be_visible()
    expect(page.get_by_label("Valuing outcomes by budget holder")).to_have_attribute("value", "50")
    EvaluationReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.DONE, progress=100, stage="Ready", figures=figures
    )
    # htmx asks again every 2 seconds and swaps the finished report in: no reload
    expect(page.get_by_role("heading", name="Value by budget holder")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("heading", name="The report is being built")).to_have_count(0)
    assert page.csp_errors == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report as a PDF").click()
    assert re.fullmatch(r"evaluation-report-\d+\.pdf", download.value.suggested_filename)
