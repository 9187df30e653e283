"""Peer support groups: groups run by their members, with staff taking part as equals.

Who does what. Any member of the organisation (``coordination.take_part``) may start a group
and becomes its first facilitator; they may join an open group with room, and leave. A
group's current facilitators run it: they change its details, make members facilitators (a
group always keeps at least one), schedule meetings and record who was present. Staff who
take part are members or facilitators like anyone else: their role in the organisation gives
them nothing inside a group.

Posting the hours. ``meeting_hours_post`` posts one group exchange for a meeting: everyone
recorded present earns the meeting's minutes from the organisation's agency account, as ONE
transfer, through the time bank's door ``group_exchange_record``. That door needs
``timebank.broker`` (staff and up), which a member facilitator does not hold; so the work is
split in two — the facilitator records attendance, and a time bank broker of the
organisation (staff, a coordinator) confirms the posting. The meeting keeps the exchange, so
it is posted once; after that its attendance is final."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import (
    Attendance,
    GroupMember,
    GroupRole,
    Meeting,
    PeerGroup,
)
from coproduce.coordination.notices import GROUP_MEETING_SCHEDULED
from coproduce.coordination.selectors.groups import (
    access_group_by_id,
    access_group_to_manage,
    access_meeting_to_manage,
    access_meeting_to_post,
    attendance_candidates,
    current_member,
    viewer_membership,
)
from coproduce.errors import Conflict, InvalidInput
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Area
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import GroupDirection, GroupExchange
from coproduce.timebank.services.group_time import group_exchange_record

NAME_LIMIT = 200
PURPOSE_LIMIT = 5000
MEETS_LIMIT = 200
PLACE_LIMIT = 200
NOTES_LIMIT = 5000
MAX_CAPACITY = 1000
MAX_SESSION_MINUTES = 24 * 60
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A meeting can be put in afterwards (up to a year back) or planned up to two years ahead.
EARLIEST_MEETING_DAYS = 366
LATEST_MEETING_DAYS = 2 * 366


def _group_url(group: PeerGroup) -> str:
    return reverse("coordination:group_detail", args=[group.pk])


def _text(value: str, *, field: str, limit: int, label: str, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, f"Give the group's {label}.")
    if len(value) > limit:
        raise InvalidInput(field, f"The {label} can be at most {limit:,} characters.")
    return value


def _days(meets_on: Sequence[str]) -> str:
    codes = {code.strip().upper() for code in meets_on if code.strip()}
    unknown = sorted(codes - set(WEEKDAYS))
    if unknown:
        raise InvalidInput(
            "meets_on", f"“{unknown[0]}” is not a day of the week (use MO, TU, … SU)."
        )
    return ",".join(day for day in WEEKDAYS if day in codes)


def _details(
    *,
    name: str,
    purpose: str,
    meets: str,
    meets_on: Sequence[str],
    capacity: int | None,
    session_minutes: int,
    is_open: bool,
    area_id: int | None,
    latitude: float | None,
    longitude: float | None,
) -> dict[str, object]:
    """The group's fields, checked: the first problem is raised naming its field."""
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(
            "capacity", f"The number of places must be from 1 to {MAX_CAPACITY:,}, or empty."
        )
    if not 1 <= session_minutes <= MAX_SESSION_MINUTES:
        raise InvalidInput(
            "session_minutes", "A session must be from 1 minute to 24 hours (1,440 minutes)."
        )
    if (latitude is None) != (longitude is None):
        raise InvalidInput("latitude", "Give both the latitude and the longitude, or neither.")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput("latitude", "The latitude must be from -90 to 90.")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput("longitude", "The longitude must be from -180 to 180.")
    area = None
    if area_id is not None:
        area = Area.objects.filter(pk=area_id).first()
        if area is None:
            raise InvalidInput("area", "Choose one of the areas listed.")
    return {
        "name": _text(name, field="name", limit=NAME_LIMIT, label="name", required=True),
        "purpose": _text(purpose, field="purpose", limit=PURPOSE_LIMIT, label="purpose"),
        "meets": _text(meets, field="meets", limit=MEETS_LIMIT, label="meeting time and place"),
        "meets_on": _days(meets_on),
        "capacity": capacity,
        "session_minutes": session_minutes,
        "is_open": bool(is_open),
        "area": area,
        "latitude": latitude,
        "longitude": longitude,
    }


@transaction.atomic
def group_create(
    *,
    viewer: Viewer,
    organisation_id: int,
    name: str,
    purpose: str = "",
    meets: str = "",
    meets_on: Sequence[str] = (),
    capacity: int | None = None,
    session_minutes: int = 120,
    is_open: bool = True,
    area_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> PeerGroup:
    """Start a peer support group; the viewer becomes its first facilitator."""
    permissions.check(
        viewer, "coordination.take_part", organisation_id, action="start a peer support group"
    )
    mine = viewer_membership(viewer, organisation_id)
    fields = _details(
        name=name,
        purpose=purpose,
        meets=meets,
        meets_on=meets_on,
        capacity=capacity,
        session_minutes=session_minutes,
        is_open=is_open,
        area_id=area_id,
        latitude=latitude,
        longitude=longitude,
    )
    assert viewer.person is not None
    group = PeerGroup.objects.create(
        organisation_id=organisation_id,
        created_by=viewer.person,
        **fields,
    )
    GroupMember.objects.create(group=group, membership=mine, role=GroupRole.FACILITATOR)
    history_record(
        actor=viewer.person,
        action="coordination.group_create",
        subject=group,
        organisation=mine.organisation,
    )
    return group


@transaction.atomic
def group_update(
    *,
    viewer: Viewer,
    group_id: int,
    name: str,
    purpose: str = "",
    meets: str = "",
    meets_on: Sequence[str] = (),
    capacity: int | None = None,
    session_minutes: int = 120,
    is_open: bool = True,
    area_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> PeerGroup:
    """Change a group's details (its facilitators). Locks the group's row, so the number
    of places cannot drop below who has just joined."""
    group = access_group_to_manage(
        viewer=viewer, group_id=group_id, action="change its details", for_update=True
    )
    fields = _details(
        name=name,
        purpose=purpose,
        meets=meets,
        meets_on=meets_on,
        capacity=capacity,
        session_minutes=session_minutes,
        is_open=is_open,
        area_id=area_id,
        latitude=latitude,
        longitude=longitude,
    )
    now = GroupMember.objects.filter(group=group, left_at__isnull=True).count()
    if capacity is not None and capacity < now:
        raise InvalidInput(
            "capacity",
            f"The group has {now} members now, so it needs at least {now} places.",
        )
    changed = sorted(key for key, value in fields.items() if getattr(group, key) != value)
    for key, value in fields.items():
        setattr(group, key, value)
    group.save()
    history_record(
        actor=viewer.person,
        action="coordination.group_update",
        subject=group,
        organisation=group.organisation,
        detail={"changed": changed},
    )
    return group


@transaction.atomic
def group_join(*, viewer: Viewer, group_id: int) -> GroupMember:
    """Join a group that is open and has room. Locks the group's row, so two people
    cannot both take its last place."""
    group = access_group_by_id(
        viewer=viewer, group_id=group_id, for_update=True, action="join a group"
    )
    mine = viewer_membership(viewer, group.organisation_id)
    if current_member(group, mine.pk) is not None:
        raise Conflict(f"You are already in {group.name}.")
    if not group.is_open:
        raise Conflict(f"{group.name} is not taking new members at the moment.")
    if group.capacity is not None:
        now = GroupMember.objects.filter(group=group, left_at__isnull=True).count()
        if now >= group.capacity:
            raise Conflict(
                f"{group.name} is full: all {group.capacity} places are taken. "
                "Ask a facilitator about joining later."
            )
    joined = GroupMember.objects.create(group=group, membership=mine, role=GroupRole.MEMBER)
    history_record(
        actor=viewer.person,
        action="coordination.group_join",
        subject=group,
        organisation=group.organisation,
    )
    return joined


def _facilitators_now(group: PeerGroup) -> int:
    return GroupMember.objects.filter(
        group=group, left_at__isnull=True, role=GroupRole.FACILITATOR
    ).count()


@transaction.atomic
def group_leave(*, viewer: Viewer, group_id: int) -> GroupMember:
    """Leave a group. Its last facilitator cannot leave until someone else facilitates."""
    group = access_group_by_id(viewer=viewer, group_id=group_id, for_update=True)
    mine = viewer_membership(viewer, group.organisation_id)
    member = current_member(group, mine.pk)
    if member is None:
        raise Conflict(f"You are not in {group.name}.")
    if member.role == GroupRole.FACILITATOR and _facilitators_now(group) <= 1:
        raise Conflict(
            "You are the group's only facilitator. Make another member a facilitator "
            "before you leave, so the group keeps one."
        )
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    history_record(
        actor=viewer.person,
        action="coordination.group_leave",
        subject=group,
        organisation=group.organisation,
    )
    return member


@transaction.atomic
def facilitator_add(*, viewer: Viewer, group_id: int, membership_id: int) -> GroupMember:
    """Make a current member of the group one of its facilitators."""
    group = access_group_to_manage(
        viewer=viewer, group_id=group_id, action="choose facilitators", for_update=True
    )
    member = current_member(group, membership_id)
    if member is None:
        raise InvalidInput("membership_id", "Choose someone who is in the group now.")
    name = member.membership.person.display_name
    if member.role == GroupRole.FACILITATOR:
        raise Conflict(f"{name} is already a facilitator of {group.name}.")
    member.role = GroupRole.FACILITATOR
    member.save(update_fields=["role"])
    history_record(
        actor=viewer.person,
        action="coordination.group_facilitator_add",
        subject=group,
        organisation=group.organisation,
        detail={"membership_id": membership_id},
    )
    return member


@transaction.atomic
def facilitator_remove(*, viewer: Viewer, group_id: int, membership_id: int) -> GroupMember:
    """A facilitator goes back to being a member; the group keeps at least one. Locks the
    group's row, so two removals at once cannot leave it with none."""
    group = access_group_to_manage(
        viewer=viewer, group_id=group_id, action="choose facilitators", for_update=True
    )
    member = current_member(group, membership_id)
    if member is None or member.role != GroupRole.FACILITATOR:
        raise InvalidInput("membership_id", "Choose one of the group's facilitators.")
    if _facilitators_now(group) <= 1:
        raise Conflict(
            f"{member.membership.person.display_name} is the group's only facilitator: "
            "a group keeps at least one. Make someone else a facilitator first."
        )
    member.role = GroupRole.MEMBER
    member.save(update_fields=["role"])
    history_record(
        actor=viewer.person,
        action="coordination.group_facilitator_remove",
        subject=group,
        organisation=group.organisation,
        detail={"membership_id": membership_id},
    )
    return member


@transaction.atomic
def meeting_schedule(
    *,
    viewer: Viewer,
    group_id: int,
    starts_at: datetime | None,
    minutes: int | None = None,
    place: str = "",
    notes: str = "",
) -> Meeting:
    """Put a meeting in the group's diary (its facilitators) and tell its members.
    ``minutes`` defaults to the group's usual session length."""
    group = access_group_to_manage(viewer=viewer, group_id=group_id, action="schedule its meetings")
    if starts_at is None:
        raise InvalidInput("starts_at", "Give the date and time the meeting starts.")
    if timezone.is_naive(starts_at):
        raise InvalidInput("starts_at", "Give the meeting's time with its time zone.")
    now = timezone.now()
    if starts_at < now - timedelta(days=EARLIEST_MEETING_DAYS):
        raise InvalidInput("starts_at", "A meeting can be put in up to a year afterwards.")
    if starts_at > now + timedelta(days=LATEST_MEETING_DAYS):
        raise InvalidInput("starts_at", "Schedule meetings up to two years ahead.")
    length = group.session_minutes if minutes is None else minutes
    if not 1 <= length <= MAX_SESSION_MINUTES:
        raise InvalidInput(
            "minutes", "A meeting must be from 1 minute to 24 hours (1,440 minutes)."
        )
    assert viewer.person is not None
    meeting = Meeting.objects.create(
        group=group,
        starts_at=starts_at,
        minutes=length,
        place=_text(place, field="place", limit=PLACE_LIMIT, label="meeting place"),
        notes=_text(notes, field="notes", limit=NOTES_LIMIT, label="notes"),
        created_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        action="coordination.group_meeting_schedule",
        subject=meeting,
        organisation=group.organisation,
    )
    if starts_at > now:
        # A meeting put in afterwards needs no notice; an upcoming one tells the group.
        _tell_members(viewer, group, meeting)
    return meeting


def _tell_members(viewer: Viewer, group: PeerGroup, meeting: Meeting) -> None:
    own = viewer.user.pk if viewer.user is not None else None
    told = GroupMember.objects.filter(group=group, left_at__isnull=True).values_list(
        "membership__person__user_id", flat=True
    )
    local = timezone.localtime(meeting.starts_at)
    notification_send(
        user_ids=[user_id for user_id in told if user_id != own],
        event=GROUP_MEETING_SCHEDULED,
        title=f"{group.name} meets on {local:%A} {local.day} {local:%B at %H:%M}",
        body=" — ".join(part for part in (meeting.place, meeting.notes[:400]) if part),
        url=_group_url(group),
    )


@transaction.atomic
def attendance_record(
    *, viewer: Viewer, meeting_id: int, present_membership_ids: Sequence[int]
) -> list[Attendance]:
    """Record who was at a meeting (its group's facilitators). Everyone who could have been
    there (in the group now, or then) gets a row, present or not; recording again replaces
    the rows. Once the meeting's hours are posted its attendance is final."""
    meeting = access_meeting_to_manage(
        viewer=viewer, meeting_id=meeting_id, action="record attendance", for_update=True
    )
    if meeting.group_exchange_id is not None:
        raise Conflict("This meeting's hours are already posted, so its attendance is final.")
    if meeting.starts_at > timezone.now():
        raise InvalidInput("present", "The meeting has not started yet.")
    eligible = attendance_candidates(meeting)
    present = set(present_membership_ids)
    if present - {m.membership_id for m in eligible}:
        raise InvalidInput("present", "Only people in the group can be marked present.")
    if not present:
        raise InvalidInput("present", "Mark at least one person present.")
    Attendance.objects.filter(meeting=meeting).delete()
    rows = Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting, membership_id=m.membership_id, present=m.membership_id in present
            )
            for m in sorted(eligible, key=lambda m: m.membership_id)
        ]
    )
    history_record(
        actor=viewer.person,
        action="coordination.group_attendance_record",
        subject=meeting,
        organisation=meeting.group.organisation,
        detail={"present": len(present), "absent": len(eligible) - len(present)},
    )
    return rows


def meeting_description(meeting: Meeting) -> str:
    """What the time bank's history says the hours were for."""
    local = timezone.localtime(meeting.starts_at)
    return f"{meeting.group.name}: peer support meeting on {local.day} {local:%B %Y}"


@transaction.atomic
def meeting_hours_post(*, viewer: Viewer, meeting_id: int) -> GroupExchange:
    """Post the meeting's hours (a time bank broker of the group's organisation): everyone
    recorded present earns the meeting's minutes from the organisation's agency account, in
    one transfer through ``group_exchange_record``. Locks the meeting's row, so it is posted
    once."""
    meeting = access_meeting_to_post(viewer=viewer, meeting_id=meeting_id, for_update=True)
    group = meeting.group
    organisation = group.organisation
    if meeting.group_exchange_id is not None:
        raise Conflict("This meeting's hours are already posted to the time bank.")
    if meeting.starts_at > timezone.now():
        raise InvalidInput(None, "The meeting has not happened yet.")
    present = [
        row.membership
        for row in Attendance.objects.select_related(
            "membership__person", "membership__organisation"
        )
        .filter(meeting=meeting, present=True)
        .order_by("membership_id")
    ]
    if not present:
        raise InvalidInput(
            None, "A facilitator records who was present before the hours can be posted."
        )
    exchange = group_exchange_record(
        viewer=viewer,
        organisation=organisation,
        participants=present,
        minutes_each=meeting.minutes,
        direction=GroupDirection.HUB_PAYS,
        description=meeting_description(meeting),
        occurred_at=meeting.starts_at,
    )
    meeting.group_exchange = exchange
    meeting.save(update_fields=["group_exchange"])
    history_record(
        actor=viewer.person,
        action="coordination.group_meeting_post",
        subject=meeting,
        organisation=organisation,
        detail={"group_exchange_id": exchange.pk, "present": len(present)},
    )
    return exchange


__all__ = [
    "attendance_record",
    "facilitator_add",
    "facilitator_remove",
    "group_create",
    "group_join",
    "group_leave",
    "group_update",
    "meeting_description",
    "meeting_hours_post",
    "meeting_schedule",
]
