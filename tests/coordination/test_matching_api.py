"""The matching API: a goal's suggestions (logged like the page), marks and precision."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coproduce.coordination.models import Goal, MatchMark
from coproduce.people import services as people_services
from coproduce.people.models import SensitiveAccess, SkillKind
from coproduce.people.permissions import viewer_for
from coproduce.timebank.services import listings
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import findable, goal_of

pytestmark = pytest.mark.django_db
API = "/api/v1/coordination"
QUERY = "Meet people who like gardening."


@pytest.fixture
def goal(world: Any) -> Goal:
    return goal_of(plan_for(world), world)


def _post(client: Any, path: str, data: Any) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json")


def _mark(**fields: Any) -> dict[str, Any]:
    return {"candidate": "group:7", "rank": 1, "good": True, "query": QUERY, **fields}


def test_a_goals_matches_name_the_goal_and_are_logged(world: Any, goal: Goal) -> None:
    before = SensitiveAccess.objects.count()
    response = world.client("coordinator").get(f"{API}/goals/{goal.pk}/matches")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["goal_id"] == goal.pk
    assert body["plan_id"] == goal.plan_id
    assert body["query"].startswith(QUERY)
    assert isinstance(body["suggestions"], list)
    assert isinstance(body["offer_back"], list)
    assert SensitiveAccess.objects.count() == before + 1


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("member", 403), ("staff", 403)])
def test_a_goals_matches_are_for_the_plans_holders(
    world: Any, goal: Goal, role: str, status: int
) -> None:
    response = world.client(role).get(f"{API}/goals/{goal.pk}/matches")
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message", "field"}


@pytest.mark.parametrize("limit", ["0", "51", "x", "-1"])
def test_the_limit_is_range_checked(world: Any, goal: Goal, limit: str) -> None:
    response = world.client("coordinator").get(f"{API}/goals/{goal.pk}/matches?limit={limit}")
    assert response.status_code == 422


def test_a_mark_is_kept_and_marking_again_changes_it(world: Any, goal: Goal) -> None:
    client = world.client("coordinator")
    first = _post(client, f"/goals/{goal.pk}/marks", _mark(good=True))
    assert first.status_code == 200, first.content
    assert first.json() == {
        "id": first.json()["id"],
        "goal_id": goal.pk,
        "candidate": "group:7",
        "rank": 1,
        "good": True,
        "query": QUERY,
    }
    again = _post(client, f"/goals/{goal.pk}/marks", _mark(good=False, rank=3))

    assert again.json()["id"] == first.json()["id"]
    stored = MatchMark.objects.get()
    assert (stored.good, stored.rank) == (False, 3)


def test_a_badly_named_candidate_is_a_400_naming_the_field(world: Any, goal: Goal) -> None:
    response = _post(
        world.client("coordinator"), f"/goals/{goal.pk}/marks", _mark(candidate="team:1")
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "candidate"
    assert error["message"].startswith("The suggestion must be named as <kind>:<id>")
    assert not MatchMark.objects.exists()


@pytest.mark.parametrize(
    "fields", [{"rank": 0}, {"rank": 101}, {"rank": "1"}, {"good": "yes"}, {"good": 1}]
)
def test_a_wrongly_typed_mark_is_a_422(world: Any, goal: Goal, fields: dict[str, Any]) -> None:
    response = _post(world.client("coordinator"), f"/goals/{goal.pk}/marks", _mark(**fields))

    assert response.status_code == 422
    assert not MatchMark.objects.exists()


def test_an_empty_query_is_a_400(world: Any, goal: Goal) -> None:
    response = _post(world.client("coordinator"), f"/goals/{goal.pk}/marks", _mark(query=" "))

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "query"
    assert not MatchMark.objects.exists()


def test_another_organisations_goal_cannot_be_marked(world: Any, goal: Goal) -> None:
    response = _post(world.client("outsider"), f"/goals/{goal.pk}/marks", _mark())
    assert response.status_code == 404
    assert not MatchMark.objects.exists()


def test_an_unknown_goal_cannot_be_marked(world: Any) -> None:
    response = _post(world.client("coordinator"), "/goals/987654/marks", _mark())
    assert response.status_code == 404


def test_precision_is_null_without_marks_and_counts_them_after(world: Any, goal: Goal) -> None:
    client = world.client("coordinator")
    path = f"{API}/organisations/{world.org.pk}/matching/precision"
    body = client.get(path).json()
    assert body["own"] == {"marked": 0, "good": 0, "goals": 0, "precision": None}
    assert body["at"] == 5
    assert body["team"] == []

    _post(client, f"/goals/{goal.pk}/marks", _mark(candidate="group:1", good=True))
    _post(client, f"/goals/{goal.pk}/marks", _mark(candidate="group:2", good=False))
    _post(client, f"/goals/{goal.pk}/marks", _mark(candidate="group:3", good=True, rank=6))

    assert client.get(path).json()["own"] == {
        "marked": 2,
        "good": 1,
        "goals": 1,
        "precision": 0.5,
    }


def test_a_manager_sees_each_coordinators_precision(world: Any, goal: Goal) -> None:
    _post(world.client("coordinator"), f"/goals/{goal.pk}/marks", _mark(good=True))

    body = (
        world.client("manager").get(f"{API}/organisations/{world.org.pk}/matching/precision").json()
    )
    team = {row["name"]: row for row in body["team"]}
    coordinator = team[world.people["coordinator"].display_name]
    assert (coordinator["marked"], coordinator["precision"]) == (1, 1.0)
    assert team[world.people["manager"].display_name]["precision"] is None


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("member", 403)])
def test_precision_is_for_coordinators(world: Any, role: str, status: int) -> None:
    response = world.client(role).get(f"{API}/organisations/{world.org.pk}/matching/precision")
    assert response.status_code == status


def test_a_goals_suggestions_carry_what_the_page_shows(world: Any, goal: Goal) -> None:
    helper = findable(world, "Gwen Gardener")
    people_services.skill_add(
        viewer=viewer_for(helper.person.user),
        person=helper.person,
        kind=SkillKind.OFFER,
        label="gardening",
    )

    body = world.client("coordinator").get(f"{API}/goals/{goal.pk}/matches?limit=3").json()

    found = next(s for s in body["suggestions"] if s["key"] == f"person:{helper.pk}")
    assert found["kind"] == "person"
    assert found["title"] == "Gwen Gardener"
    assert found["membership_id"] == helper.pk
    assert found["reason"].startswith("offers gardening")
    assert 1 <= found["rank"] <= 3
    assert len(body["suggestions"]) <= 3


def test_a_listings_suggestions_are_for_coordinators(world: Any) -> None:
    neighbour = findable(world)
    request = listings.listing_create(
        viewer=viewer_for(neighbour.person.user),
        organisation=world.org,
        kind="request",
        title="Help with gardening",
        category="gardening",
    )
    path = f"{API}/listings/{request.pk}/matches"

    body = world.client("coordinator").get(path).json()
    assert body["listing_id"] == request.pk
    assert isinstance(body["suggestions"], list)
    assert world.client("staff").get(path).status_code == 403
    assert world.client("outsider").get(path).status_code == 404
    assert world.client("coordinator").get(f"{API}/listings/987654/matches").status_code == 404
