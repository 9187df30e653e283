"""Peer support groups: the services, called directly. Groups are run by their members; staff
take part as equals; a meeting's hours go through the time bank's group door in one transfer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.coordination.models import Attendance, GroupMember, GroupRole, Meeting, PeerGroup
from coproduce.coordination.selectors import groups as selectors
from coproduce.coordination.services import groups
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.history import HistoryEntry
from coproduce.timebank.models import (
    Account,
    AccountKind,
    GroupExchange,
    Transfer,
    TransferKind,
    Unit,
)
from tests.coordination.factories import member
from tests.coordination.factories_groups import (
    as_member,
    joined,
    membership_of,
    past_meeting,
    recorded_meeting,
    started_by,
    with_members,
)

pytestmark = pytest.mark.django_db


def _balance(membership: Any) -> int:
    account = Account.objects.filter(membership=membership, unit=Unit.MINUTES).first()
    return account.balance if account else 0


def _agency(world: Any) -> int:
    account = Account.objects.filter(
        organisation=world.org, kind=AccountKind.AGENCY, unit=Unit.MINUTES
    ).first()
    return account.balance if account else 0


# --- starting, joining, leaving ---------------------------------------------------------


def test_a_member_starts_a_group_and_is_its_facilitator(world: Any) -> None:
    group = started_by(world, "member", name="  Walk and Talk  ", meets_on=["th", "TU"])
    assert group.name == "Walk and Talk"
    assert group.meets_on == "TU,TH"
    rows = list(GroupMember.objects.filter(group=group))
    assert [(r.membership.person, r.role) for r in rows] == [
        (world.people["member"], GroupRole.FACILITATOR)
    ]
    assert HistoryEntry.objects.filter(action="coordination.group_create").count() == 1


def test_a_commissioner_cannot_start_a_group(world: Any) -> None:
    with pytest.raises(PermissionDenied, match="to start a peer support group"):
        started_by(world, "commissioner")
    assert PeerGroup.objects.count() == 0


def test_another_organisations_person_cannot_start_a_group_there(world: Any) -> None:
    with pytest.raises(NotFound):
        started_by(world, "outsider")
    assert PeerGroup.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the group's name."),
        ({"capacity": 0}, "capacity", "from 1 to 1,000, or empty"),
        ({"session_minutes": 0}, "session_minutes", "from 1 minute to 24 hours"),
        ({"meets_on": ["XX"]}, "meets_on", "“XX” is not a day of the week"),
        ({"latitude": 53.8}, "latitude", "Give both the latitude and the longitude"),
        ({"area_id": 999_999}, "area", "Choose one of the areas listed."),
    ],
)
def test_bad_group_details_are_refused_and_nothing_written(
    world: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    fields.setdefault("name", "Knit and natter")
    with pytest.raises(InvalidInput, match=message) as error:
        groups.group_create(viewer=world.viewer("member"), organisation_id=world.org.pk, **fields)
    assert error.value.field == field
    assert PeerGroup.objects.count() == 0 and GroupMember.objects.count() == 0


def test_staff_join_as_members_like_anyone_else(world: Any) -> None:
    group = started_by(world, "member")
    joined(group, membership_of(world, "staff"))
    row = GroupMember.objects.get(group=group, membership__person=world.people["staff"])
    assert row.role == GroupRole.MEMBER
    # their role in the organisation gives them nothing inside the group
    with pytest.raises(PermissionDenied, match="Only the group's facilitators"):
        groups.group_update(viewer=world.viewer("staff"), group_id=group.pk, name="Renamed")
    with pytest.raises(PermissionDenied, match="Only the group's facilitators"):
        groups.meeting_schedule(
            viewer=world.viewer("manager"),
            group_id=group.pk,
            starts_at=timezone.now() + timedelta(days=2),
        )
    assert PeerGroup.objects.get(pk=group.pk).name == group.name


def test_joining_twice_is_refused(world: Any) -> None:
    group = started_by(world, "staff")
    mo = member(world)
    joined(group, mo)
    with pytest.raises(Conflict, match=f"You are already in {group.name}."):
        joined(group, mo)
    assert GroupMember.objects.filter(group=group, membership=mo).count() == 1


def test_a_full_group_refuses_a_join_with_a_clear_message(world: Any) -> None:
    group, _ = with_members(world, 1, capacity=2)
    late = member(world)
    with pytest.raises(Conflict, match="is full: all 2 places are taken"):
        joined(group, late)
    assert not GroupMember.objects.filter(group=group, membership=late).exists()
    assert (
        selectors.places_left(
            selectors.group_list(viewer=world.viewer("member"), organisation_id=world.org.pk).get(
                pk=group.pk
            )
        )
        == 0
    )


def test_a_closed_group_refuses_a_join(world: Any) -> None:
    group = started_by(world, "member", is_open=False)
    with pytest.raises(Conflict, match="not taking new members"):
        joined(group, member(world))
    assert GroupMember.objects.filter(group=group).count() == 1


def test_leaving_frees_a_place_and_a_member_can_join_again(world: Any) -> None:
    group, (ann,) = with_members(world, 1, capacity=2)
    groups.group_leave(viewer=as_member(ann), group_id=group.pk)
    assert GroupMember.objects.get(group=group, membership=ann).left_at is not None
    joined(group, member(world))  # the freed place
    with pytest.raises(Conflict, match="is full"):
        joined(group, ann)


def test_the_last_facilitator_cannot_leave(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    with pytest.raises(Conflict, match="only facilitator"):
        groups.group_leave(viewer=world.viewer("member"), group_id=group.pk)
    groups.facilitator_add(viewer=world.viewer("member"), group_id=group.pk, membership_id=ann.pk)
    groups.group_leave(viewer=world.viewer("member"), group_id=group.pk)
    assert [m.membership for m in selectors.current_members(group)] == [ann]


def test_a_member_facilitator_hands_on_and_the_group_keeps_one(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    mine = membership_of(world, "member")
    with pytest.raises(Conflict, match="only facilitator"):
        groups.facilitator_remove(
            viewer=world.viewer("member"), group_id=group.pk, membership_id=mine.pk
        )
    groups.facilitator_add(viewer=world.viewer("member"), group_id=group.pk, membership_id=ann.pk)
    with pytest.raises(Conflict, match="already a facilitator"):
        groups.facilitator_add(
            viewer=world.viewer("member"), group_id=group.pk, membership_id=ann.pk
        )
    groups.facilitator_remove(viewer=as_member(ann), group_id=group.pk, membership_id=mine.pk)
    assert selectors.group_may_manage(as_member(ann), group)
    assert not selectors.group_may_manage(world.viewer("member"), group)


def test_the_number_of_places_cannot_drop_below_the_members(world: Any) -> None:
    group, _ = with_members(world, 2)
    with pytest.raises(InvalidInput, match="has 3 members now, so it needs at least 3"):
        groups.group_update(
            viewer=world.viewer("member"), group_id=group.pk, name=group.name, capacity=2
        )
    assert PeerGroup.objects.get(pk=group.pk).capacity is None


def test_another_organisation_never_sees_a_group(world: Any) -> None:
    group = started_by(world, "member")
    outsider = world.viewer("outsider")
    with pytest.raises(NotFound):
        selectors.group_detail(viewer=outsider, group_id=group.pk)
    with pytest.raises(NotFound):
        groups.group_join(viewer=outsider, group_id=group.pk)
    with pytest.raises(NotFound):
        selectors.group_list(viewer=outsider, organisation_id=world.org.pk)


# --- meetings and attendance ------------------------------------------------------------


def test_a_meeting_of_zero_minutes_is_refused(world: Any) -> None:
    group = started_by(world, "member")
    with pytest.raises(InvalidInput, match="from 1 minute to 24 hours") as error:
        groups.meeting_schedule(
            viewer=world.viewer("member"),
            group_id=group.pk,
            starts_at=timezone.now() + timedelta(days=3),
            minutes=0,
        )
    assert error.value.field == "minutes"
    assert Meeting.objects.count() == 0


def test_an_upcoming_meeting_tells_the_members_but_not_the_facilitator(world: Any) -> None:
    from coproduce.coordination.notices import GROUP_MEETING_SCHEDULED
    from coproduce.notifications.models import Notification

    sent = Notification.objects.filter(event=GROUP_MEETING_SCHEDULED)

    group, (ann, bob) = with_members(world, 2)
    meeting = groups.meeting_schedule(
        viewer=world.viewer("member"),
        group_id=group.pk,
        starts_at=timezone.now() + timedelta(days=3),
    )
    assert meeting.minutes == group.session_minutes
    told = set(sent.values_list("recipient_id", flat=True))
    assert told == {ann.person.user_id, bob.person.user_id}
    past_meeting(world, group)  # put in afterwards: no notice
    assert sent.count() == 2


def test_attendance_for_someone_not_in_the_group_is_refused(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    stranger = member(world)
    for wrong in (stranger.pk, membership_of(world, "staff").pk, 999_999):
        with pytest.raises(InvalidInput, match="Only people in the group can be marked present"):
            groups.attendance_record(
                viewer=world.viewer("member"),
                meeting_id=meeting.pk,
                present_membership_ids=[ann.pk, wrong],
            )
    assert Attendance.objects.count() == 0


def test_attendance_is_taken_by_a_facilitator_only(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    for who in (as_member(ann), world.viewer("coordinator")):
        with pytest.raises(PermissionDenied, match="Only the group's facilitators can record"):
            groups.attendance_record(
                viewer=who, meeting_id=meeting.pk, present_membership_ids=[ann.pk]
            )
    assert Attendance.objects.count() == 0


def test_attendance_records_everyone_present_or_not_and_can_be_corrected(world: Any) -> None:
    meeting, there = recorded_meeting(world, present=2, absent=1)
    assert Attendance.objects.filter(meeting=meeting).count() == 4
    assert set(
        Attendance.objects.filter(meeting=meeting, present=True).values_list(
            "membership_id", flat=True
        )
    ) == {m.pk for m in there}
    groups.attendance_record(
        viewer=world.viewer("member"), meeting_id=meeting.pk, present_membership_ids=[there[0].pk]
    )
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == 1
    assert Attendance.objects.filter(meeting=meeting).count() == 4


def test_attendance_waits_for_the_meeting_to_start(world: Any) -> None:
    group = started_by(world, "member")
    meeting = groups.meeting_schedule(
        viewer=world.viewer("member"),
        group_id=group.pk,
        starts_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(InvalidInput, match="has not started yet"):
        groups.attendance_record(
            viewer=world.viewer("member"),
            meeting_id=meeting.pk,
            present_membership_ids=[membership_of(world, "member").pk],
        )


# --- posting the hours ------------------------------------------------------------------


def test_posting_pays_everyone_present_in_one_transfer(world: Any) -> None:
    meeting, there = recorded_meeting(world, present=3, absent=2)
    absent = [
        a.membership
        for a in Attendance.objects.filter(meeting=meeting, present=False).select_related(
            "membership"
        )
    ]
    before = {m.pk: _balance(m) for m in [*there, *absent]}
    agency_before = _agency(world)
    transfers_before = Transfer.objects.count()

    exchange = groups.meeting_hours_post(viewer=world.viewer("staff"), meeting_id=meeting.pk)

    for m in there:
        assert _balance(m) == before[m.pk] + 90
    for m in absent:
        assert _balance(m) == before[m.pk]
    assert _agency(world) == agency_before - 90 * len(there)
    assert Transfer.objects.count() == transfers_before + 1
    transfer = Transfer.objects.get(group=exchange)
    assert transfer.kind == TransferKind.GROUP and transfer.amount == 90 * len(there)
    assert transfer.entries.count() == len(there) + 1
    assert sum(transfer.entries.values_list("amount", flat=True)) == 0
    assert set(exchange.participants.values_list("pk", flat=True)) == {m.pk for m in there}
    assert exchange.occurred_at == meeting.starts_at
    assert Meeting.objects.get(pk=meeting.pk).group_exchange_id == exchange.pk


def test_a_meeting_is_posted_once(world: Any) -> None:
    meeting, _ = recorded_meeting(world)
    groups.meeting_hours_post(viewer=world.viewer("staff"), meeting_id=meeting.pk)
    with pytest.raises(Conflict, match="already posted to the time bank"):
        groups.meeting_hours_post(viewer=world.viewer("coordinator"), meeting_id=meeting.pk)
    with pytest.raises(Conflict, match="attendance is final"):
        groups.attendance_record(
            viewer=world.viewer("member"),
            meeting_id=meeting.pk,
            present_membership_ids=[membership_of(world, "member").pk],
        )
    assert GroupExchange.objects.count() == 1 and Transfer.objects.count() == 1


def test_a_member_facilitator_records_and_a_broker_confirms(world: Any) -> None:
    meeting, _ = recorded_meeting(world)
    assert not selectors.hours_may_post(world.viewer("member"), meeting.group)
    with pytest.raises(PermissionDenied, match="to post a meeting's hours to the time bank"):
        groups.meeting_hours_post(viewer=world.viewer("member"), meeting_id=meeting.pk)
    assert GroupExchange.objects.count() == 0
    queue = selectors.meetings_to_post(
        viewer=world.viewer("coordinator"), organisation_id=world.org.pk
    )
    assert [m.pk for m in queue] == [meeting.pk]
    assert not selectors.meetings_to_post(
        viewer=world.viewer("member"), organisation_id=world.org.pk
    )
    groups.meeting_hours_post(viewer=world.viewer("coordinator"), meeting_id=meeting.pk)
    assert not selectors.meetings_to_post(
        viewer=world.viewer("coordinator"), organisation_id=world.org.pk
    )


def test_posting_needs_attendance_first(world: Any) -> None:
    group = started_by(world, "member")
    meeting = past_meeting(world, group)
    with pytest.raises(InvalidInput, match="records who was present before"):
        groups.meeting_hours_post(viewer=world.viewer("staff"), meeting_id=meeting.pk)
    assert GroupExchange.objects.count() == 0


def test_another_organisations_broker_cannot_post(world: Any) -> None:
    meeting, _ = recorded_meeting(world)
    with pytest.raises(NotFound):
        groups.meeting_hours_post(viewer=world.viewer("outsider"), meeting_id=meeting.pk)
    assert GroupExchange.objects.count() == 0


def test_someone_who_left_after_the_meeting_can_still_be_marked_present(world: Any) -> None:
    group, (ann,) = with_members(world, 1)
    meeting = past_meeting(world, group)
    groups.group_leave(viewer=as_member(ann), group_id=group.pk)
    groups.attendance_record(
        viewer=world.viewer("member"), meeting_id=meeting.pk, present_membership_ids=[ann.pk]
    )
    assert Attendance.objects.get(meeting=meeting, membership=ann).present
