"""Coordination API: peer support groups, their members and meetings, attendance and
posting a meeting's hours to the time bank. The same services and selectors as the pages.

No ``from __future__ import annotations`` here: ninja reads the paginated list's query
parameters from their real annotations."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictInt

from coproduce.coordination.models import GroupMember, Meeting, PeerGroup
from coproduce.coordination.selectors import groups as selectors
from coproduce.coordination.services import groups as services
from coproduce.framework.api_bounds import BodyId, Flag, Id, Latitude, Longitude
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])

Places = Annotated[StrictInt, Field(ge=1, le=services.MAX_CAPACITY)]
SessionMinutes = Annotated[StrictInt, Field(ge=0, le=services.MAX_SESSION_MINUTES)]


class _GroupFields(Schema):
    id: int
    organisation_id: int
    name: str
    purpose: str
    meets: str
    meets_on: list[str]
    capacity: int | None
    members: int
    places_left: int | None
    session_minutes: int
    is_open: bool
    area_id: int | None


class GroupOut(_GroupFields):
    @staticmethod
    def resolve_meets_on(group: PeerGroup) -> list[str]:
        return [day for day in group.meets_on.split(",") if day]

    @staticmethod
    def resolve_members(group: PeerGroup) -> int:
        return int(getattr(group, "members_now", 0))

    @staticmethod
    def resolve_places_left(group: PeerGroup) -> int | None:
        return selectors.places_left(group)


class MemberOut(Schema):
    membership_id: int
    name: str
    role: str
    joined_at: datetime

    @staticmethod
    def resolve_name(member: GroupMember) -> str:
        return member.membership.person.display_name


class MeetingRow(Schema):
    id: int
    starts_at: datetime
    minutes: int
    place: str
    present: int | None
    hours_posted: bool

    @staticmethod
    def resolve_present(meeting: Meeting) -> int | None:
        if not getattr(meeting, "recorded_count", 0):
            return None
        return int(getattr(meeting, "present_count", 0))

    @staticmethod
    def resolve_hours_posted(meeting: Meeting) -> bool:
        return meeting.group_exchange_id is not None


class GroupDetailOut(_GroupFields):
    my_role: str | None
    may_manage: bool
    may_post_hours: bool
    member_list: list[MemberOut]
    upcoming: list[MeetingRow]
    past: list[MeetingRow]


class GroupIn(Schema):
    name: str = Field(..., max_length=services.NAME_LIMIT)
    purpose: str = Field("", max_length=services.PURPOSE_LIMIT)
    meets: str = Field("", max_length=services.MEETS_LIMIT)
    meets_on: list[Annotated[str, Field(max_length=2)]] = Field(default_factory=list, max_length=7)
    capacity: Places | None = None
    session_minutes: SessionMinutes = 120
    is_open: Flag = True
    area_id: BodyId | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class GroupMembershipOut(Schema):
    group_id: int
    membership_id: int
    role: str
    joined_at: datetime
    left_at: datetime | None


class FacilitatorIn(Schema):
    membership_id: BodyId
    facilitator: Flag = True


class MeetingIn(Schema):
    starts_at: datetime
    minutes: SessionMinutes | None = None
    place: str = Field("", max_length=services.PLACE_LIMIT)
    notes: str = Field("", max_length=services.NOTES_LIMIT)


class AttendanceRow(Schema):
    membership_id: int
    name: str
    present: bool


class MeetingOut(Schema):
    id: int
    group_id: int
    group: str
    starts_at: datetime
    minutes: int
    place: str
    notes: str
    attendance: list[AttendanceRow]
    group_exchange_id: int | None
    total_minutes_to_post: int


class AttendanceIn(Schema):
    present: list[BodyId] = Field(..., max_length=services.MAX_CAPACITY)


class PostedOut(Schema):
    meeting_id: int
    group_exchange_id: int
    participants: int
    minutes_each: int
    total_minutes: int


class ToPostRow(Schema):
    id: int
    group_id: int
    group: str
    starts_at: datetime
    minutes: int
    present: int

    @staticmethod
    def resolve_group(meeting: Meeting) -> str:
        return meeting.group.name

    @staticmethod
    def resolve_present(meeting: Meeting) -> int:
        return int(getattr(meeting, "present_count", 0))


def _group(request: HttpRequest, group_id: int) -> dict[str, Any]:
    detail = selectors.group_detail(viewer=viewer(request), group_id=group_id)
    group = detail.group
    return {
        "id": group.pk,
        "organisation_id": group.organisation_id,
        "name": group.name,
        "purpose": group.purpose,
        "meets": group.meets,
        "meets_on": [day for day in group.meets_on.split(",") if day],
        "capacity": group.capacity,
        "members": len(detail.members),
        "places_left": detail.places_left,
        "session_minutes": group.session_minutes,
        "is_open": group.is_open,
        "area_id": group.area_id,
        "my_role": detail.me.role if detail.me else None,
        "may_manage": detail.may_manage,
        "may_post_hours": detail.may_post,
        "member_list": detail.members,
        "upcoming": detail.upcoming,
        "past": detail.past,
    }


def _meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    detail = selectors.meeting_detail(viewer=viewer(request), meeting_id=meeting_id)
    meeting = detail.meeting
    return {
        "id": meeting.pk,
        "group_id": meeting.group_id,
        "group": detail.group.name,
        "starts_at": meeting.starts_at,
        "minutes": meeting.minutes,
        "place": meeting.place,
        "notes": meeting.notes,
        "attendance": [
            {
                "membership_id": row.membership_id,
                "name": row.membership.person.display_name,
                "present": row.present,
            }
            for row in detail.attendance
        ],
        "group_exchange_id": meeting.group_exchange_id,
        "total_minutes_to_post": 0 if meeting.group_exchange_id else detail.total_minutes,
    }


@router.get(
    "/organisations/{organisation_id}/groups",
    response=responses(list[GroupOut]),
    summary="The organisation's peer support groups, with places left",
)
@paginate(Pagination)
def group_list(request: HttpRequest, organisation_id: Id, mine: bool = False) -> Any:
    return selectors.group_list(viewer=viewer(request), organisation_id=organisation_id, mine=mine)


@router.post(
    "/organisations/{organisation_id}/groups",
    response=responses(GroupDetailOut, 201),
    summary="Start a peer support group (you become its facilitator)",
)
def group_create(request: HttpRequest, organisation_id: Id, payload: GroupIn) -> Any:
    group = services.group_create(
        viewer=viewer(request), organisation_id=organisation_id, **payload.model_dump()
    )
    return Status(201, _group(request, group.pk))


@router.get("/groups/{group_id}", response=responses(GroupDetailOut), summary="A group")
def group_get(request: HttpRequest, group_id: Id) -> dict[str, Any]:
    return _group(request, group_id)


class GroupChangeIn(GroupIn):
    name: str = Field("", max_length=services.NAME_LIMIT)


@router.post(
    "/groups/{group_id}",
    response=responses(GroupDetailOut),
    summary="Change a group's details (the fields sent; the rest are kept)",
)
def group_update(request: HttpRequest, group_id: Id, payload: GroupChangeIn) -> dict[str, Any]:
    current = selectors.group_fields(
        selectors.access_group_by_id(viewer=viewer(request), group_id=group_id)
    )
    services.group_update(
        viewer=viewer(request),
        group_id=group_id,
        **{**current, **payload.model_dump(exclude_unset=True)},
    )
    return _group(request, group_id)


@router.post("/groups/{group_id}/join", response=responses(GroupMembershipOut), summary="Join")
def group_join(request: HttpRequest, group_id: Id) -> GroupMember:
    return services.group_join(viewer=viewer(request), group_id=group_id)


@router.post("/groups/{group_id}/leave", response=responses(GroupMembershipOut), summary="Leave")
def group_leave(request: HttpRequest, group_id: Id) -> GroupMember:
    return services.group_leave(viewer=viewer(request), group_id=group_id)


@router.post(
    "/groups/{group_id}/facilitators",
    response=responses(GroupMembershipOut),
    summary="Make a member a facilitator, or a facilitator a member again",
)
def group_facilitator(request: HttpRequest, group_id: Id, payload: FacilitatorIn) -> GroupMember:
    change = services.facilitator_add if payload.facilitator else services.facilitator_remove
    return change(viewer=viewer(request), group_id=group_id, membership_id=payload.membership_id)


@router.post(
    "/groups/{group_id}/meetings",
    response=responses(MeetingOut, 201),
    summary="Schedule a meeting (the group's facilitators)",
)
def meeting_create(request: HttpRequest, group_id: Id, payload: MeetingIn) -> Any:
    meeting = services.meeting_schedule(
        viewer=viewer(request),
        group_id=group_id,
        starts_at=payload.starts_at,
        minutes=payload.minutes,
        place=payload.place,
        notes=payload.notes,
    )
    return Status(201, _meeting(request, meeting.pk))


@router.get(
    "/group-meetings/{meeting_id}", response=responses(MeetingOut), summary="A group meeting"
)
def meeting_get(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    return _meeting(request, meeting_id)


@router.post(
    "/group-meetings/{meeting_id}/attendance",
    response=responses(MeetingOut),
    summary="Record who was present (the group's facilitators)",
)
def meeting_attendance(request: HttpRequest, meeting_id: Id, payload: AttendanceIn) -> Any:
    services.attendance_record(
        viewer=viewer(request), meeting_id=meeting_id, present_membership_ids=payload.present
    )
    return _meeting(request, meeting_id)


@router.post(
    "/group-meetings/{meeting_id}/post-hours",
    response=responses(PostedOut, 201),
    summary="Post the meeting's hours in one transfer (a time bank broker)",
)
def meeting_post(request: HttpRequest, meeting_id: Id) -> Any:
    exchange = services.meeting_hours_post(viewer=viewer(request), meeting_id=meeting_id)
    participants = exchange.participants.count()
    return Status(
        201,
        {
            "meeting_id": meeting_id,
            "group_exchange_id": exchange.pk,
            "participants": participants,
            "minutes_each": exchange.minutes_each,
            "total_minutes": participants * exchange.minutes_each,
        },
    )


@router.get(
    "/organisations/{organisation_id}/group-meetings/to-post",
    response=responses(list[ToPostRow]),
    summary="Meetings whose attendance is recorded and whose hours wait to be posted",
)
@paginate(Pagination)
def meetings_to_post(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.meetings_to_post(viewer=viewer(request), organisation_id=organisation_id)
