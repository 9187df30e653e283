"""A coordinator opens a goal's suggestions in the browser and marks one a good match; the
page passes axe before and after."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.coordination.models import MatchMark
from coproduce.people import services as people_services
from coproduce.people.models import SkillKind
from coproduce.people.permissions import viewer_for
from tests.conftest import PASSWORD, build_world
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import findable, goal_of, group
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


def test_coordinator_marks_a_suggestion_as_a_good_match(page: Any) -> None:
    world = build_world()
    goal = goal_of(plan_for(world, "Mo Person"), world)  # "Meet people who like gardening."
    helper = findable(world, "Gwen Gardener")
    people_services.skill_add(
        viewer=viewer_for(helper.person.user),
        person=helper.person,
        kind=SkillKind.OFFER,
        label="gardening",
    )
    allotment = group(world, capacity=6)
    allotment.purpose = "Gardening together on the allotment"
    allotment.save()

    sign_in(page, "coordinator@a.example.org", PASSWORD)
    page.goto(f"/coordination/goals/{goal.pk}/matches/")
    expect(
        page.get_by_role("heading", name="Suggestions for Mo Person\u2019s goal")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Gwen Gardener")).to_be_visible()
    expect(page.get_by_text("6 places left").first).to_be_visible()
    assert axe_violations(page) == []

    submit(page, page.get_by_role("button", name=re.compile(r"^Good match\W+Gwen Gardener$")))
    expect(page.get_by_text("as a good match.")).to_be_visible()
    expect(page.get_by_text("You marked this a good match.")).to_be_visible()
    mark = MatchMark.objects.get()
    assert (mark.candidate, mark.good) == (f"person:{helper.pk}", True)
    assert axe_violations(page) == []

    page.goto(f"/coordination/organisations/{world.org.pk}/matching/precision/")
    expect(page.get_by_text("1 good of 1 mark, for 1 goal")).to_be_visible()
    assert axe_violations(page) == []
