"""Introduction test data, built through the services (peer groups directly, until the
groups concept has its own service)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.coordination.models import (
    Goal,
    GoalArea,
    GroupMember,
    Introduction,
    PeerGroup,
    Plan,
)
from coproduce.coordination.services import introductions, plans
from coproduce.directory.models import Asset
from coproduce.people import services as people_services
from coproduce.people.models import ConsentPurpose, Membership
from coproduce.people.permissions import viewer_for
from tests.coordination.factories import member, plan_for

_counter = itertools.count(1)


def findable(world: Any, name: str | None = None, *, vetted: bool = False) -> Membership:
    """A new member who has consented to be found (and, if asked, has a current vetting
    record with a DBS check and a reference)."""
    membership = member(world, name)
    person = membership.person
    people_services.consent_set(
        viewer=viewer_for(person.user), person=person, purpose=ConsentPurpose.BE_FOUND, given=True
    )
    if vetted:
        people_services.vetting_record(
            viewer=world.viewer("coordinator"),
            person=person,
            organisation=world.org,
            references_taken=2,
            dbs_checked_on=timezone.localdate() - timedelta(days=30),
            dbs_level="enhanced",
        )
    return membership


def goal_of(plan: Plan, world: Any, *, vetted: bool = False) -> Goal:
    return plans.plan_goal_add(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        area=GoalArea.FRIENDSHIP,
        text="Meet people who like gardening.",
        needs_vetted_helper=vetted,
    )


def group(
    world: Any, *, capacity: int | None = None, is_open: bool = True, org: Any = None
) -> PeerGroup:
    return PeerGroup.objects.create(
        organisation=org or world.org,
        name=f"Allotment group {next(_counter)}",
        capacity=capacity,
        is_open=is_open,
        meets="Tuesdays 10am",
        created_by=world.people["staff"],
    )


def join(group_: PeerGroup, membership: Membership) -> GroupMember:
    return GroupMember.objects.create(group=group_, membership=membership)


def asset(world: Any, **overrides: Any) -> Asset:
    from tests.directory.conftest import build_asset

    return build_asset(world, name=f"Riverside Hall {next(_counter)}", **overrides)


def to_person(world: Any, plan: Plan | None = None, **fields: Any) -> Introduction:
    """A proposed introduction of a new plan's person to a new findable member."""
    plan = plan or plan_for(world)
    other = fields.pop("other", None) or findable(world)
    return introductions.introduction_propose(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        target_kind="person",
        membership_id=other.pk,
        **fields,
    )


def to_group(world: Any, plan: Plan | None = None, **fields: Any) -> Introduction:
    plan = plan or plan_for(world)
    return introductions.introduction_propose(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        target_kind="group",
        group_id=(fields.pop("group", None) or group(world)).pk,
        **fields,
    )


def to_asset(world: Any, plan: Plan | None = None, **fields: Any) -> Introduction:
    plan = plan or plan_for(world)
    return introductions.introduction_propose(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        target_kind="asset",
        asset_id=(fields.pop("asset", None) or asset(world)).pk,
        **fields,
    )


def agreed(world: Any, **fields: Any) -> Introduction:
    """An introduction to a group the plan's person has agreed to."""
    introduction = to_group(world, **fields)
    person = introduction.plan.membership.person
    return introductions.introduction_agree(
        viewer=viewer_for(person.user), introduction_id=introduction.pk
    )
