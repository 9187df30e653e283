"""The demo's peer support groups: groups started and facilitated by members, with staff
taking part as members, and a year of fortnightly meetings whose attendance a facilitator
recorded and a time bank broker posted (everyone present earning the session's hours in one
transfer). Everything goes through the groups services; only the join dates are backdated."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from coproduce.coordination.models import GroupMember, Meeting, PeerGroup
from coproduce.coordination.services import groups
from coproduce.people.models import Membership, MembershipStatus, Organisation
from coproduce.people.permissions import Viewer

# name, purpose, when and where, weekday (Monday 0), hour, places (None: no limit),
# minutes, how many join, how many staff take part as members
GROUPS: list[tuple[str, str, str, int, int, int | None, int, int, int]] = [
    (
        "Hearing Voices group",
        "A safe place to talk about hearing voices and other unusual experiences, "
        "with people who understand. Run by people who have been there.",
        "Thursdays 6pm, Holy Cross Centre, upstairs room",
        3,
        18,
        12,
        120,
        9,
        1,
    ),
    (
        "Walk and Talk",
        "A gentle walk by the river and a cup of tea after. Any pace; no one is left behind.",
        "Saturdays 10am from the Riverside park gates",
        5,
        10,
        None,
        90,
        14,
        1,
    ),
    (
        "Carers' coffee morning",
        "For anyone looking after someone: an hour or two for yourself, and people who get it.",
        "Wednesdays 10.30am in the centre's café",
        2,
        10,
        10,
        90,
        9,
        0,
    ),
    (
        "Men's Shed",
        "Fixing, making and mending, side by side. Tools provided; tea always on.",
        "Tuesdays 1pm at the allotment shed",
        1,
        13,
        15,
        180,
        10,
        1,
    ),
]
FORTNIGHTS = 26
UPCOMING = 2


def _as(membership: Membership) -> Viewer:
    """Act as a demo person (many have no login)."""
    roles = dict(
        Membership.objects.filter(
            person=membership.person, status=MembershipStatus.ACTIVE
        ).values_list("organisation_id", "role")
    )
    return Viewer(user=membership.person.user, person=membership.person, roles=roles)


def _first_on(day: datetime, weekday: int, hour: int) -> datetime:
    local = timezone.localtime(day)
    local += timedelta(days=(weekday - local.weekday()) % 7)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def demo_groups(
    org: Organisation,
    members: Sequence[Membership],
    staff: Sequence[Membership],
    broker: Membership,
    rng: random.Random,
    *,
    founder: Membership | None = None,
) -> list[PeerGroup]:
    """Start the demo's groups in ``org``: each is started by one of ``members`` (its first
    facilitator), most get a second member facilitator, and one of ``staff`` joins some as a
    member. ``broker`` (staff or a coordinator, holding ``timebank.broker``) posts the hours
    of every past meeting but the latest of the first group, which waits in the queue.
    ``founder``, if given, starts the first group (the demo member, who can then see a group
    he runs). Deterministic for a given ``rng`` and inputs. Call inside the demo's
    transaction."""
    now = timezone.now()
    made: list[PeerGroup] = []
    pool = list(members)
    poster = _as(broker)
    for index, (
        name,
        purpose,
        meets,
        weekday,
        hour,
        places,
        minutes,
        size,
        with_staff,
    ) in enumerate(GROUPS):
        if index == 0 and founder is not None:
            others = [m for m in pool if m.pk != founder.pk]
            chosen = [founder, *rng.sample(others, min(len(others), size))]
        else:
            chosen = rng.sample(pool, min(len(pool), size + 1))
        if not chosen:
            break
        founder, joiners = chosen[0], chosen[1:]
        founder_viewer = _as(founder)
        group = groups.group_create(
            viewer=founder_viewer,
            organisation_id=org.pk,
            name=name,
            purpose=purpose,
            meets=meets,
            meets_on=[groups.WEEKDAYS[weekday]],
            capacity=places,
            session_minutes=minutes,
        )
        taking_part = [founder]
        people = [*joiners, *staff[index % len(staff) :][:with_staff]] if staff else joiners
        for membership in people:
            if places is not None and len(taking_part) >= places:
                break
            groups.group_join(viewer=_as(membership), group_id=group.pk)
            taking_part.append(membership)
        if len(joiners) >= 1 and index != 2:
            groups.facilitator_add(
                viewer=founder_viewer, group_id=group.pk, membership_id=joiners[0].pk
            )
        started = now - timedelta(days=FORTNIGHTS * 14)
        GroupMember.objects.filter(group=group).update(
            joined_at=started - timedelta(days=rng.randint(1, 30))
        )
        _meetings(
            group,
            founder_viewer,
            poster,
            taking_part,
            rng,
            first=_first_on(now - timedelta(days=FORTNIGHTS * 14 - 1), weekday, hour),
            keep_last=index == 0,
        )
        made.append(group)
    return made


def _meetings(
    group: PeerGroup,
    facilitator: Viewer,
    poster: Viewer,
    taking_part: list[Membership],
    rng: random.Random,
    *,
    first: datetime,
    keep_last: bool,
) -> None:
    now = timezone.now()
    past: list[Meeting] = []
    for fortnight in range(FORTNIGHTS + UPCOMING):
        when = first + timedelta(days=14 * fortnight)
        meeting = groups.meeting_schedule(
            viewer=facilitator,
            group_id=group.pk,
            starts_at=when,
            minutes=group.session_minutes,
            place=group.meets.split(",", 1)[-1].strip() if "," in group.meets else "",
        )
        if when >= now:
            continue
        came = [m for m in taking_part if rng.random() < 0.75] or taking_part[:1]
        groups.attendance_record(
            viewer=facilitator,
            meeting_id=meeting.pk,
            present_membership_ids=[m.pk for m in came],
        )
        past.append(meeting)
    for meeting in past[:-1] if keep_last else past:
        groups.meeting_hours_post(viewer=poster, meeting_id=meeting.pk)
