"""Peer support groups, for the permission matrix. Every member of the organisation (not a
commissioner) sees its groups and may join; only the group's facilitators manage it — here
world's plain member, who started it: staff and managers get nothing special inside a group.
Posting a meeting's hours is the time bank's: its brokers (staff and up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.coordination.services import groups
from tests.coordination.factories import member
from tests.coordination.factories_groups import (
    as_member,
    joined,
    membership_of,
    past_meeting,
    recorded_meeting,
    started_by,
)
from tests.matrix import MEMBERS_UP, STAFF_UP, ApiRoute, Route

FACILITATOR = frozenset({"member"})
_stash: dict[str, int] = {}


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _group(world: Any) -> dict[str, int]:
    return {"group_id": started_by(world, "member").pk}


def _someone_elses_group(world: Any) -> int:
    """A group started by a new member, so any role of world may join it."""
    founder = member(world)
    return groups.group_create(
        viewer=as_member(founder), organisation_id=world.org.pk, name="Men's Shed"
    ).pk


def _everyone_in(world: Any) -> int:
    """A group started by a new member that every role of world (but the commissioner) is in."""
    group_id = _someone_elses_group(world)
    group = groups.access_group_by_id(viewer=world.viewer("admin"), group_id=group_id)
    for role in MEMBERS_UP:
        joined(group, membership_of(world, role))
    return group_id


def _with_a_member(world: Any) -> int:
    group = started_by(world, "member")
    newcomer = member(world)
    joined(group, newcomer)
    _stash["membership_id"] = newcomer.pk
    return group.pk


def _meeting(world: Any) -> dict[str, int]:
    return {"meeting_id": past_meeting(world, started_by(world, "member")).pk}


def _recorded(world: Any) -> dict[str, int]:
    return {"meeting_id": recorded_meeting(world)[0].pk}


ROUTES: list[Route] = [
    Route("coordination:group_list", kwargs=_org, allowed=MEMBERS_UP),
    Route("coordination:group_create", kwargs=_org, allowed=MEMBERS_UP),
    Route("coordination:group_detail", kwargs=_group, allowed=MEMBERS_UP),
    Route("coordination:group_edit", kwargs=_group, allowed=FACILITATOR),
    Route("coordination:group_join", kwargs=_group, allowed=MEMBERS_UP),
    Route(
        "coordination:group_join",
        kwargs=lambda w: {"group_id": _someone_elses_group(w)},
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"confirmed": "yes"},
        ok_status=302,
    ),
    Route("coordination:group_leave", kwargs=_group, allowed=MEMBERS_UP),
    Route("coordination:group_facilitators", kwargs=_group, allowed=FACILITATOR),
    Route("coordination:meeting_create", kwargs=_group, allowed=FACILITATOR),
    Route("coordination:meeting_detail", kwargs=_meeting, allowed=MEMBERS_UP),
    Route("coordination:meeting_attendance", kwargs=_meeting, allowed=FACILITATOR),
    Route("coordination:meeting_post", kwargs=_recorded, allowed=STAFF_UP),
    Route(
        "coordination:meeting_post",
        kwargs=_recorded,
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"confirmed": "yes"},
        ok_status=302,
    ),
]


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


def _soon(world: Any) -> dict[str, Any]:
    return {"starts_at": (timezone.now() + timedelta(days=5)).isoformat(), "minutes": 90}


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/coordination/organisations/{organisation_id}/groups",
        lambda w: _p(f"/organisations/{w.org.pk}/groups"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/groups",
        lambda w: _p(f"/organisations/{w.org.pk}/groups"),
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"name": "Carers' coffee morning", "capacity": 12},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/groups/{group_id}",
        lambda w: _p(f"/groups/{_group(w)['group_id']}"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/coordination/groups/{group_id}",
        lambda w: _p(f"/groups/{_group(w)['group_id']}"),
        allowed=FACILITATOR,
        method="post",
        data=lambda w: {"name": "Hearing Voices (Thursdays)", "capacity": 15},
    ),
    ApiRoute(
        "/coordination/groups/{group_id}/join",
        lambda w: _p(f"/groups/{_someone_elses_group(w)}/join"),
        allowed=MEMBERS_UP,
        method="post",
    ),
    ApiRoute(
        "/coordination/groups/{group_id}/leave",
        lambda w: _p(f"/groups/{_everyone_in(w)}/leave"),
        allowed=MEMBERS_UP,
        method="post",
    ),
    ApiRoute(
        "/coordination/groups/{group_id}/facilitators",
        lambda w: _p(f"/groups/{_with_a_member(w)}/facilitators"),
        allowed=FACILITATOR,
        method="post",
        data=lambda w: {"membership_id": _stash["membership_id"], "facilitator": True},
    ),
    ApiRoute(
        "/coordination/groups/{group_id}/meetings",
        lambda w: _p(f"/groups/{_group(w)['group_id']}/meetings"),
        allowed=FACILITATOR,
        method="post",
        data=_soon,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/group-meetings/{meeting_id}",
        lambda w: _p(f"/group-meetings/{_meeting(w)['meeting_id']}"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/coordination/group-meetings/{meeting_id}/attendance",
        lambda w: _p(f"/group-meetings/{_meeting(w)['meeting_id']}/attendance"),
        allowed=FACILITATOR,
        method="post",
        data=lambda w: {"present": [membership_of(w, "member").pk]},
    ),
    ApiRoute(
        "/coordination/group-meetings/{meeting_id}/post-hours",
        lambda w: _p(f"/group-meetings/{_recorded(w)['meeting_id']}/post-hours"),
        allowed=STAFF_UP,
        method="post",
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/group-meetings/to-post",
        lambda w: _p(f"/organisations/{w.org.pk}/group-meetings/to-post"),
        allowed=MEMBERS_UP,
    ),
]
