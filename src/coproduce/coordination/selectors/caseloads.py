"""A coordinator's caseload at a glance: who is due a review, who has had no contact for a
while, which introductions need a follow-up. A fixed number of queries however many people
the caseload holds (tests/coordination/test_caseloads.py pins it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from coproduce.coordination.models import (
    CASELOAD_WARNING_MARGIN,
    CoordinationSettings,
    Introduction,
    IntroductionStatus,
    Plan,
    PlanStatus,
)
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Organisation, Role
from coproduce.people.permissions import Viewer


@dataclass(frozen=True)
class CaseloadSummary:
    size: int
    cap: int
    reviews_due: int
    no_contact: int
    follow_ups: int

    @property
    def warning_margin(self) -> int:
        """How close to the cap the warning starts: 5 people at the default cap of 60,
        a tenth of a smaller cap, at least 1."""
        return max(1, min(CASELOAD_WARNING_MARGIN, self.cap // 10))

    @property
    def near_cap(self) -> bool:
        return self.size >= self.cap - self.warning_margin

    @property
    def at_cap(self) -> bool:
        return self.size >= self.cap


def _follow_ups_due() -> Subquery:
    today = timezone.localdate()
    return Subquery(
        Introduction.objects.filter(plan=OuterRef("pk"), follow_up_on__lte=today)
        .exclude(status=IntroductionStatus.DIDNT_WORK_OUT)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def caseload_coordinator(
    *, viewer: Viewer, organisation_id: int, coordinator_membership_id: int | None = None
) -> Membership:
    """The viewer's own membership (a coordinator's caseload), or the named coordinator's
    for a manager."""
    permissions.check(viewer, "coordination.coordinate", organisation_id, action="see a caseload")
    if coordinator_membership_id is not None and coordinator_membership_id != _own(
        viewer, organisation_id
    ):
        permissions.check(
            viewer, "coordination.manage", organisation_id, action="see another's caseload"
        )
        found = (
            Membership.objects.select_related("person")
            .filter(
                pk=coordinator_membership_id,
                organisation_id=organisation_id,
                role__in=(Role.COORDINATOR, Role.MANAGER, Role.ADMIN),
            )
            .first()
        )
        if found is None:
            raise NotFound("No such coordinator in this organisation.")
        return found
    if viewer.person_id is None:
        raise NotFound()
    return Membership.objects.select_related("person").get(
        person_id=viewer.person_id, organisation_id=organisation_id
    )


def _own(viewer: Viewer, organisation_id: int) -> int | None:
    if viewer.person_id is None:
        return None
    return (
        Membership.objects.filter(person_id=viewer.person_id, organisation_id=organisation_id)
        .values_list("pk", flat=True)
        .first()
    )


def caseload_rows(*, coordinator: Membership, no_contact_days: int) -> QuerySet[Plan]:
    """The coordinator's active plans, each with ``review_due``, ``no_contact`` and
    ``follow_ups`` annotated; reviews due first."""
    today = timezone.localdate()
    since = timezone.now() - timedelta(days=no_contact_days)
    return (
        Plan.objects.filter(coordinator=coordinator, status=PlanStatus.ACTIVE)
        .select_related("membership__person")
        .annotate(
            review_due=Case(
                When(next_review_on__lte=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            no_contact=Case(
                When(
                    Q(last_contact_at__lt=since)
                    | Q(last_contact_at__isnull=True, created_at__lt=since),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
            follow_ups=Coalesce(_follow_ups_due(), 0),
        )
        .order_by("-review_due", "next_review_on", "pk")
    )


def caseload_summary(*, coordinator: Membership, settings: CoordinationSettings) -> CaseloadSummary:
    today = timezone.localdate()
    since = timezone.now() - timedelta(days=settings.no_contact_days)
    plans = Plan.objects.filter(coordinator=coordinator, status=PlanStatus.ACTIVE)
    counts = plans.aggregate(
        size=Count("pk"),
        reviews_due=Count("pk", filter=Q(next_review_on__lte=today)),
        no_contact=Count(
            "pk",
            filter=Q(last_contact_at__lt=since)
            | Q(last_contact_at__isnull=True, created_at__lt=since),
        ),
        follow_ups=Count(
            "introductions",
            filter=Q(introductions__follow_up_on__lte=today)
            & ~Q(introductions__status=IntroductionStatus.DIDNT_WORK_OUT),
        ),
    )
    return CaseloadSummary(cap=settings.caseload_cap, **counts)


def coordinators_of(*, viewer: Viewer, organisation_id: int) -> list[tuple[Membership, int]]:
    """Each coordinator of the organisation with the size of their caseload (managers)."""
    permissions.check(viewer, "coordination.manage", organisation_id, action="see every caseload")
    members = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
            role__in=(Role.COORDINATOR, Role.MANAGER, Role.ADMIN),
        )
        .select_related("person")
        .annotate(held=Count("caseload", filter=Q(caseload__status=PlanStatus.ACTIVE)))
        .order_by("person__full_name", "pk")
    )
    return [(membership, membership.held) for membership in members]


def my_plans(*, viewer: Viewer) -> QuerySet[Plan]:
    """The viewer's own active plans (a person sees their own; nothing is logged)."""
    if viewer.person_id is None:
        return Plan.objects.none()
    return Plan.objects.filter(
        membership__person_id=viewer.person_id, status=PlanStatus.ACTIVE
    ).select_related("organisation", "coordinator__person")


def organisations_where(*, viewer: Viewer, permission: str) -> QuerySet[Organisation]:
    """The organisations in which the viewer holds ``permission``, by name (the coordination
    home page's lists)."""
    return Organisation.objects.filter(pk__in=viewer.organisation_ids(permission)).order_by("name")
