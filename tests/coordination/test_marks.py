"""Matching marks: who may mark a suggestion, what a bad mark is told, re-marking, and
precision@5 on a coordinator's own history."""

from __future__ import annotations

from typing import Any

import pytest

from coproduce.coordination.models import Goal, MatchMark
from coproduce.coordination.selectors.marks import (
    goal_marks,
    precision_at_5,
    precision_report,
)
from coproduce.coordination.services.marks import match_mark
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import HistoryEntry
from coproduce.people.permissions import Viewer, viewer_for
from tests.coordination.factories import member, plan_for
from tests.coordination.factories_introductions import goal_of

pytestmark = pytest.mark.django_db

QUERY = "Meet people who like gardening."


@pytest.fixture
def goal(world: Any) -> Goal:
    return goal_of(plan_for(world), world)


def _mark(viewer: Viewer, goal: Goal, candidate: str = "group:7", **fields: Any) -> MatchMark:
    return match_mark(
        viewer=viewer,
        goal_id=goal.pk,
        candidate=candidate,
        rank=fields.pop("rank", 1),
        good=fields.pop("good", True),
        query=fields.pop("query", QUERY),
    )


def _second_coordinator(world: Any) -> Viewer:
    membership = member(world, "Cora Second")
    people_services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=membership.pk, role="coordinator"
    )
    return viewer_for(membership.person.user)


def test_match_mark_keeps_the_coordinators_verdict(world: Any, goal: Goal) -> None:
    mark = _mark(world.viewer("coordinator"), goal, "group:7", rank=2, good=False)

    stored = MatchMark.objects.get()
    assert stored.pk == mark.pk
    assert stored.organisation_id == world.org.pk
    assert stored.coordinator == world.people["coordinator"]
    assert stored.goal_id == goal.pk
    assert (stored.candidate, stored.rank, stored.good, stored.query) == (
        "group:7",
        2,
        False,
        QUERY,
    )
    assert HistoryEntry.objects.filter(action="coordination.match_mark").count() == 1


def test_marking_the_same_suggestion_again_changes_the_mark(world: Any, goal: Goal) -> None:
    coordinator = world.viewer("coordinator")
    first = _mark(coordinator, goal, "person:12", rank=3, good=True)
    again = _mark(coordinator, goal, "person:12", rank=1, good=False, query="New words")

    assert again.pk == first.pk
    stored = MatchMark.objects.get()
    assert (stored.rank, stored.good, stored.query) == (1, False, "New words")


def test_each_suggestion_and_each_coordinator_has_its_own_mark(world: Any, goal: Goal) -> None:
    _mark(world.viewer("coordinator"), goal, "group:7")
    _mark(world.viewer("coordinator"), goal, "asset:0b7e2f04-5f0c-4b8e-9d0a-3a4b5c6d7e8f")
    _mark(world.viewer("manager"), goal, "group:7", good=False)

    assert MatchMark.objects.count() == 3
    assert goal_marks(viewer=world.viewer("coordinator"), goal_id=goal.pk) == {
        "group:7": True,
        "asset:0b7e2f04-5f0c-4b8e-9d0a-3a4b5c6d7e8f": True,
    }
    assert goal_marks(viewer=world.viewer("manager"), goal_id=goal.pk) == {"group:7": False}


def test_an_unknown_goal_is_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        match_mark(
            viewer=world.viewer("coordinator"),
            goal_id=987654,
            candidate="group:1",
            rank=1,
            good=True,
            query=QUERY,
        )
    assert not MatchMark.objects.exists()


def test_another_organisations_goal_is_not_found(world: Any, goal: Goal) -> None:
    with pytest.raises(NotFound):
        _mark(world.viewer("outsider"), goal)
    assert not MatchMark.objects.exists()


@pytest.mark.parametrize("role", ["member", "staff", "commissioner"])
def test_roles_below_coordinator_may_not_mark(world: Any, goal: Goal, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _mark(world.viewer(role), goal)
    assert not MatchMark.objects.exists()


def test_a_coordinator_who_does_not_hold_the_plan_may_not_mark(world: Any, goal: Goal) -> None:
    with pytest.raises(PermissionDenied, match="coordinator who holds their plan"):
        _mark(_second_coordinator(world), goal)
    assert not MatchMark.objects.exists()


def test_the_person_may_not_mark_their_own_goals_suggestions(world: Any, goal: Goal) -> None:
    person = goal.plan.membership.person
    with pytest.raises(PermissionDenied, match="Your coordinator changes the plan"):
        _mark(viewer_for(person.user), goal)
    assert not MatchMark.objects.exists()


@pytest.mark.parametrize("rank", [0, -1, 101, 2**63, True])
def test_a_rank_outside_1_to_100_is_refused(world: Any, goal: Goal, rank: Any) -> None:
    with pytest.raises(InvalidInput, match=r"The rank must be a whole number from 1 to 100\.") as e:
        _mark(world.viewer("coordinator"), goal, rank=rank)
    assert e.value.field == "rank"
    assert not MatchMark.objects.exists()


BAD_CANDIDATES = [
    "",
    "group",
    "group:",
    "team:3",
    "group:abc",
    "group:0",
    "Group:3",
    "asset:xyz",
    "person:" + "9" * 20,
    "group:3:4",
]


@pytest.mark.parametrize("candidate", BAD_CANDIDATES)
def test_a_badly_named_candidate_is_refused(world: Any, goal: Goal, candidate: str) -> None:
    with pytest.raises(InvalidInput, match="The suggestion must be named as <kind>:<id>") as e:
        _mark(world.viewer("coordinator"), goal, candidate)
    assert e.value.field == "candidate"
    assert not MatchMark.objects.exists()


def test_space_around_a_candidate_is_forgiven(world: Any, goal: Goal) -> None:
    assert _mark(world.viewer("coordinator"), goal, " group:3 ").candidate == "group:3"


@pytest.mark.parametrize("query", ["", "   ", "x" * 5001])
def test_the_query_must_be_given_and_not_too_long(world: Any, goal: Goal, query: str) -> None:
    with pytest.raises(InvalidInput) as e:
        _mark(world.viewer("coordinator"), goal, query=query)
    assert e.value.field == "query"
    assert not MatchMark.objects.exists()


def test_good_must_be_a_yes_or_no(world: Any, goal: Goal) -> None:
    with pytest.raises(InvalidInput, match=r"Say whether it was a good match\."):
        _mark(world.viewer("coordinator"), goal, good="yes")
    assert not MatchMark.objects.exists()


# --- precision@5 ------------------------------------------------------------------------------


def test_precision_is_none_without_marks(world: Any) -> None:
    precision = precision_at_5(
        coordinator=world.people["coordinator"], organisation_id=world.org.pk
    )
    assert (precision.marked, precision.good, precision.goals) == (0, 0, 0)
    assert precision.value is None
    assert precision.percent is None


def test_precision_at_5_pools_the_coordinators_own_top_five_marks(world: Any) -> None:
    coordinator = world.viewer("coordinator")
    one = goal_of(plan_for(world), world)
    two = plans_goal(world, "A job in a bike workshop.")
    # Goal one: 1 good of 1. Goal two: 1 good of 4. Pooled 2/5 = 0.4 (averaged would be 0.625).
    _mark(coordinator, one, "group:1", rank=1, good=True)
    _mark(coordinator, two, "group:1", rank=1, good=True, query="A job in a bike workshop.")
    for rank in (2, 3, 5):
        _mark(coordinator, two, f"person:{rank}", rank=rank, good=False, query="A job")
    # Not counted: ranked below five, someone else's, another marker.
    _mark(coordinator, two, "person:6", rank=6, good=True, query="A job")
    _mark(world.viewer("manager"), one, "group:9", rank=1, good=True)

    precision = precision_at_5(
        coordinator=world.people["coordinator"], organisation_id=world.org.pk
    )
    assert (precision.good, precision.marked) == (2, 5)
    assert precision.value == pytest.approx(0.4)
    assert precision.percent == 40
    assert precision.small_sample


def test_precision_counts_a_changed_mark_once(world: Any, goal: Goal) -> None:
    coordinator = world.viewer("coordinator")
    _mark(coordinator, goal, "group:1", good=False)
    _mark(coordinator, goal, "group:1", good=True)

    precision = precision_at_5(
        coordinator=world.people["coordinator"], organisation_id=world.org.pk
    )
    assert (precision.good, precision.marked, precision.goals) == (1, 1, 1)


def test_a_coordinators_report_has_their_own_figure_only(world: Any, goal: Goal) -> None:
    _mark(world.viewer("coordinator"), goal, "group:1", good=True)
    _mark(world.viewer("manager"), goal, "group:2", good=False)

    report = precision_report(viewer=world.viewer("coordinator"), organisation_id=world.org.pk)
    assert not report.is_manager
    assert report.team == []
    assert (report.own.good, report.own.marked) == (1, 1)


def test_a_managers_report_shows_each_coordinator(
    world: Any, goal: Goal, django_assert_num_queries: Any
) -> None:
    _mark(world.viewer("coordinator"), goal, "group:1", good=True)
    _mark(world.viewer("coordinator"), goal, "group:2", good=False)
    _mark(world.viewer("manager"), goal, "group:2", good=False)
    manager = world.viewer("manager")

    with django_assert_num_queries(3):
        report = precision_report(viewer=manager, organisation_id=world.org.pk)

    assert report.is_manager
    by_name = {row.name: row.precision for row in report.team}
    coordinator_name = world.people["coordinator"].display_name
    assert set(by_name) == {
        coordinator_name,
        world.people["manager"].display_name,
        world.people["admin"].display_name,
    }
    assert (by_name[coordinator_name].good, by_name[coordinator_name].marked) == (1, 2)
    assert by_name[world.people["admin"].display_name].value is None
    assert (report.own.good, report.own.marked) == (0, 1)


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("staff", PermissionDenied), ("outsider", NotFound)],
)
def test_precision_is_for_coordinators_of_the_service(world: Any, role: str, error: type) -> None:
    with pytest.raises(error):
        precision_report(viewer=world.viewer(role), organisation_id=world.org.pk)


def plans_goal(world: Any, text: str) -> Goal:
    from coproduce.coordination.services import plans

    return plans.plan_goal_add(
        viewer=world.viewer("coordinator"), plan_id=plan_for(world).pk, area="work", text=text
    )
