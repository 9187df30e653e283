"""Matching pages through the test client: a goal's suggestions, marking one, a listing's
suggestions and the precision page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from coproduce.coordination.matching.engine import Suggestion
from coproduce.coordination.models import Goal, MatchMark
from coproduce.coordination.services.marks import match_mark
from coproduce.coordination.views.matching import introduce_target
from coproduce.people import services as people_services
from coproduce.people.models import SensitiveAccess, SkillKind
from coproduce.people.permissions import viewer_for
from coproduce.timebank.services import listings
from tests.coordination.factories import member, plan_for
from tests.coordination.factories_introductions import findable, goal_of, group

pytestmark = pytest.mark.django_db

QUERY = "Meet people who like gardening."
ASSET_ID = "0b7e2f04-5f0c-4b8e-9d0a-3a4b5c6d7e8f"


@pytest.fixture
def goal(world: Any) -> Goal:
    return goal_of(plan_for(world), world)


def _matches(goal: Goal) -> str:
    return reverse("coordination:goal_matches", args=[goal.pk])


def _mark_url(goal: Goal) -> str:
    return reverse("coordination:match_mark", args=[goal.pk])


def _form(**fields: str) -> dict[str, str]:
    return {"candidate": "group:7", "rank": "2", "query": QUERY, "verdict": "good", **fields}


def _suggestion(kind: str, source_id: str, membership_id: int | None = None) -> Suggestion:
    return Suggestion(
        key=f"{kind}:{source_id}",
        kind=kind,
        source_id=source_id,
        title="T",
        reason="R",
        score=1.0,
        rank=1,
        distance_km=None,
        places_left=None,
        membership_id=membership_id,
    )


# --- the goal's suggestions -----------------------------------------------------------------


def test_the_matches_page_shows_the_goal_in_the_persons_words(world: Any, goal: Goal) -> None:
    response = world.client("coordinator").get(_matches(goal))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The goal, in their own words" in html
    assert QUERY in html
    assert "What they could offer back" in html
    assert reverse("coordination:plan_detail", args=[goal.plan_id]) in html
    assert reverse("coordination:match_precision", args=[world.org.pk]) in html


def test_the_matches_page_says_when_nothing_matches(world: Any, goal: Goal) -> None:
    html = world.client("coordinator").get(_matches(goal)).content.decode()

    assert "Nothing matches this goal yet." in html
    assert "Nothing to offer back has come up yet." in html


def test_opening_the_matches_page_is_written_to_the_access_log(world: Any, goal: Goal) -> None:
    before = SensitiveAccess.objects.count()
    world.client("manager").get(_matches(goal))

    logged = SensitiveAccess.objects.order_by("-pk").first()
    assert SensitiveAccess.objects.count() == before + 1
    assert logged is not None
    assert logged.viewer == world.people["manager"]
    assert logged.object_ref == f"plan:{goal.plan_id}"


def test_another_organisations_coordinator_gets_404(world: Any, goal: Goal) -> None:
    assert world.client("outsider").get(_matches(goal)).status_code == 404


@pytest.mark.parametrize("role", ["member", "staff", "commissioner"])
def test_someone_without_the_plan_is_refused(world: Any, goal: Goal, role: str) -> None:
    assert world.client(role).get(_matches(goal)).status_code == 403


def test_an_unknown_goal_is_404(world: Any) -> None:
    response = world.client("coordinator").get(reverse("coordination:goal_matches", args=[987654]))
    assert response.status_code == 404


def test_introduce_links_name_what_the_introductions_page_accepts() -> None:
    assert introduce_target(_suggestion("person", "5", membership_id=41)) == ("person", "41")
    assert introduce_target(_suggestion("offer", "12", membership_id=42)) == ("person", "42")
    assert introduce_target(_suggestion("request", "13", membership_id=43)) == ("person", "43")
    assert introduce_target(_suggestion("group", "7")) == ("group", "7")
    assert introduce_target(_suggestion("asset", ASSET_ID)) == ("asset", ASSET_ID)
    assert introduce_target(_suggestion("offer", "12")) is None


# --- marking ------------------------------------------------------------------------------


def test_marking_a_suggestion_keeps_it_and_goes_back_to_the_matches(world: Any, goal: Goal) -> None:
    client = world.client("coordinator")
    response = client.post(_mark_url(goal), _form(verdict="bad"))

    assert response.status_code == 302
    assert response["Location"] == f"{_matches(goal)}#matches"
    mark = MatchMark.objects.get()
    assert (mark.candidate, mark.rank, mark.good, mark.query) == ("group:7", 2, False, QUERY)
    html = client.get(response["Location"]).content.decode()
    assert "Marked suggestion 2 as not a good match." in html


def test_marking_again_changes_the_mark(world: Any, goal: Goal) -> None:
    client = world.client("coordinator")
    client.post(_mark_url(goal), _form(verdict="bad"))
    client.post(_mark_url(goal), _form(verdict="good"))

    assert MatchMark.objects.get().good is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"candidate": "team:7"}, "The suggestion must be named as &lt;kind&gt;:&lt;id&gt;"),
        ({"candidate": ""}, "This field is required."),
        ({"rank": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"rank": "101"}, "Ensure this value is less than or equal to 100."),
        ({"rank": "x"}, "Enter a whole number."),
        ({"verdict": "maybe"}, "Select a valid choice."),
        ({"query": "   "}, "This field is required."),
    ],
)
def test_a_bad_mark_is_shown_with_its_message_and_nothing_is_kept(
    world: Any, goal: Goal, fields: dict[str, str], message: str
) -> None:
    response = world.client("coordinator").post(_mark_url(goal), _form(**fields))

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert _matches(goal) in html
    assert not MatchMark.objects.exists()


def test_another_organisations_coordinator_cannot_mark(world: Any, goal: Goal) -> None:
    assert world.client("outsider").post(_mark_url(goal), _form()).status_code == 404
    assert not MatchMark.objects.exists()


@pytest.mark.parametrize("role", ["member", "staff"])
def test_a_member_cannot_mark(world: Any, goal: Goal, role: str) -> None:
    assert world.client(role).post(_mark_url(goal), _form()).status_code == 403
    assert not MatchMark.objects.exists()


def test_the_mark_page_on_its_own_points_back_to_the_suggestions(world: Any, goal: Goal) -> None:
    response = world.client("coordinator").get(_mark_url(goal))

    assert response.status_code == 200
    assert _matches(goal) in response.content.decode()
    assert not MatchMark.objects.exists()


# --- precision ------------------------------------------------------------------------------


def _precision(world: Any) -> str:
    return reverse("coordination:match_precision", args=[world.org.pk])


def test_precision_page_without_marks_says_so(world: Any) -> None:
    html = world.client("coordinator").get(_precision(world)).content.decode()

    assert "You have not marked any suggestions yet." in html
    assert "Each coordinator of the service" not in html


def test_precision_page_shows_the_figure_and_the_number_of_marks(world: Any, goal: Goal) -> None:
    coordinator = world.viewer("coordinator")
    for candidate, good in (("group:1", True), ("group:2", False)):
        match_mark(
            viewer=coordinator, goal_id=goal.pk, candidate=candidate, rank=1, good=good, query=QUERY
        )

    html = world.client("coordinator").get(_precision(world)).content.decode()

    assert "50%" in html
    assert "1 good of 2 marks, for 1 goal" in html
    assert "Only 2 marks so far" in html


def test_a_manager_sees_each_coordinator_in_a_table(world: Any, goal: Goal) -> None:
    match_mark(
        viewer=world.viewer("coordinator"),
        goal_id=goal.pk,
        candidate="group:1",
        rank=1,
        good=True,
        query=QUERY,
    )
    second = member(world, "Cora Second")
    people_services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=second.pk, role="coordinator"
    )
    assert viewer_for(second.person.user).role_in(world.org.pk) == "coordinator"

    html = world.client("manager").get(_precision(world)).content.decode()

    assert "Each coordinator of the service" in html
    assert '<div class="table-scroll"' in html
    assert world.people["coordinator"].display_name in html
    assert "Cora Second" in html
    assert "100%" in html
    assert "No marks yet" in html


def test_a_member_cannot_see_precision(world: Any) -> None:
    assert world.client("member").get(_precision(world)).status_code == 403
    assert world.client("outsider").get(_precision(world)).status_code == 404


# --- with suggestions -----------------------------------------------------------------------


def _gardener(world: Any) -> Any:
    helper = findable(world, "Gwen Gardener")
    people_services.skill_add(
        viewer=viewer_for(helper.person.user),
        person=helper.person,
        kind=SkillKind.OFFER,
        label="gardening",
    )
    return helper


def _allotment_group(world: Any) -> Any:
    found = group(world, capacity=5)
    found.purpose = "Gardening together on the allotment"
    found.save()
    return found


def test_each_suggestion_shows_its_kind_reason_and_the_ways_to_act(world: Any, goal: Goal) -> None:
    helper = _gardener(world)
    allotment = _allotment_group(world)

    html = world.client("coordinator").get(_matches(goal)).content.decode()

    assert "Gwen Gardener" in html
    assert "offers gardening" in html
    assert allotment.name in html
    assert "5 places left" in html
    assert '<span class="tag">Person</span>' in html
    assert '<span class="tag">Group</span>' in html
    create = reverse("coordination:introduction_create", args=[goal.plan_id])
    person_link = f"{create}?kind=person&amp;target={helper.pk}&amp;goal={goal.pk}"
    group_link = f"{create}?kind=group&amp;target={allotment.pk}&amp;goal={goal.pk}"
    assert person_link in html
    assert group_link in html
    assert f'action="{_mark_url(goal)}"' in html
    assert f'name="candidate" value="person:{helper.pk}"' in html
    assert 'name="verdict" value="good"' in html
    assert 'name="verdict" value="bad"' in html
    assert "Nothing matches this goal yet." not in html


def test_the_introduce_link_opens_the_introduction_with_the_target_chosen(
    world: Any, goal: Goal
) -> None:
    allotment = _allotment_group(world)
    create = reverse("coordination:introduction_create", args=[goal.plan_id])

    response = world.client("coordinator").get(
        f"{create}?kind=group&target={allotment.pk}&goal={goal.pk}"
    )

    assert response.status_code == 200
    assert f'value="{allotment.pk}" selected' in response.content.decode()


def test_a_marked_suggestion_says_how_it_was_marked(world: Any, goal: Goal) -> None:
    helper = _gardener(world)
    client = world.client("coordinator")
    client.post(_mark_url(goal), _form(candidate=f"person:{helper.pk}", verdict="bad"))

    html = client.get(_matches(goal)).content.decode()

    assert "You marked this not a good match." in html


def test_the_person_sees_suggestions_without_marks_or_introductions(world: Any, goal: Goal) -> None:
    _gardener(world)
    client = world.client("coordinator")
    client.logout()
    client.force_login(goal.plan.membership.person.user)

    html = client.get(_matches(goal)).content.decode()

    assert "Gwen Gardener" in html
    assert 'name="verdict"' not in html
    assert "introductions/new" not in html


def test_what_they_could_offer_back_lists_others_requests(world: Any, goal: Goal) -> None:
    neighbour = findable(world)
    request = listings.listing_create(
        viewer=viewer_for(neighbour.person.user),
        organisation=world.org,
        kind="request",
        title="Help with my overgrown garden plants",
        category="gardening",
    )

    html = world.client("coordinator").get(_matches(goal)).content.decode()
    offer_back = html.split("What they could offer back", 1)[1]

    assert request.title in offer_back
    assert '<span class="tag">Request</span>' in offer_back
    assert 'name="verdict"' not in offer_back


# --- a listing's suggestions ----------------------------------------------------------------


def test_a_listings_suggestions_are_for_coordinators(world: Any) -> None:
    _gardener(world)
    neighbour = findable(world)
    request = listings.listing_create(
        viewer=viewer_for(neighbour.person.user),
        organisation=world.org,
        kind="request",
        title="Help with gardening",
        category="gardening",
    )
    url = reverse("coordination:listing_matches", args=[request.pk])

    response = world.client("coordinator").get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Suggestions for “Help with gardening”" in html
    assert "Gwen Gardener" in html
    assert 'name="verdict"' not in html
    assert world.client("staff").get(url).status_code == 403
    assert world.client("outsider").get(url).status_code == 404


def test_a_listing_with_no_suggestions_says_so(world: Any) -> None:
    neighbour = findable(world)
    request = listings.listing_create(
        viewer=viewer_for(neighbour.person.user),
        organisation=world.org,
        kind="request",
        title="Someone to tune a harpsichord",
        category="other",
    )
    html = (
        world.client("coordinator")
        .get(reverse("coordination:listing_matches", args=[request.pk]))
        .content.decode()
    )
    assert "Nothing matches this request yet." in html
