"""The demo's peer support groups: member-run, staff taking part as members, a year of
fortnightly meetings with attendance and posted hours."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from coproduce.coordination.demo_groups import FORTNIGHTS, UPCOMING, demo_groups
from coproduce.coordination.models import Attendance, GroupMember, GroupRole, Meeting
from coproduce.people.models import Role
from coproduce.timebank.models import Transfer, TransferKind
from tests.coordination.factories import member
from tests.coordination.factories_groups import membership_of

pytestmark = pytest.mark.django_db


def _load(world: Any, seed: int) -> list[Any]:
    members = [member(world) for _ in range(16)]
    staff = [membership_of(world, "staff")]
    return demo_groups(
        world.org, members, staff, membership_of(world, "coordinator"), random.Random(seed)
    )


def test_demo_groups_are_run_by_members_with_staff_as_equals(world: Any) -> None:
    made = _load(world, 7)
    assert len(made) == 4
    facilitators = GroupMember.objects.filter(group__in=made, role=GroupRole.FACILITATOR)
    assert facilitators.exists()
    assert {f.membership.role for f in facilitators} == {Role.MEMBER}
    staff_rows = GroupMember.objects.filter(group__in=made, membership__role=Role.STAFF)
    assert staff_rows.exists() and {r.role for r in staff_rows} == {GroupRole.MEMBER}
    full = next(g for g in made if g.capacity == 10)
    assert GroupMember.objects.filter(group=full, left_at__isnull=True).count() == 10


def test_demo_groups_have_a_year_of_meetings_with_hours_posted(world: Any) -> None:
    made = _load(world, 7)
    now = timezone.now()
    for group in made:
        meetings = Meeting.objects.filter(group=group)
        assert meetings.count() == FORTNIGHTS + UPCOMING
        assert meetings.filter(starts_at__gt=now).count() >= UPCOMING
        past = meetings.filter(starts_at__lte=now)
        assert all(Attendance.objects.filter(meeting=m, present=True).exists() for m in past)
    waiting = Meeting.objects.filter(
        group__in=made, starts_at__lte=now, group_exchange__isnull=True
    )
    assert waiting.count() == 1 and waiting.get().group == made[0]
    posted = Meeting.objects.filter(group__in=made, group_exchange__isnull=False)
    assert Transfer.objects.filter(kind=TransferKind.GROUP).count() == posted.count()
    for meeting in posted[:5]:
        present = Attendance.objects.filter(meeting=meeting, present=True).count()
        transfer = Transfer.objects.get(group_id=meeting.group_exchange_id)
        assert transfer.amount == present * meeting.minutes


class _Undo(Exception):
    pass


def test_demo_groups_are_deterministic(world: Any) -> None:
    members = [member(world) for _ in range(16)]
    staff = [membership_of(world, "staff")]
    broker = membership_of(world, "coordinator")

    def shape() -> list[tuple[Any, ...]]:
        made = demo_groups(world.org, members, staff, broker, random.Random(3))
        return [
            (
                g.name,
                g.capacity,
                *sorted(
                    Attendance.objects.filter(meeting__group=g, present=True).values_list(
                        "meeting__starts_at__date", "membership_id"
                    )
                ),
            )
            for g in made
        ]

    seen = []
    for _ in range(2):
        try:
            with transaction.atomic():
                seen.append(shape())
                raise _Undo
        except _Undo:
            pass
    assert seen[0] == seen[1] and len(seen[0]) == 4


@pytest.mark.slow
def test_demo_groups_load_on_the_demo_people() -> None:
    import io

    from coproduce.people import demo as people_demo
    from coproduce.people.models import Membership, MembershipStatus

    people_demo.load(stdout=io.StringIO(), people=40)
    home = people_demo.organisation(people_demo.HOME)
    active = (
        Membership.objects.filter(organisation=home, status=MembershipStatus.ACTIVE)
        .select_related("person")
        .order_by("pk")
    )
    mo = active.get(person=people_demo.person("member@example.org"))
    made = demo_groups(
        home,
        list(active.filter(role=Role.MEMBER)),
        list(active.filter(role=Role.STAFF)),
        active.get(person=people_demo.person("coordinator@example.org")),
        random.Random(2012),
        founder=mo,
    )
    assert len(made) == 4
    assert GroupMember.objects.get(group=made[0], membership=mo).role == GroupRole.FACILITATOR
    assert Meeting.objects.filter(group__in=made, group_exchange__isnull=False).count() > 50
