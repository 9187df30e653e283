"""Peer support group pages, through the test client: what people see, what a form sends,
and bad input shown with nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import Attendance, GroupMember, GroupRole, Meeting, PeerGroup
from coproduce.timebank.models import GroupExchange, Transfer
from tests.coordination.factories import member
from tests.coordination.factories_groups import (
    joined,
    membership_of,
    past_meeting,
    recorded_meeting,
    started_by,
    with_members,
)

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


def test_the_list_shows_places_left_and_pages(world: Any) -> None:
    with_members(world, 1, name="Aaa full group", capacity=2)
    started_by(world, "staff", name="Aab open group", capacity=10)
    for n in range(20):
        started_by(world, "member", name=f"Zz group {n:02d}")
    client = world.client("member")
    url = reverse("coordination:group_list", args=[world.org.pk])
    page = _text(client.get(url))
    assert "22 groups" in page
    assert "Page 1 of 2" in page
    assert "Full" in page and "9 of 10" in page
    assert 'href="?page=2"' in page
    second = _text(client.get(url, {"page": 2}))
    assert "Zz group 19" in second and "Aaa full group" not in second
    mine = _text(client.get(url, {"mine": "1"}))
    assert "Aab open group" not in mine and "Aaa full group" in mine


def test_the_list_runs_a_fixed_number_of_queries(
    world: Any, django_assert_num_queries: Any
) -> None:
    for n in range(5):
        with_members(world, 2, name=f"Group {n}", capacity=5)
    client = world.client("member")
    url = reverse("coordination:group_list", args=[world.org.pk])
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
    for n in range(5):
        with_members(world, 1, name=f"More {n}")
    with django_assert_num_queries(9):
        client.get(url)


def test_the_detail_shows_members_facilitators_and_meetings(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    joined(group, membership_of(world, "staff"))
    past_meeting(world, group, days_ago=10)
    page = _text(world.client("staff").get(reverse("coordination:group_detail", args=[group.pk])))
    assert "<h2>Facilitators</h2>" in page
    assert "Member Person (facilitator)" in page
    assert f"<li>{ann.person.display_name}</li>" in page
    assert "<li>Staff Person</li>" in page  # staff are members like anyone else
    assert "Past meetings" in page and "Not recorded" in page
    assert "No meetings planned." in page
    assert "Leave the group" in page
    assert "Schedule a meeting" not in page  # only facilitators manage


def test_every_past_meeting_can_be_reached_a_page_at_a_time(world: Any) -> None:
    group, _ = with_members(world, 1)
    for days in range(1, 26):
        past_meeting(world, group, days_ago=days * 7)
    url = reverse("coordination:group_detail", args=[group.pk])
    first = _text(world.client("staff").get(url))
    oldest = (timezone.now() - timedelta(days=25 * 7)).strftime("%-d %b %Y")
    assert first.count("Not recorded") == 20 and oldest not in first
    second = _text(world.client("staff").get(url, {"page": 2}))
    assert second.count("Not recorded") == 5 and oldest in second


def test_another_organisation_gets_a_404_for_a_group(world: Any) -> None:
    group = started_by(world, "member")
    response = world.client("outsider").get(reverse("coordination:group_detail", args=[group.pk]))
    assert response.status_code == 404
    assert group.name not in _text(response)


def test_starting_a_group_from_the_form(world: Any) -> None:
    response = world.client("member").post(
        reverse("coordination:group_create", args=[world.org.pk]),
        {
            "name": "Walk and Talk",
            "purpose": "A gentle walk by the river, then tea.",
            "meets": "Saturdays 10am",
            "meets_on": ["SA"],
            "capacity": "12",
            "session_minutes": "90",
            "is_open": "on",
        },
    )
    group = PeerGroup.objects.get(name="Walk and Talk")
    assert response.status_code == 302 and response["Location"].endswith(f"/groups/{group.pk}/")
    assert group.meets_on == "SA" and group.capacity == 12 and group.session_minutes == 90
    assert GroupMember.objects.get(group=group).role == GroupRole.FACILITATOR


def test_bad_group_details_are_shown_and_nothing_written(world: Any) -> None:
    response = world.client("member").post(
        reverse("coordination:group_create", args=[world.org.pk]),
        {"name": "Walk", "capacity": "0", "session_minutes": "90"},
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in _text(response)
    assert PeerGroup.objects.count() == 0


def test_joining_a_full_group_shows_why_and_writes_nothing(world: Any) -> None:
    group, _ = with_members(world, 1, capacity=2)
    late = member(world)
    client = world.client("staff")
    url = reverse("coordination:group_join", args=[group.pk])
    assert "is full: all 2 places are taken" in _text(client.get(url))
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 400
    assert "is full: all 2 places are taken" in _text(response)
    assert GroupMember.objects.filter(group=group).count() == 2
    assert not GroupMember.objects.filter(membership=late).exists()


def test_joining_twice_shows_a_message(world: Any) -> None:
    group = started_by(world, "member")
    client = world.client("staff")
    url = reverse("coordination:group_join", args=[group.pk])
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 400
    assert f"You are already in {group.name}." in _text(response)
    assert GroupMember.objects.filter(group=group).count() == 2


def test_leaving_asks_first(world: Any) -> None:
    group = started_by(world, "member")
    ann = membership_of(world, "staff")
    joined(group, ann)
    client = world.client("staff")
    url = reverse("coordination:group_leave", args=[group.pk])
    page = _text(client.get(url))
    assert f"Leave {group.name}?" in page and 'name="confirmed" value="yes"' in page
    assert GroupMember.objects.get(group=group, membership=ann).left_at is None
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert GroupMember.objects.get(group=group, membership=ann).left_at is not None


def test_a_meeting_of_zero_minutes_is_refused_on_the_page(world: Any) -> None:
    group = started_by(world, "member")
    soon = timezone.localtime() + timedelta(days=4)
    response = world.client("member").post(
        reverse("coordination:meeting_create", args=[group.pk]),
        {"starts_at": soon.strftime("%Y-%m-%dT%H:%M"), "minutes": "0", "place": "Hall"},
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in _text(response)
    assert Meeting.objects.count() == 0


def test_scheduling_a_meeting_from_the_page(world: Any) -> None:
    group = started_by(world, "member")
    soon = timezone.localtime() + timedelta(days=4)
    response = world.client("member").post(
        reverse("coordination:meeting_create", args=[group.pk]),
        {"starts_at": soon.strftime("%Y-%m-%dT%H:%M"), "minutes": "75", "place": "Hall"},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(group=group)
    assert meeting.minutes == 75 and meeting.place == "Hall"
    detail = _text(
        world.client("member").get(reverse("coordination:group_detail", args=[group.pk]))
    )
    assert "Upcoming meetings" in detail and "at Hall" in detail


def test_the_attendance_form_has_a_labelled_checkbox_per_member(world: Any) -> None:
    group, (ann, bob) = with_members(world, 2)
    meeting = past_meeting(world, group)
    page = _text(
        world.client("member").get(reverse("coordination:meeting_attendance", args=[meeting.pk]))
    )
    assert "<legend>Who was there</legend>" in page
    for person in (ann, bob, membership_of(world, "member")):
        assert f'value="{person.pk}"' in page
        assert f">{person.person.display_name}</label>" in page
    assert page.count('type="checkbox"') == 3


def test_attendance_for_someone_not_in_the_group_is_refused_on_the_page(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    stranger = member(world)
    response = world.client("member").post(
        reverse("coordination:meeting_attendance", args=[meeting.pk]),
        {"present": [str(ann.pk), str(stranger.pk)]},
    )
    assert response.status_code == 400
    assert "Only people in the group can be marked present." in _text(response)
    assert Attendance.objects.count() == 0


def test_a_member_facilitator_records_attendance_and_waits_for_a_broker(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    client = world.client("member")
    response = client.post(
        reverse("coordination:meeting_attendance", args=[meeting.pk]),
        {"present": [str(ann.pk), str(membership_of(world, "member").pk)]},
    )
    assert response.status_code == 302
    page = _text(client.get(reverse("coordination:meeting_detail", args=[meeting.pk])))
    assert "waiting for a time bank broker to post 3 hours" in page
    assert "Post the hours" not in page
    staff_page = _text(
        world.client("staff").get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    )
    assert "Post the hours" in staff_page
    queue = _text(
        world.client("staff").get(reverse("coordination:group_list", args=[world.org.pk]))
    )
    assert "Hours waiting to be posted" in queue


def test_posting_shows_the_total_first_then_posts_once(world: Any) -> None:
    meeting, _ = recorded_meeting(world, present=3, absent=1)
    client = world.client("coordinator")
    url = reverse("coordination:meeting_post", args=[meeting.pk])
    page = _text(client.get(url))
    assert "4 people present earn 1 hour 30 minutes each: 6 hours in all" in page
    assert "Post 6 hours" in page
    assert GroupExchange.objects.count() == 0
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert Transfer.objects.count() == 1
    assert Meeting.objects.get(pk=meeting.pk).group_exchange_id is not None
    again = client.post(url, {"confirmed": "yes"})
    assert again.status_code == 400
    assert "already posted to the time bank" in _text(again)
    assert Transfer.objects.count() == 1 and GroupExchange.objects.count() == 1


def test_a_post_without_confirming_posts_nothing(world: Any) -> None:
    meeting, _ = recorded_meeting(world)
    response = world.client("staff").post(
        reverse("coordination:meeting_post", args=[meeting.pk]), {}
    )
    assert response.status_code == 200
    assert GroupExchange.objects.count() == 0


def test_editing_a_group_keeps_what_the_form_does_not_hold(world: Any) -> None:
    group = started_by(world, "member", latitude=53.8, longitude=-1.5, capacity=8)
    url = reverse("coordination:group_edit", args=[group.pk])
    page = _text(world.client("member").get(url))
    assert 'value="8"' in page and group.name in page
    response = world.client("member").post(
        url, {"name": "Renamed", "capacity": "9", "session_minutes": "60"}
    )
    assert response.status_code == 302
    saved = PeerGroup.objects.get(pk=group.pk)
    assert (saved.name, saved.capacity, saved.session_minutes) == ("Renamed", 9, 60)
    assert (saved.latitude, saved.longitude) == (53.8, -1.5)
    assert saved.is_open is False  # an unticked box is a choice
