"""Peer support groups through the JSON API: the same services as the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.coordination.models import Attendance, GroupMember, Meeting, PeerGroup
from coproduce.timebank.models import Account, GroupExchange, Transfer, Unit
from tests.coordination.factories import member
from tests.coordination.factories_groups import (
    membership_of,
    past_meeting,
    recorded_meeting,
    started_by,
    with_members,
)

pytestmark = pytest.mark.django_db


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


def _post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(_p(path), data=data or {}, content_type="application/json")


def test_a_member_starts_and_reads_a_group(world: Any) -> None:
    client = world.client("member")
    response = _post(
        client,
        f"/organisations/{world.org.pk}/groups",
        {"name": "Carers' coffee morning", "capacity": 8, "meets_on": ["WE"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Carers' coffee morning" and body["meets_on"] == ["WE"]
    assert body["members"] == 1 and body["places_left"] == 7
    assert body["my_role"] == "facilitator" and body["may_manage"] is True
    assert body["may_post_hours"] is False
    assert [m["name"] for m in body["member_list"]] == ["Member Person"]
    listed = client.get(_p(f"/organisations/{world.org.pk}/groups")).json()
    assert listed["count"] == 1 and listed["items"][0]["places_left"] == 7


def test_joining_a_full_group_is_a_409_and_nothing_written(world: Any) -> None:
    group, _ = with_members(world, 1, capacity=2)
    response = _post(world.client("staff"), f"/groups/{group.pk}/join")
    assert response.status_code == 409
    assert "is full: all 2 places are taken" in response.json()["error"]["message"]
    assert GroupMember.objects.filter(group=group).count() == 2


def test_joining_twice_is_a_409(world: Any) -> None:
    group = started_by(world, "member")
    client = world.client("staff")
    assert _post(client, f"/groups/{group.pk}/join").json()["role"] == "member"
    again = _post(client, f"/groups/{group.pk}/join")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == f"You are already in {group.name}."


def test_a_zero_minute_meeting_is_refused_naming_the_field(world: Any) -> None:
    group = started_by(world, "member")
    response = _post(
        world.client("member"),
        f"/groups/{group.pk}/meetings",
        {"starts_at": (timezone.now() + timedelta(days=2)).isoformat(), "minutes": 0},
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "minutes"
    assert Meeting.objects.count() == 0


def test_attendance_for_a_stranger_is_refused(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    response = _post(
        world.client("member"),
        f"/group-meetings/{meeting.pk}/attendance",
        {"present": [ann.pk, member(world).pk]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "field": "present",
        "message": "Only people in the group can be marked present.",
    }
    assert Attendance.objects.count() == 0


def test_attendance_then_posting_the_hours(world: Any) -> None:
    group, (ann, bob) = with_members(world, 2)
    meeting = past_meeting(world, group, minutes=60)
    me = membership_of(world, "member")
    recorded = _post(
        world.client("member"),
        f"/group-meetings/{meeting.pk}/attendance",
        {"present": [me.pk, ann.pk]},
    )
    assert recorded.status_code == 200
    assert recorded.json()["total_minutes_to_post"] == 120
    # the member facilitator cannot post: a broker confirms
    refused = _post(world.client("member"), f"/group-meetings/{meeting.pk}/post-hours")
    assert refused.status_code == 403
    queue = world.client("staff").get(_p(f"/organisations/{world.org.pk}/group-meetings/to-post"))
    assert [row["id"] for row in queue.json()["items"]] == [meeting.pk]
    posted = _post(world.client("staff"), f"/group-meetings/{meeting.pk}/post-hours")
    assert posted.status_code == 201
    assert posted.json()["participants"] == 2 and posted.json()["total_minutes"] == 120
    balances = dict(
        Account.objects.filter(membership__in=[me, ann, bob], unit=Unit.MINUTES).values_list(
            "membership_id", "balance"
        )
    )
    assert balances.get(me.pk) == 60 and balances.get(ann.pk) == 60
    assert balances.get(bob.pk, 0) == 0
    again = _post(world.client("coordinator"), f"/group-meetings/{meeting.pk}/post-hours")
    assert again.status_code == 409
    assert Transfer.objects.count() == 1 and GroupExchange.objects.count() == 1
    shown = world.client("member").get(_p(f"/group-meetings/{meeting.pk}")).json()
    assert shown["group_exchange_id"] == posted.json()["group_exchange_id"]


def test_another_organisation_gets_404s(world: Any) -> None:
    meeting, _ = recorded_meeting(world)
    client = world.client("outsider")
    assert client.get(_p(f"/groups/{meeting.group_id}")).status_code == 404
    assert client.get(_p(f"/group-meetings/{meeting.pk}")).status_code == 404
    assert _post(client, f"/groups/{meeting.group_id}/join").status_code == 404
    assert _post(client, f"/group-meetings/{meeting.pk}/post-hours").status_code == 404
    assert GroupExchange.objects.count() == 0


def test_only_facilitators_change_a_group(world: Any) -> None:
    group = started_by(world, "member", purpose="Talk and listen", latitude=53.8, longitude=-1.5)
    refused = _post(world.client("manager"), f"/groups/{group.pk}", {"name": "Taken over"})
    assert refused.status_code == 403
    changed = _post(
        world.client("member"), f"/groups/{group.pk}", {"name": "Renamed", "capacity": 4}
    )
    assert changed.status_code == 200 and changed.json()["places_left"] == 3
    saved = PeerGroup.objects.get(pk=group.pk)
    assert saved.name == "Renamed" and saved.capacity == 4
    # what was not sent is kept
    assert (saved.purpose, saved.meets, saved.latitude) == ("Talk and listen", group.meets, 53.8)
