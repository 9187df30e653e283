"""Proposing introductions through the service: to a person (never oneself; only people who
consented to be found; only vetted people for a goal that needs it), a peer group (not a
full or closed one) or a directory asset (visible to the organisation). Bad input: a clear
message and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.coordination.models import Introduction, IntroductionStatus, TargetKind
from coproduce.coordination.selectors import introductions as selectors
from coproduce.coordination.services import introductions, plans
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import ConsentPurpose, HistoryEntry
from coproduce.people.permissions import viewer_for
from tests.coordination.factories import member, plan_for
from tests.coordination.factories_introductions import (
    asset,
    findable,
    goal_of,
    group,
    join,
    to_asset,
    to_group,
    to_person,
)

pytestmark = pytest.mark.django_db


def _propose(world: Any, plan: Any, **fields: Any) -> Introduction:
    return introductions.introduction_propose(
        viewer=world.viewer("coordinator"), plan_id=plan.pk, **fields
    )


def _nothing_written() -> None:
    assert Introduction.objects.count() == 0
    assert not HistoryEntry.objects.filter(action__startswith="coordination.introduction").exists()


def test_an_introduction_to_a_person_is_proposed_and_recorded(world: Any) -> None:
    plan = plan_for(world, name="Pat Plan")
    other = findable(world, name="Sam Other")
    introduction = _propose(
        world, plan, target_kind="person", membership_id=other.pk, note="  You both garden.  "
    )
    assert introduction.status == IntroductionStatus.PROPOSED
    assert introduction.target_membership == other
    assert introduction.target_group is None and introduction.target_asset is None
    assert introduction.organisation == world.org
    assert introduction.introduced_by == world.people["coordinator"]
    assert introduction.note == "You both garden."
    assert introduction.person_agreed_at is None and introduction.other_agreed_at is None
    # the follow-up defaults to two weeks on
    assert introduction.follow_up_on == timezone.localdate() + timedelta(days=14)
    assert HistoryEntry.objects.filter(
        action="coordination.introduction_propose", subject_id=str(introduction.pk)
    ).exists()


def test_a_person_by_membership_number_as_typed(world: Any) -> None:
    plan = plan_for(world)
    other = findable(world)
    typed = f" {other.number[:3].lower()} {other.number[3:]} "
    introduction = _propose(world, plan, target_kind="person", number=typed)
    assert introduction.target_membership == other


def test_an_unknown_membership_number_is_a_clear_error(world: Any) -> None:
    plan = plan_for(world)
    with pytest.raises(InvalidInput, match="No member of this organisation has the number “ZZZ1”"):
        _propose(world, plan, target_kind="person", number="ZZZ1")
    _nothing_written()


def test_introduction_to_oneself_is_refused_and_nothing_is_written(world: Any) -> None:
    plan = plan_for(world)
    # even when the person has consented to be found
    person = plan.membership.person
    people_services.consent_set(
        viewer=viewer_for(person.user), person=person, purpose=ConsentPurpose.BE_FOUND, given=True
    )
    with pytest.raises(
        InvalidInput, match=r"^You cannot introduce someone to themselves\.$"
    ) as error:
        _propose(world, plan, target_kind="person", membership_id=plan.membership_id)
    assert error.value.field == "target"
    with pytest.raises(InvalidInput, match=r"You cannot introduce someone to themselves\."):
        _propose(world, plan, target_kind="person", number=plan.membership.number)
    _nothing_written()


def test_only_people_who_consented_to_be_found(world: Any) -> None:
    plan = plan_for(world)
    shy = member(world, name="Shy Person")
    with pytest.raises(InvalidInput, match="Shy Person has not agreed to be suggested to others"):
        _propose(world, plan, target_kind="person", membership_id=shy.pk)
    _nothing_written()
    # a consent withdrawn no longer counts
    withdrawn = findable(world, name="Changed Mind")
    people_services.consent_set(
        viewer=viewer_for(withdrawn.person.user),
        person=withdrawn.person,
        purpose=ConsentPurpose.BE_FOUND,
        given=False,
    )
    with pytest.raises(InvalidInput, match="Changed Mind has not agreed"):
        _propose(world, plan, target_kind="person", membership_id=withdrawn.pk)
    _nothing_written()
    chooser = selectors.person_choices(plan=plan, goal=None)
    assert shy not in chooser and withdrawn not in chooser


def test_a_goal_needing_a_vetted_helper_takes_only_vetted_people(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world, vetted=True)
    unvetted = findable(world, name="Una Vetted")
    vetted = findable(world, name="Vera Vetted", vetted=True)
    with pytest.raises(
        InvalidInput,
        match=r"This goal needs a vetted helper and Una Vetted has no current vetting record\.",
    ):
        _propose(world, plan, target_kind="person", membership_id=unvetted.pk, goal_id=goal.pk)
    _nothing_written()
    introduction = _propose(
        world, plan, target_kind="person", membership_id=vetted.pk, goal_id=goal.pk
    )
    assert introduction.goal == goal
    # the chooser suggests only the vetted for that goal, everyone findable otherwise
    assert selectors.person_choices(plan=plan, goal=goal) == [vetted]
    assert set(selectors.person_choices(plan=plan, goal=None)) == {unvetted, vetted}


def test_an_out_of_date_vetting_record_is_not_current(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world, vetted=True)
    old = findable(world, name="Old Check")
    people_services.vetting_record(
        viewer=world.viewer("coordinator"),
        person=old.person,
        organisation=world.org,
        references_taken=2,
        dbs_checked_on=timezone.localdate() - timedelta(days=4 * 365),
        dbs_level="enhanced",
    )
    with pytest.raises(InvalidInput, match="Old Check has no current vetting record"):
        _propose(world, plan, target_kind="person", membership_id=old.pk, goal_id=goal.pk)


def test_a_person_of_another_organisation_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    outsider = world.outsider.memberships.get()
    with pytest.raises(NotFound):
        _propose(world, plan, target_kind="person", membership_id=outsider.pk)
    with pytest.raises(InvalidInput, match="No member of this organisation has the number"):
        _propose(world, plan, target_kind="person", number=outsider.number)
    _nothing_written()


def test_a_group_with_room_and_a_full_or_closed_group(world: Any) -> None:
    plan = plan_for(world)
    roomy = group(world, capacity=2)
    join(roomy, member(world))
    introduction = _propose(world, plan, target_kind="group", group_id=roomy.pk)
    assert introduction.target_group == roomy
    assert introduction.target_kind == TargetKind.GROUP

    full = group(world, capacity=1)
    join(full, member(world))
    with pytest.raises(InvalidInput, match=f"^{full.name} is full: all 1 places are taken.$"):
        _propose(world, plan, target_kind="group", group_id=full.pk)
    closed = group(world, is_open=False)
    with pytest.raises(InvalidInput, match=f"{closed.name} is not taking new members"):
        _propose(world, plan, target_kind="group", group_id=closed.pk)
    already = group(world)
    join(already, plan.membership)
    with pytest.raises(InvalidInput, match=f"is already in {already.name}"):
        _propose(world, plan, target_kind="group", group_id=already.pk)
    assert Introduction.objects.count() == 1
    # the chooser offers groups with room only
    offered = selectors.group_choices(plan=plan)
    assert roomy in offered and full not in offered and closed not in offered


def test_a_group_of_another_organisation_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    theirs = group(world, org=world.other_org)
    with pytest.raises(NotFound):
        _propose(world, plan, target_kind="group", group_id=theirs.pk)
    _nothing_written()


def test_an_asset_visible_to_the_organisation(world: Any) -> None:
    plan = plan_for(world)
    hall = asset(world)
    introduction = _propose(world, plan, target_kind="asset", asset_id=hall.pk)
    assert introduction.target_asset == hall
    # another organisation's private asset is not found; a public one may be used
    private = asset(world, organisation=world.other_org, is_public=False)
    with pytest.raises(NotFound):
        _propose(world, plan, target_kind="asset", asset_id=private.pk)
    with pytest.raises(NotFound):
        _propose(world, plan, target_kind="asset", asset_id="not-a-uuid")
    public = asset(world, organisation=world.other_org)
    assert (
        _propose(world, plan, target_kind="asset", asset_id=str(public.pk)).target_asset == public
    )
    closed = asset(world, status="temporarily closed")
    with pytest.raises(InvalidInput, match=f"{closed.name} is temporarily closed at the moment."):
        _propose(world, plan, target_kind="asset", asset_id=closed.pk)
    assert Introduction.objects.count() == 2


def test_the_same_introduction_twice_while_it_is_under_way(world: Any) -> None:
    plan = plan_for(world, name="Dee Double")
    hall = asset(world)
    first = to_asset(world, plan, asset=hall)
    with pytest.raises(Conflict, match=f"Dee Double already has an introduction to {hall.name}"):
        to_asset(world, plan, asset=hall)
    # once it has not worked out, a new one may be made
    introductions.introduction_status_set(
        viewer=world.viewer("coordinator"),
        introduction_id=first.pk,
        status="didnt_work_out",
        reason="Too far to travel",
    )
    assert to_asset(world, plan, asset=hall).pk != first.pk


def test_bad_input_names_the_field_and_writes_nothing(world: Any) -> None:
    plan = plan_for(world)
    other = findable(world)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"target_kind": "robot"}, "target_kind", "Choose a person, a group or a place"),
        ({"target_kind": "person"}, "target", "Give the person's membership number"),
        ({"target_kind": "group"}, "target", "Choose the group."),
        ({"target_kind": "asset"}, "target", "Choose the place or service."),
        (
            {"target_kind": "person", "membership_id": other.pk, "note": "x" * 2001},
            "note",
            "Keep the note under 2000 characters.",
        ),
        (
            {
                "target_kind": "person",
                "membership_id": other.pk,
                "follow_up_on": timezone.localdate() - timedelta(days=1),
            },
            "follow_up_on",
            "The follow-up date cannot be in the past.",
        ),
        (
            {
                "target_kind": "person",
                "membership_id": other.pk,
                "follow_up_on": timezone.localdate() + timedelta(days=800),
            },
            "follow_up_on",
            "within the next two years",
        ),
    ]
    for fields, field, message in cases:
        with pytest.raises(InvalidInput, match=message) as error:
            _propose(world, plan, **fields)
        assert error.value.field == field, fields
    _nothing_written()


def test_a_goal_of_another_plan_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    elsewhere = goal_of(plan_for(world), world)
    with pytest.raises(NotFound, match=r"No such goal on this plan\."):
        to_group(world, plan, goal_id=elsewhere.pk)
    _nothing_written()


def test_a_closed_plan_takes_no_introductions(world: Any) -> None:
    plan = plan_for(world)
    plans.plan_close(viewer=world.viewer("coordinator"), plan_id=plan.pk, reason="Moved away")
    with pytest.raises(Conflict, match="This plan is closed"):
        to_group(world, plan)
    _nothing_written()


def test_too_low_a_role_is_refused_and_another_organisation_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    other = findable(world)
    for role in ("member", "staff"):
        with pytest.raises(PermissionDenied):
            introductions.introduction_propose(
                viewer=world.viewer(role),
                plan_id=plan.pk,
                target_kind="person",
                membership_id=other.pk,
            )
    with pytest.raises(NotFound):
        introductions.introduction_propose(
            viewer=world.viewer("outsider"),
            plan_id=plan.pk,
            target_kind="person",
            membership_id=other.pk,
        )
    # the person themselves may not propose one on their own plan either
    with pytest.raises(PermissionDenied):
        introductions.introduction_propose(
            viewer=viewer_for(plan.membership.person.user),
            plan_id=plan.pk,
            target_kind="person",
            membership_id=other.pk,
        )
    _nothing_written()
    # a manager of the service may
    managed = introductions.introduction_propose(
        viewer=world.viewer("manager"),
        plan_id=plan.pk,
        target_kind="person",
        membership_id=other.pk,
    )
    assert managed.introduced_by == world.people["manager"]


def test_the_short_list_searches_by_name_and_leaves_out_the_person(world: Any) -> None:
    """People found by name can be introduced; the plan's person is never offered."""
    plan = plan_for(world)
    helper = findable(world, name="Hal Helper")
    chooser = selectors.person_choices(plan=plan, goal=None, text="hal")
    assert chooser == [helper]
    assert plan.membership not in selectors.person_choices(plan=plan, goal=None)
    assert to_person(world, plan, other=helper).target_membership == helper
