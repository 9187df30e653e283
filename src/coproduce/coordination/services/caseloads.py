"""Caseloads: each coordinator's people, the cap, handover, reviews due."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import (
    CoordinationSettings,
    Handover,
    Plan,
    PlanStatus,
)
from coproduce.coordination.selectors.plans import access_plan_by_id
from coproduce.errors import Conflict, InvalidInput
from coproduce.notifications.models import Notification
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Membership
from coproduce.people.permissions import Viewer


def caseload_size(coordinator: Membership) -> int:
    return Plan.objects.filter(coordinator=coordinator, status=PlanStatus.ACTIVE).count()


def caseload_cap_check(*, coordinator: Membership) -> None:
    """Refuse a plan that would take ``coordinator`` past their organisation's cap. Locks
    the coordinator's membership row, so two plans or handovers at once cannot both pass."""
    from coproduce.coordination.services.plans import coordination_settings

    Membership.objects.select_for_update().filter(pk=coordinator.pk).first()
    cap = coordination_settings(coordinator.organisation_id).caseload_cap
    if caseload_size(coordinator) >= cap:
        raise Conflict(
            f"{coordinator.person.display_name} already holds {cap} people, the caseload cap. "
            "Hand someone over first, or ask a manager to raise the cap."
        )


@transaction.atomic
def plan_handover(
    *, viewer: Viewer, plan_id: int, to_membership_id: int, reason: str = ""
) -> Handover:
    """Pass a plan to another coordinator of the same organisation (the holding coordinator
    or a manager); the receiving coordinator's cap is checked and they are told."""
    from coproduce.coordination.notices import PLAN_HANDED_OVER
    from coproduce.coordination.services.plans import coordinator_membership

    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict("This plan is closed.")
    receiving = coordinator_membership(
        organisation_id=plan.organisation_id, membership_id=to_membership_id
    )
    if plan.coordinator_id == receiving.pk:
        raise InvalidInput("to_membership_id", "That coordinator already holds this plan.")
    if receiving.person_id == plan.membership.person_id:
        raise InvalidInput("to_membership_id", "A coordinator cannot hold their own plan.")
    caseload_cap_check(coordinator=receiving)
    assert viewer.person is not None
    handover = Handover.objects.create(
        plan=plan,
        from_coordinator=plan.coordinator,
        to_coordinator=receiving,
        by=viewer.person,
        reason=reason.strip()[:2000],
    )
    Plan.objects.filter(pk=plan.pk).update(coordinator=receiving)
    history_record(
        actor=viewer.person,
        action="coordination.plan_handover",
        subject=plan,
        organisation=plan.organisation,
        detail={"from": plan.coordinator_id, "to": receiving.pk},
    )
    notification_send(
        user_ids=[receiving.person.user_id],
        event=PLAN_HANDED_OVER,
        title=f"{plan.membership.person.display_name}'s plan is now on your caseload",
        body=reason.strip()[:500],
        url=reverse("coordination:plan_detail", args=[plan.pk]),
    )
    return handover


@transaction.atomic
def coordination_settings_set(
    *,
    viewer: Viewer,
    organisation_id: int,
    caseload_cap: int,
    review_every_days: int,
    no_contact_days: int,
) -> CoordinationSettings:
    """A manager sets the caseload cap, the review interval and the no-contact flag."""
    permissions.check(
        viewer, "coordination.manage", organisation_id, action="change coordination settings"
    )
    settings, _ = CoordinationSettings.objects.get_or_create(organisation_id=organisation_id)
    settings.caseload_cap = caseload_cap
    settings.review_every_days = review_every_days
    settings.no_contact_days = no_contact_days
    if not 1 <= caseload_cap <= 500:
        raise InvalidInput("caseload_cap", "The cap must be between 1 and 500 people.")
    if not 7 <= review_every_days <= 730:
        raise InvalidInput("review_every_days", "Reviews must be 7 to 730 days apart.")
    if not 1 <= no_contact_days <= 365:
        raise InvalidInput("no_contact_days", "Choose between 1 and 365 days.")
    model_validate(settings, exclude=["organisation"])
    settings.save()
    history_record(
        actor=viewer.person,
        action="coordination.settings_set",
        subject=settings,
        organisation=settings.organisation,
        detail={
            "caseload_cap": caseload_cap,
            "review_every_days": review_every_days,
            "no_contact_days": no_contact_days,
        },
    )
    return settings


@transaction.atomic
def reviews_due_notify() -> int:
    """Tell each coordinator about every plan of theirs whose review is due today or
    overdue; a plan already reminded today is not reminded again. Returns how many."""
    from coproduce.coordination.notices import REVIEW_DUE

    today = timezone.localdate()
    due = list(
        Plan.objects.filter(
            status=PlanStatus.ACTIVE, next_review_on__lte=today, coordinator__isnull=False
        ).select_related("membership__person", "coordinator__person")
    )
    urls = {plan.pk: reverse("coordination:plan_detail", args=[plan.pk]) for plan in due}
    already = set(
        Notification.objects.filter(
            event=REVIEW_DUE, created_at__date=today, url__in=list(urls.values())
        ).values_list("recipient_id", "url")
    )
    sent = 0
    for plan in due:
        assert plan.coordinator is not None
        user_id = plan.coordinator.person.user_id
        if user_id is None or (user_id, urls[plan.pk]) in already:
            continue
        assert plan.next_review_on is not None
        overdue = (today - plan.next_review_on).days
        when = "today" if overdue == 0 else f"{overdue} days ago"
        notification_send(
            user_ids=[user_id],
            event=REVIEW_DUE,
            title=f"{plan.membership.person.display_name}'s plan review was due {when}",
            url=urls[plan.pk],
        )
        sent += 1
    return sent


def reviews_due_notify_command(command: Any) -> None:
    from coproduce.coordination.services.introductions import introduction_follow_ups_notify

    sent = reviews_due_notify()
    command.stdout.write(f"Sent {sent} review reminder{'s' if sent != 1 else ''}.\n")
    follow_ups = introduction_follow_ups_notify()
    command.stdout.write(
        f"Sent {follow_ups} introduction follow-up reminder{'s' if follow_ups != 1 else ''}.\n"
    )
