"""Reading matching marks: a coordinator's own verdicts on suggestions, and precision@5 on
their own history (DESIGN: coordinators can mark a suggestion good or bad; the marks are
reported as precision@5)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from coproduce.coordination.models import Goal, MatchMark
from coproduce.coordination.selectors.plans import access_plan_by_id
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Person, Role
from coproduce.people.permissions import Viewer

# Precision is "at 5": only marks on the top five suggestions count.
PRECISION_AT = 5
# Below this many marks the page says the figure rests on a small sample.
SMALL_SAMPLE = 20
COORDINATING_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Precision:
    """precision@5 of one coordinator: ``good`` of ``marked`` marks on top-five suggestions
    were good, over ``goals`` goals. ``value`` is None when there are no marks."""

    marked: int
    good: int
    goals: int

    @property
    def value(self) -> float | None:
        return self.good / self.marked if self.marked else None

    @property
    def percent(self) -> int | None:
        value = self.value
        return None if value is None else round(value * 100)

    @property
    def small_sample(self) -> bool:
        return self.marked < SMALL_SAMPLE


@dataclass(frozen=True)
class CoordinatorPrecision:
    membership_id: int
    name: str
    role: str
    precision: Precision


@dataclass(frozen=True)
class PrecisionReport:
    """What the precision page shows: the viewer's own precision@5 and, for a manager of
    the service, each coordinator's (``team`` is empty for a coordinator)."""

    organisation_id: int
    own: Precision
    team: list[CoordinatorPrecision]
    is_manager: bool


def access_goal_for_marks(*, viewer: Viewer, goal_id: int) -> Goal:
    """The goal whose suggestions the viewer may mark: they hold its plan as coordinator or
    manage the service. Another organisation's goal is a 404, anyone else in it a 403.
    Marking writes nothing of the plan, so the read is not logged (the matches page is)."""
    plan_id = Goal.objects.filter(pk=goal_id).values_list("plan_id", flat=True).first()
    if plan_id is None:
        raise NotFound()
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    goal = Goal.objects.get(pk=goal_id)
    goal.plan = plan
    return goal


def goal_marks(*, viewer: Viewer, goal_id: int) -> dict[str, bool]:
    """The viewer's own marks on a goal's suggestions, by candidate (``"group:7": True``).
    Only the viewer's own marks: nothing of anyone else is read."""
    if viewer.person_id is None:
        return {}
    return dict(
        MatchMark.objects.filter(coordinator_id=viewer.person_id, goal_id=goal_id).values_list(
            "candidate", "good"
        )
    )


def precision_at_5(*, coordinator: Person, organisation_id: int) -> Precision:
    """precision@5 over ``coordinator``'s own marks in ``organisation_id`` on suggestions
    ranked 1 to 5: good marks / all such marks, **pooled** (every mark counts once, so a
    goal marked five times weighs five times one marked once). Pooled rather than averaged
    per goal-query because coordinators mark only some suggestions of a goal: a goal with
    one mark would otherwise swing the average as much as a goal with five. ``goals`` counts
    the distinct goals behind the figure and ``marked`` the marks, so a small sample
    shows. ``value`` is None when there are no marks. The caller has authorised the read
    (``precision_report``)."""
    row = MatchMark.objects.filter(
        organisation_id=organisation_id, coordinator=coordinator, rank__lte=PRECISION_AT
    ).aggregate(
        marked=Count("pk"),
        good=Count("pk", filter=Q(good=True)),
        goals=Count("goal", distinct=True),
    )
    return Precision(marked=row["marked"], good=row["good"], goals=row["goals"])


def precision_report(*, viewer: Viewer, organisation_id: int) -> PrecisionReport:
    """The viewer's precision@5 in ``organisation_id`` (coordinators and above) and, for a
    manager, every coordinator's of the service, in two queries."""
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="see matching precision"
    )
    assert viewer.person is not None
    own = precision_at_5(coordinator=viewer.person, organisation_id=organisation_id)
    is_manager = permissions.may(viewer, "coordination.manage", organisation_id)
    team: list[CoordinatorPrecision] = []
    if is_manager:
        rows = {
            row["coordinator_id"]: row
            for row in MatchMark.objects.filter(
                organisation_id=organisation_id, rank__lte=PRECISION_AT
            )
            .values("coordinator_id")
            .annotate(
                marked=Count("pk"),
                good=Count("pk", filter=Q(good=True)),
                goals=Count("goal", distinct=True),
            )
            .order_by()
        }
        coordinators = (
            Membership.objects.filter(
                organisation_id=organisation_id,
                status=MembershipStatus.ACTIVE,
                role__in=COORDINATING_ROLES,
            )
            .select_related("person")
            .order_by("person__full_name", "pk")
        )
        for membership in coordinators:
            row = rows.get(membership.person_id, {"marked": 0, "good": 0, "goals": 0})
            team.append(
                CoordinatorPrecision(
                    membership_id=membership.pk,
                    name=membership.person.display_name,
                    role=membership.get_role_display(),
                    precision=Precision(marked=row["marked"], good=row["good"], goals=row["goals"]),
                )
            )
    return PrecisionReport(
        organisation_id=organisation_id, own=own, team=team, is_manager=is_manager
    )
