"""Reading plans. A plan is special-category data: the person themselves, the coordinator
who holds it and managers of its organisation may read it (every read by someone other than
the person is logged); anyone else in the organisation is refused, and anyone outside it
gets a 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coproduce.coordination.models import Plan
from coproduce.coordination.selectors.access import access_record
from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.permissions import Viewer


def plan_reader_kind(viewer: Viewer, plan: Plan) -> str | None:
    """``"person"``, ``"coordinator"`` or ``"manager"``: how the viewer may read the plan
    (None if they may not)."""
    if viewer.person is not None and plan.membership.person_id == viewer.person.pk:
        return "person"
    role = viewer.role_in(plan.organisation_id)
    if role is None:
        return None
    if permissions.may(viewer, "coordination.manage", plan.organisation_id):
        return "manager"
    if (
        permissions.may(viewer, "coordination.coordinate", plan.organisation_id)
        and plan.coordinator is not None
        and plan.coordinator.person_id == viewer.person_id
    ):
        return "coordinator"
    return None


def access_plan_by_id(
    *, viewer: Viewer, plan_id: int, write: bool = False, log: bool = True
) -> Plan:
    """Fetch and authorise a plan in one step (STYLE 5a). ``write`` asks for the right to
    change it (its coordinator or a manager; the person comments through their own
    service). The read is written to the access log unless ``log`` is False (a service that
    writes the plan logs nothing: the history records it)."""
    plan = (
        Plan.objects.select_related(
            "organisation", "membership__person", "coordinator__person", "created_by"
        )
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise NotFound()
    kind = plan_reader_kind(viewer, plan)
    if kind is None:
        if viewer.role_in(plan.organisation_id) is None:
            raise NotFound()
        raise PermissionDenied(
            "Only the person, the coordinator who holds their plan and the service's managers "
            "can see this plan."
        )
    if write and kind == "person":
        raise PermissionDenied("Your coordinator changes the plan with you; add a comment.")
    if log and kind != "person":
        access_record(
            viewer=viewer,
            subject=plan.membership.person,
            what="plan",
            organisation_id=plan.organisation_id,
            object_ref=f"plan:{plan.pk}",
        )
    return plan


def plan_detail(*, viewer: Viewer, plan_id: int) -> tuple[Plan, str]:
    """The plan with its goals and steps, comments, recent contacts and reviews loaded, and
    how the viewer reads it (``plan_reader_kind``). Logged like every read."""
    from django.db.models import Prefetch

    from coproduce.coordination.models import Contact, Goal, PlanComment, Review

    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id)
    kind = plan_reader_kind(viewer, plan)
    assert kind is not None
    plan = (
        Plan.objects.select_related(
            "organisation", "membership__person", "coordinator__person", "created_by"
        )
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.prefetch_related("steps")),
            Prefetch("comments", queryset=PlanComment.objects.select_related("author")),
            Prefetch("contacts", queryset=Contact.objects.select_related("by")),
            Prefetch("reviews", queryset=Review.objects.select_related("by")),
        )
        .get(pk=plan.pk)
    )
    return plan, kind


def plans_visible(*, viewer: Viewer) -> QuerySet[Plan]:
    """The plans the viewer may list: their own, the ones they hold as coordinator, and
    every plan of an organisation they manage. A list names people and review dates only;
    opening a plan is the read that is logged."""
    if viewer.person_id is None:
        return Plan.objects.none()
    managed = viewer.organisation_ids("coordination.manage")
    return (
        Plan.objects.filter(
            Q(membership__person_id=viewer.person_id)
            | Q(coordinator__person_id=viewer.person_id)
            | Q(organisation_id__in=managed)
        )
        .select_related("membership__person", "coordinator__person")
        .order_by("status", "next_review_on", "pk")
    )
