"""Peer support groups: reads, scoped to the viewer's organisations.

Any member of an organisation (``coordination.take_part``) sees its peer groups, who is in
them and their meetings; a group of another organisation is not found. Who may manage a
group: its current facilitators only (``group_may_manage``) — staff who take part are members
or facilitators like anyone else. Who may post a meeting's hours: a time bank broker of the
group's organisation (``hours_may_post``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from coproduce.coordination.models import (
    Attendance,
    GroupMember,
    GroupRole,
    Meeting,
    PeerGroup,
)
from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus
from coproduce.people.permissions import Viewer

_CURRENT = Q(members__left_at__isnull=True)
MEETINGS_SHOWN = 20


def places_left(group: PeerGroup) -> int | None:
    """Places left in a group annotated by ``group_list`` (None: no limit)."""
    if group.capacity is None:
        return None
    return max(0, group.capacity - int(getattr(group, "members_now", 0)))


def _with_counts(queryset: QuerySet[PeerGroup]) -> QuerySet[PeerGroup]:
    return queryset.annotate(
        members_now=Count("members", filter=_CURRENT),
        facilitators_now=Count("members", filter=_CURRENT & Q(members__role=GroupRole.FACILITATOR)),
    )


def group_list(*, viewer: Viewer, organisation_id: int, mine: bool = False) -> QuerySet[PeerGroup]:
    """The organisation's groups with ``members_now`` and ``facilitators_now``; ``mine``
    keeps only the groups the viewer is in now."""
    permissions.check(viewer, "coordination.take_part", organisation_id, action="see peer groups")
    groups = PeerGroup.objects.filter(organisation_id=organisation_id)
    if mine:
        person_id = viewer.person_id
        if person_id is None:
            return PeerGroup.objects.none()
        groups = groups.filter(
            pk__in=GroupMember.objects.filter(
                membership__person_id=person_id, left_at__isnull=True
            ).values("group_id")
        )
    return _with_counts(groups.select_related("area")).order_by("name", "pk")


def group_fields(group: PeerGroup) -> dict[str, Any]:
    """The group's details as ``group_update`` takes them, so a change can send only what
    changed (the API) or what its form holds (the page) and keep the rest."""
    return {
        "name": group.name,
        "purpose": group.purpose,
        "meets": group.meets,
        "meets_on": [day for day in group.meets_on.split(",") if day],
        "capacity": group.capacity,
        "session_minutes": group.session_minutes,
        "is_open": group.is_open,
        "area_id": group.area_id,
        "latitude": group.latitude,
        "longitude": group.longitude,
    }


def my_roles(*, viewer: Viewer, group_ids: list[int]) -> dict[int, str]:
    """The viewer's current role in each of these groups they are in (one query)."""
    person_id = viewer.person_id
    if person_id is None or not group_ids:
        return {}
    return dict(
        GroupMember.objects.filter(
            group_id__in=group_ids, membership__person_id=person_id, left_at__isnull=True
        ).values_list("group_id", "role")
    )


def viewer_membership(viewer: Viewer, organisation_id: int) -> Membership:
    """The viewer's active membership of the organisation (they hold a role there)."""
    person_id = viewer.person_id
    if person_id is None:
        raise NotFound()
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(
            person_id=person_id, organisation_id=organisation_id, status=MembershipStatus.ACTIVE
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def current_member(group: PeerGroup, membership_id: int) -> GroupMember | None:
    return (
        GroupMember.objects.select_related("membership__person")
        .filter(group=group, membership_id=membership_id, left_at__isnull=True)
        .first()
    )


def group_may_manage(viewer: Viewer, group: PeerGroup) -> bool:
    """A current facilitator of the group. Being staff gives nothing inside a group."""
    person_id = viewer.person_id
    if person_id is None:
        return False
    return GroupMember.objects.filter(
        group=group,
        membership__person_id=person_id,
        membership__status=MembershipStatus.ACTIVE,
        role=GroupRole.FACILITATOR,
        left_at__isnull=True,
    ).exists()


def hours_may_post(viewer: Viewer, group: PeerGroup) -> bool:
    """A time bank broker of the group's organisation (the time bank's own door checks)."""
    return permissions.may(viewer, "timebank.broker", group.organisation_id)


def access_group_by_id(
    *, viewer: Viewer, group_id: int, for_update: bool = False, action: str = "see peer groups"
) -> PeerGroup:
    """The group, if the viewer takes part in its organisation (404 otherwise).
    ``for_update`` locks the group's row (joins and capacity)."""
    groups = PeerGroup.objects.select_related("organisation", "area")
    if for_update:
        groups = groups.select_for_update(of=("self",))
    group = groups.filter(pk=group_id, organisation_id__in=viewer.organisation_ids()).first()
    if group is None:
        raise NotFound("No such group.")
    permissions.check(viewer, "coordination.take_part", group.organisation_id, action=action)
    return group


def access_meeting_by_id(*, viewer: Viewer, meeting_id: int, for_update: bool = False) -> Meeting:
    """The meeting, if the viewer takes part in its group's organisation (404 otherwise).
    ``for_update`` locks the meeting's row (attendance and posting)."""
    meetings = Meeting.objects.select_related("group__organisation", "group_exchange")
    if for_update:
        meetings = meetings.select_for_update(of=("self",))
    meeting = meetings.filter(
        pk=meeting_id, group__organisation_id__in=viewer.organisation_ids()
    ).first()
    if meeting is None:
        raise NotFound("No such meeting.")
    permissions.check(
        viewer, "coordination.take_part", meeting.group.organisation_id, action="see meetings"
    )
    return meeting


def access_group_to_manage(
    *, viewer: Viewer, group_id: int, action: str, for_update: bool = False
) -> PeerGroup:
    """The group, if the viewer is one of its current facilitators (403 otherwise)."""
    group = access_group_by_id(viewer=viewer, group_id=group_id, for_update=for_update)
    if not group_may_manage(viewer, group):
        raise PermissionDenied(f"Only the group's facilitators can {action}.")
    return group


def access_meeting_to_manage(
    *, viewer: Viewer, meeting_id: int, action: str, for_update: bool = False
) -> Meeting:
    """The meeting, if the viewer facilitates its group (403 otherwise)."""
    meeting = access_meeting_by_id(viewer=viewer, meeting_id=meeting_id, for_update=for_update)
    if not group_may_manage(viewer, meeting.group):
        raise PermissionDenied(f"Only the group's facilitators can {action}.")
    return meeting


def access_meeting_to_post(*, viewer: Viewer, meeting_id: int, for_update: bool = False) -> Meeting:
    """The meeting, if the viewer is a time bank broker of its group's organisation."""
    meeting = access_meeting_by_id(viewer=viewer, meeting_id=meeting_id, for_update=for_update)
    permissions.check(
        viewer,
        "timebank.broker",
        meeting.group.organisation_id,
        action="post a meeting's hours to the time bank",
    )
    return meeting


def current_members(group: PeerGroup) -> list[GroupMember]:
    """Facilitators first, then members, by name."""
    members = (
        GroupMember.objects.select_related("membership__person")
        .filter(group=group, left_at__isnull=True)
        .order_by("membership__person__full_name", "pk")
    )
    return sorted(members, key=lambda m: m.role != GroupRole.FACILITATOR)


def attendance_candidates(meeting: Meeting) -> list[GroupMember]:
    """Who can be marked present: everyone in the group now or when the meeting started
    (one row per person, by name)."""
    rows = (
        GroupMember.objects.select_related("membership__person")
        .filter(group_id=meeting.group_id)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=meeting.starts_at))
        .order_by("membership__person__full_name", "-pk")
    )
    seen: set[int] = set()
    chosen = []
    for row in rows:
        if row.membership_id not in seen:
            seen.add(row.membership_id)
            chosen.append(row)
    return chosen


def _meetings(group: PeerGroup) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(group=group)
        .select_related("group_exchange")
        .annotate(
            present_count=Count("attendance", filter=Q(attendance__present=True)),
            recorded_count=Count("attendance"),
        )
    )


@dataclass(frozen=True)
class GroupDetail:
    group: PeerGroup
    members: list[GroupMember]
    upcoming: list[Meeting]
    past: list[Meeting]
    me: GroupMember | None
    may_manage: bool
    may_post: bool
    facilitators: list[GroupMember] = field(default_factory=list)

    @property
    def places_left(self) -> int | None:
        if self.group.capacity is None:
            return None
        return max(0, self.group.capacity - len(self.members))


def group_detail(*, viewer: Viewer, group_id: int) -> GroupDetail:
    """The group with its current members, its next meetings and its latest past ones."""
    group = access_group_by_id(viewer=viewer, group_id=group_id)
    members = current_members(group)
    person_id = viewer.person_id
    me = next((m for m in members if m.membership.person_id == person_id), None)
    now = timezone.now()
    return GroupDetail(
        group=group,
        members=members,
        upcoming=list(
            _meetings(group).filter(starts_at__gt=now).order_by("starts_at", "pk")[:MEETINGS_SHOWN]
        ),
        past=list(
            _meetings(group)
            .filter(starts_at__lte=now)
            .order_by("-starts_at", "-pk")[:MEETINGS_SHOWN]
        ),
        me=me,
        may_manage=me is not None and me.role == GroupRole.FACILITATOR,
        may_post=hours_may_post(viewer, group),
        facilitators=[m for m in members if m.role == GroupRole.FACILITATOR],
    )


def group_past_meetings(group: PeerGroup) -> QuerySet[Meeting]:
    """Every past meeting of an already authorised group, newest first, with its attendance
    counts (for the group page's pages of past meetings)."""
    return _meetings(group).filter(starts_at__lte=timezone.now()).order_by("-starts_at", "-pk")


@dataclass(frozen=True)
class MeetingDetail:
    meeting: Meeting
    group: PeerGroup
    attendance: list[Attendance]
    may_manage: bool
    may_post: bool

    @property
    def present(self) -> list[Attendance]:
        return [row for row in self.attendance if row.present]

    @property
    def total_minutes(self) -> int:
        """What posting moves: the meeting's minutes for each person present."""
        return self.meeting.minutes * len(self.present)

    @property
    def has_started(self) -> bool:
        return self.meeting.starts_at <= timezone.now()


def meeting_detail(*, viewer: Viewer, meeting_id: int) -> MeetingDetail:
    """A meeting with its recorded attendance (by name)."""
    meeting = access_meeting_by_id(viewer=viewer, meeting_id=meeting_id)
    attendance = list(
        Attendance.objects.select_related("membership__person")
        .filter(meeting=meeting)
        .order_by("membership__person__full_name", "pk")
    )
    return MeetingDetail(
        meeting=meeting,
        group=meeting.group,
        attendance=attendance,
        may_manage=group_may_manage(viewer, meeting.group),
        may_post=hours_may_post(viewer, meeting.group),
    )


def meetings_to_post(*, viewer: Viewer, organisation_id: int) -> QuerySet[Meeting]:
    """Meetings of the organisation's groups whose attendance is recorded and whose hours
    are not posted yet, oldest first: a time bank broker's queue (empty for anyone else)."""
    permissions.check(viewer, "coordination.take_part", organisation_id, action="see meetings")
    if not permissions.may(viewer, "timebank.broker", organisation_id):
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(
            group__organisation_id=organisation_id,
            group_exchange__isnull=True,
            starts_at__lte=timezone.now(),
            pk__in=Attendance.objects.filter(present=True).values("meeting_id"),
        )
        .select_related("group")
        .annotate(present_count=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("starts_at", "pk")
    )
