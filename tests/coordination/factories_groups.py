"""Peer support group test data, built through the groups services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from coproduce.coordination.models import Meeting, PeerGroup
from coproduce.coordination.services import groups
from coproduce.people.models import Membership
from coproduce.people.permissions import Viewer, viewer_for
from tests.coordination.factories import member

_counter = itertools.count(1)


def as_member(membership: Membership) -> Viewer:
    user = membership.person.user
    assert user is not None
    return viewer_for(user)


def membership_of(world: Any, role: str) -> Membership:
    return Membership.objects.get(person=world.people[role], organisation=world.org)


def started_by(world: Any, role: str = "member", **fields: Any) -> PeerGroup:
    """A new group started by world's person in ``role`` (its first facilitator)."""
    fields.setdefault("name", f"Hearing Voices group {next(_counter)}")
    fields.setdefault("meets", "Thursdays 6pm at the Holy Cross Centre")
    return groups.group_create(viewer=world.viewer(role), organisation_id=world.org.pk, **fields)


def joined(group: PeerGroup, membership: Membership) -> None:
    groups.group_join(viewer=as_member(membership), group_id=group.pk)


def with_members(
    world: Any, count: int, role: str = "member", **fields: Any
) -> tuple[PeerGroup, list[Membership]]:
    """A group started by ``role`` with ``count`` new members who joined."""
    group = started_by(world, role, **fields)
    people = [member(world) for _ in range(count)]
    for membership in people:
        joined(group, membership)
    return group, people


def past_meeting(
    world: Any, group: PeerGroup, role: str = "member", *, minutes: int = 90, days_ago: int = 3
) -> Meeting:
    starts_at: datetime = timezone.now() - timedelta(days=days_ago)
    return groups.meeting_schedule(
        viewer=world.viewer(role),
        group_id=group.pk,
        starts_at=starts_at,
        minutes=minutes,
        place="The community room",
    )


def recorded_meeting(
    world: Any, *, present: int = 3, absent: int = 1
) -> tuple[Meeting, list[Membership]]:
    """A past meeting of a member-run group whose facilitator (world's member) recorded
    ``present`` new members present (and themselves), ``absent`` not."""
    group, people = with_members(world, present + absent)
    meeting = past_meeting(world, group)
    facilitator = membership_of(world, "member")
    there = [facilitator, *people[:present]]
    groups.attendance_record(
        viewer=world.viewer("member"),
        meeting_id=meeting.pk,
        present_membership_ids=[m.pk for m in there],
    )
    return meeting, there
