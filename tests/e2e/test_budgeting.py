"""A resident votes in the demo's open round: the running total follows their ticks, the
vote is counted, and the budgeting pages pass axe."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.budgeting import demo
from coproduce.budgeting.models import Ballot, Budget, Round
from coproduce.people import demo as people_demo
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_round() -> Budget:
    people_demo.load(stdout=io.StringIO(), people=60)
    demo.load(stdout=io.StringIO())
    return Budget.objects.get(round__title=demo.OPEN, name="Riverside 2026")


def test_member_votes_and_the_running_total_updates(page: Any, demo_round: Budget) -> None:
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/budgeting/budgets/{demo_round.pk}/vote/")
    total = page.locator("#running-total")
    assert total.get_attribute("aria-live") == "polite"
    expect(total).to_have_text("Your choices cost £0 of £5,000.")
    assert axe_violations(page) == []

    page.get_by_label("Repair café: £900").check()
    expect(total).to_have_text("Your choices cost £900 of £5,000.")
    page.get_by_label("Outdoor gym: £2,800").check()
    page.get_by_label("Community fridge: £1,500").check()
    page.get_by_label("Story time in Urdu and Polish: £1,100").check()
    expect(total).to_have_text("Your choices cost £6,300 of £5,000. That is £1,300 over the limit.")
    page.get_by_label("Story time in Urdu and Polish: £1,100").uncheck()
    page.get_by_label("Outdoor gym: £2,800").uncheck()
    expect(total).to_have_text("Your choices cost £2,400 of £5,000.")
    submit(page, page.get_by_role("button", name="Cast my vote"))
    expect(page.get_by_text("Your vote is counted.")).to_be_visible()
    ballot = Ballot.objects.get(budget=demo_round, person__user__email="member@example.org")
    assert sorted(ballot.choices.values_list("proposal__title", flat=True)) == [
        "Community fridge",
        "Repair café",
    ]
    assert axe_violations(page) == []


def test_vote_page_fits_a_phone_screen(page: Any, demo_round: Budget) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/budgeting/budgets/{demo_round.pk}/vote/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Bird boxes for the park: £300").check()
    expect(page.locator("#running-total")).to_have_text("Your choices cost £300 of £5,000.")
    assert axe_violations(page) == []


def test_over_the_limit_without_the_script_the_server_refuses(
    browser: Any, live_server: Any, demo_round: Budget
) -> None:
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    try:
        sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
        page.goto(f"/budgeting/budgets/{demo_round.pk}/vote/")
        for label in ["Outdoor gym: £2,800", "Community fridge: £1,500", "Repair café: £900"]:
            page.get_by_label(label).check()
        submit(page, page.get_by_role("button", name="Cast my vote"))
        expect(
            page.get_by_role("alert").get_by_text(
                "Your choices cost £5,200, over the budget of £5,000."
            )
        ).to_be_visible()
    finally:
        context.close()
    assert not Ballot.objects.filter(person__user__email="member@example.org").exists()


def test_budgeting_pages_have_no_axe_violations(page: Any, demo_round: Budget) -> None:
    finished = Budget.objects.get(round__title=demo.FINISHED)
    sign_in(page, "manager@example.org", people_demo.DEMO_PASSWORD)
    open_round = Round.objects.get(title=demo.OPEN)
    for path in [
        "/budgeting/",
        f"/budgeting/rounds/{open_round.pk}/",
        f"/budgeting/rounds/{finished.round_id}/",
        f"/budgeting/budgets/{finished.pk}/results/",
        f"/budgeting/budgets/{finished.pk}/delivery/",
        f"/budgeting/budgets/{demo_round.pk}/paper/",
        f"/budgeting/budgets/{demo_round.pk}/codes/",
        f"/budgeting/budgets/{demo_round.pk}/vote-with-code/",
    ]:
        page.goto(path)
        assert axe_violations(page) == [], path


def test_dividend_page_has_no_axe_violations(page: Any, demo_round: Budget) -> None:
    council = people_demo.organisation("riverside-adult-social-care")
    sign_in(page, "admin@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/budgeting/organisations/{council.pk}/dividends/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Community dividends")
    assert axe_violations(page) == []
