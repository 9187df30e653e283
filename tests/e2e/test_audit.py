"""A co-production audit in the browser: a manager opens a round and invites a member; the
member answers, saves, comes back and sends after a confirmation; the commissioner reads last
round's results with their charts. Every page passes axe."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.audit import demo
from coproduce.audit.models import Respondent, Round
from coproduce.people import demo as people_demo
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_audits() -> None:
    people_demo.load(stdout=io.StringIO(), people=40)
    demo.load(stdout=io.StringIO())


def _statement(page: Any, text: str) -> Any:
    return page.get_by_role("group", name=text)


def test_a_round_opened_answered_and_sent(page: Any, demo_audits: None) -> None:
    sign_in(page, "manager@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/audit/")
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Open a round"))
    assert axe_violations(page) == []
    page.get_by_label("The service being assessed").fill("Tuesday lunch club")
    page.get_by_label("Title of the round").fill("Lunch club audit")
    today = timezone.localdate()
    page.get_by_label("Opens on").fill(str(today))
    page.get_by_label("Closes on").fill(str(today + timedelta(days=14)))
    submit(page, page.get_by_role("button", name="Open the round"))
    expect(page.get_by_text("“Lunch club audit” is open.")).to_be_visible()
    assert axe_violations(page) == []

    submit(page, page.get_by_role("link", name="Invite people"))
    assert axe_violations(page) == []
    page.get_by_label("Mo Hassan (member)").check()
    submit(page, page.get_by_role("button", name="Invite"))
    expect(page.get_by_text("1 person is invited.")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    submit(page, page.get_by_role("link", name="Answer the questionnaire for Tuesday lunch club"))
    assert axe_violations(page) == []
    _statement(page, "People who use this service help run it.").get_by_label("Often (4)").check()
    submit(page, page.get_by_role("button", name="Save and come back later"))
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(
        _statement(page, "People who use this service help run it.").get_by_label("Often (4)")
    ).to_be_checked()
    _statement(page, "Members take part in designing new activities.").get_by_label(
        "Rarely (2)"
    ).check()
    submit(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("heading", name="Send your answers?")).to_be_visible()
    expect(page.get_by_text("You answered 2 of")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("button", name="Send my answers now"))
    expect(page.get_by_role("heading", name="Thank you: your answers are sent")).to_be_visible()
    mine = Respondent.objects.get(
        round__title="Lunch club audit", person=people_demo.person("member@example.org")
    )
    assert mine.submitted_at is not None
    answered = mine.answers.filter(value__isnull=False).values_list("item_code", "value")
    assert dict(answered) == {"ASSETS1": 4, "ASSETS3": 2}


def test_the_commissioner_reads_results_with_their_charts(page: Any, demo_audits: None) -> None:
    this_year = Round.objects.filter(service=demo.SERVICE).latest("closes_on")
    sign_in(page, "commissioner@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/audit/")
    submit(page, page.get_by_role("link", name=this_year.title))
    submit(page, page.get_by_role("link", name="Results", exact=True))
    expect(page.get_by_role("heading", name=f"Results: {this_year.title}")).to_be_visible()
    expect(page.get_by_role("img", name="Staff and members' scores by feature")).to_be_visible()
    expect(page.get_by_role("row", name="Peer support networks")).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the results as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
