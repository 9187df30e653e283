"""A coordinator works their caseload in the browser: the caseload at a glance, a new plan in
the person's own words, a goal and a small step; the person reads and comments on it. Every
page passes axe."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.coordination import demo
from coproduce.coordination.models import Goal, Plan, PlanComment
from coproduce.people import demo as people_demo
from coproduce.people.models import Membership
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_caseloads() -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    demo.load(stdout=io.StringIO())


def test_coordinator_starts_a_plan_and_the_person_comments(page: Any, demo_caseloads: None) -> None:
    home = people_demo.organisation(people_demo.HOME)
    newcomer = (
        Membership.objects.filter(organisation=home, role="member", status="active")
        .exclude(coordination_plans__isnull=False)
        .first()
    )
    assert newcomer is not None
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="your caseload"))
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_text("Reviews due or overdue")).to_be_visible()
    assert axe_violations(page) == []

    submit(page, page.get_by_role("link", name="Start a plan"))
    assert axe_violations(page) == []
    page.get_by_label("Membership number").fill(newcomer.number)
    page.get_by_label("What kind of life do you want to live?").fill(
        "To have friends nearby and grow my own vegetables."
    )
    page.get_by_label("Strengths and gifts").fill("Patient; good with plants.")
    submit(page, page.get_by_role("button", name="Start the plan"))
    expect(page.get_by_text("The plan is started.")).to_be_visible()
    plan = Plan.objects.get(membership=newcomer, status="active")

    page.get_by_label("What the goal is about").select_option("friendship")
    page.get_by_label("The goal, in the person's own words").fill("Meet people who like gardening.")
    submit(page, page.get_by_role("button", name="Add the goal"))
    expect(page.get_by_role("heading", name="Meet people who like gardening.")).to_be_visible()
    page.get_by_label("A small step").fill("Visit the community garden on Tuesday")
    submit(page, page.get_by_role("button", name="Add the step"))
    expect(page.get_by_text("Visit the community garden on Tuesday")).to_be_visible()
    assert Goal.objects.filter(plan=plan).count() == 1
    assert axe_violations(page) == []


def test_the_person_reads_and_comments_on_their_own_plan(page: Any, demo_caseloads: None) -> None:
    plan = Plan.objects.get(membership__person__user__email="member@example.org")
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="Your plan with Holy Cross Centre"))
    expect(page.get_by_role("heading", name="Your plan", exact=True)).to_be_visible()
    assert page.get_by_role("button", name="Add the goal").count() == 0
    page.get_by_label("Your comment").fill("Could we add swimming?")
    submit(page, page.get_by_role("button", name="Add the comment"))
    expect(page.get_by_text("Could we add swimming?")).to_be_visible()
    assert PlanComment.objects.filter(plan=plan).count() == 1
    assert axe_violations(page) == []


def test_a_manager_sees_every_caseload_and_the_access_log(page: Any, demo_caseloads: None) -> None:
    home = people_demo.organisation(people_demo.HOME)
    sign_in(page, "manager@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/organisations/{home.pk}/caseloads/")
    expect(page.get_by_role("heading", name="Every caseload")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Colin Reyes"))
    expect(page.get_by_role("heading", name="Colin Reyes's caseload")).to_be_visible()
    expect(page.get_by_text("of 60 people")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.locator("table a").first)
    page.goto(f"/coordination/organisations/{home.pk}/access-log/")
    expect(page.get_by_role("cell", name="Margaret Lind").first).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"/coordination/organisations/{home.pk}/settings/")
    assert axe_violations(page) == []


def test_an_introduction_agreed_by_both_and_followed_up(page: Any, demo_caseloads: None) -> None:
    """Colin introduces Mo to a neighbour who agreed to be suggested; Mo agrees, then the
    neighbour; Colin records that they met."""
    from django.utils import timezone

    from coproduce.coordination.models import Introduction

    plan = Plan.objects.get(membership__person__user__email="member@example.org")
    neighbour = (
        Membership.objects.filter(
            organisation=plan.organisation,
            status="active",
            person__consents__purpose="be_found",
            person__consents__withdrawn_at__isnull=True,
            person__user__isnull=False,
        )
        .exclude(person=plan.membership.person)
        .exclude(person__user__email="coordinator@example.org")
        .exclude(
            pk__in=Introduction.objects.filter(plan=plan, target_membership__isnull=False).values(
                "target_membership"
            )
        )
        .select_related("person__user")
        .order_by("person__full_name")
        .first()
    )
    assert neighbour is not None and neighbour.person.user is not None
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/plans/{plan.pk}/")
    submit(page, page.get_by_role("link", name="Introductions for this plan"))
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Make an introduction"))
    assert axe_violations(page) == []
    page.get_by_label("A person", exact=True).check()
    page.get_by_label("Their membership number").fill(neighbour.number)
    page.get_by_label("A note for the people asked to agree").fill("Both love gardening.")
    submit(page, page.get_by_role("button", name="Propose the introduction"))
    introduction = Introduction.objects.get(plan=plan, target_membership=neighbour)
    assert introduction.status == "proposed"
    assert axe_violations(page) == []

    page.context.clear_cookies()
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/introductions/{introduction.pk}/")
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="I agree to this introduction"))
    assert axe_violations(page) == []
    submit(page, page.get_by_role("button", name="Yes, I agree"))
    introduction.refresh_from_db()
    assert introduction.person_agreed_at is not None and introduction.status == "proposed"

    page.context.clear_cookies()
    sign_in(page, neighbour.person.user.email, people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/introductions/{introduction.pk}/")
    submit(page, page.get_by_role("link", name="I agree to this introduction"))
    expect(page.get_by_role("heading", name="Would you like to meet")).to_be_visible()
    submit(page, page.get_by_role("button", name="Yes, I agree"))
    introduction.refresh_from_db()
    assert introduction.status == "agreed"

    page.context.clear_cookies()
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/introductions/{introduction.pk}/")
    submit(page, page.get_by_role("link", name="Record how it went"))
    assert axe_violations(page) == []
    page.get_by_label("Met", exact=True).check()
    page.get_by_label("The date they met").fill(timezone.localdate().isoformat())
    submit(page, page.get_by_role("button", name="Record it"))
    introduction.refresh_from_db()
    assert introduction.status == "met", page.locator("main").inner_text()
