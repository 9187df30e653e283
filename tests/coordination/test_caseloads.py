"""Caseloads: the cap and its warning, handover, reviews due, no contact, follow-ups, and a
caseload page whose query count does not grow with the caseload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import CoordinationSettings, Handover, Plan
from coproduce.coordination.notices import PLAN_HANDED_OVER, REVIEW_DUE
from coproduce.coordination.selectors.caseloads import (
    caseload_coordinator,
    caseload_rows,
    caseload_summary,
    coordinators_of,
)
from coproduce.coordination.services import caseloads, plans
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.notifications.models import Notification
from coproduce.people import services as people_services
from coproduce.people.models import Membership
from tests.coordination.factories import coordinator_membership, member, plan_for

pytestmark = pytest.mark.django_db


def _cap(world: Any, cap: int) -> None:
    caseloads.coordination_settings_set(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        caseload_cap=cap,
        review_every_days=90,
        no_contact_days=42,
    )


def _second_coordinator(world: Any) -> Membership:
    second = member(world, "Cleo Coordinator")
    people_services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=second.pk, role="coordinator"
    )
    second.refresh_from_db()
    return second


def test_the_cap_defaults_to_sixty(world: Any) -> None:
    coordinator = coordinator_membership(world)
    summary = caseload_summary(
        coordinator=coordinator, settings=plans.coordination_settings(world.org.pk)
    )
    assert summary.cap == 60 and summary.size == 0


def test_a_warning_before_the_cap_and_a_refusal_at_it(world: Any) -> None:
    _cap(world, 6)
    coordinator = coordinator_membership(world)
    settings = plans.coordination_settings(world.org.pk)
    plan_for(world)
    assert not caseload_summary(coordinator=coordinator, settings=settings).near_cap
    for _ in range(4):
        plan_for(world)
    summary = caseload_summary(coordinator=coordinator, settings=settings)
    assert summary.size == 5 and summary.near_cap and not summary.at_cap
    plan_for(world)
    assert caseload_summary(coordinator=coordinator, settings=settings).at_cap
    before = Plan.objects.count()
    with pytest.raises(Conflict, match="already holds 6 people, the caseload cap"):
        plan_for(world)
    assert Plan.objects.count() == before


def test_the_plan_page_warns_before_the_cap(world: Any) -> None:
    _cap(world, 3)
    plan_for(world)
    client = world.client("coordinator")
    page = client.get(reverse("coordination:plan_create", args=[world.org.pk])).content.decode()
    assert "caseload cap" not in page and "at its cap" not in page
    plan_for(world)
    page = client.get(reverse("coordination:plan_create", args=[world.org.pk])).content.decode()
    assert "nearly at your caseload cap" in page
    plan_for(world)
    page = client.get(reverse("coordination:plan_create", args=[world.org.pk])).content.decode()
    assert "at its cap of 3 people" in page


def test_settings_are_for_managers_and_checked(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        caseloads.coordination_settings_set(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            caseload_cap=10,
            review_every_days=90,
            no_contact_days=42,
        )
    with pytest.raises(InvalidInput, match="between 1 and 500"):
        _cap(world, 0)
    assert not CoordinationSettings.objects.exists()


def test_handover_moves_the_plan_tells_the_new_coordinator_and_checks_their_cap(
    world: Any,
) -> None:
    plan = plan_for(world)
    second = _second_coordinator(world)
    caseloads.plan_handover(
        viewer=world.viewer("coordinator"),
        plan_id=plan.pk,
        to_membership_id=second.pk,
        reason="Cleo works near them",
    )
    plan.refresh_from_db()
    assert plan.coordinator == second
    handover = Handover.objects.get(plan=plan)
    assert handover.from_coordinator == coordinator_membership(world)
    told = Notification.objects.get(event=PLAN_HANDED_OVER)
    assert told.recipient == second.person.user
    # the first coordinator no longer reads it
    with pytest.raises(PermissionDenied):
        plans.plan_comment_add(viewer=world.viewer("coordinator"), plan_id=plan.pk, text="x")

    _cap(world, 1)
    other = plan_for(world)
    with pytest.raises(Conflict, match="caseload cap"):
        caseloads.plan_handover(
            viewer=world.viewer("coordinator"), plan_id=other.pk, to_membership_id=second.pk
        )
    assert Handover.objects.count() == 1


def test_handover_to_someone_who_is_not_a_coordinator_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    plain = member(world)
    with pytest.raises(NotFound):
        caseloads.plan_handover(
            viewer=world.viewer("coordinator"), plan_id=plan.pk, to_membership_id=plain.pk
        )
    outsider_membership = Membership.objects.get(person=world.outsider)
    with pytest.raises(NotFound):
        caseloads.plan_handover(
            viewer=world.viewer("coordinator"),
            plan_id=plan.pk,
            to_membership_id=outsider_membership.pk,
        )
    assert not Handover.objects.exists()


def test_reviews_due_no_contact_and_the_summary(world: Any) -> None:
    due = plan_for(world)
    quiet = plan_for(world)
    fine = plan_for(world)
    today = timezone.localdate()
    Plan.objects.filter(pk=due.pk).update(next_review_on=today - timedelta(days=3))
    Plan.objects.filter(pk=quiet.pk).update(created_at=timezone.now() - timedelta(days=60))
    plans.plan_contact_record(viewer=world.viewer("coordinator"), plan_id=fine.pk, how="phone")
    coordinator = coordinator_membership(world)
    rows = {plan.pk: plan for plan in caseload_rows(coordinator=coordinator, no_contact_days=42)}
    assert rows[due.pk].review_due and not rows[fine.pk].review_due
    assert rows[quiet.pk].no_contact and not rows[fine.pk].no_contact
    assert next(iter(rows)) == due.pk  # reviews due first
    summary = caseload_summary(
        coordinator=coordinator, settings=plans.coordination_settings(world.org.pk)
    )
    assert (summary.size, summary.reviews_due, summary.no_contact) == (3, 1, 1)


def test_review_reminders_are_sent_once_a_day(world: Any) -> None:
    due = plan_for(world)
    plan_for(world)
    Plan.objects.filter(pk=due.pk).update(next_review_on=timezone.localdate())
    assert caseloads.reviews_due_notify() == 1
    assert caseloads.reviews_due_notify() == 0
    told = Notification.objects.get(event=REVIEW_DUE)
    assert told.recipient == world.people["coordinator"].user
    assert "was due today" in told.title


def test_reviews_due_command(world: Any, capsys: Any) -> None:
    due = plan_for(world)
    Plan.objects.filter(pk=due.pk).update(next_review_on=timezone.localdate() - timedelta(1))
    call_command("coordination", "reviews-due")
    out = capsys.readouterr().out
    assert "Sent 1 review reminder." in out
    assert "Sent 0 introduction follow-up reminders." in out


def test_reviews_due_command_reminds_of_follow_ups_once(world: Any, capsys: Any) -> None:
    from coproduce.coordination.models import Introduction

    Introduction.objects.create(
        organisation=world.org,
        plan=plan_for(world, name="Fred Later"),
        introduced_by=world.people["coordinator"],
        target_kind="group",
        target_group=_group(world),
        follow_up_on=timezone.localdate(),
    )
    call_command("coordination", "reviews-due")
    assert "Sent 1 introduction follow-up reminder." in capsys.readouterr().out
    call_command("coordination", "reviews-due")
    assert "Sent 0 introduction follow-up reminders." in capsys.readouterr().out


def test_a_manager_sees_every_caseload_and_another_coordinators(world: Any) -> None:
    plan_for(world)
    plan_for(world)
    held = {
        m.person_id: n
        for m, n in coordinators_of(viewer=world.viewer("manager"), organisation_id=world.org.pk)
    }
    assert held[world.people["coordinator"].pk] == 2
    coordinator = coordinator_membership(world)
    seen = caseload_coordinator(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        coordinator_membership_id=coordinator.pk,
    )
    assert seen == coordinator
    with pytest.raises(PermissionDenied):
        caseload_coordinator(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            coordinator_membership_id=Membership.objects.get(
                person=world.people["manager"], organisation=world.org
            ).pk,
        )
    with pytest.raises(PermissionDenied):
        coordinators_of(viewer=world.viewer("coordinator"), organisation_id=world.org.pk)


def _caseload_queries(world: Any) -> tuple[int, str]:
    client = world.client("coordinator")
    url = reverse("coordination:caseload", args=[world.org.pk])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_caseload_page_query_count_does_not_grow_with_the_caseload(world: Any) -> None:
    plan_for(world, name="Pat Early")
    few, _ = _caseload_queries(world)
    for n in range(12):
        plan_for(world, name=f"Pat Later {n}")
    Plan.objects.filter(pk__in=Plan.objects.values("pk")[:4]).update(
        next_review_on=timezone.localdate() - timedelta(days=1)
    )
    many, page = _caseload_queries(world)
    assert many == few, f"{few} queries with 1 person, {many} with 13"
    assert "Pat Later 11" in page and "Review due" in page
    # pinned: changing the page's reads should be a decision, not an accident (13: the list
    # of introductions to follow up is one query)
    assert many <= 13


def test_the_caseload_page_shows_follow_ups_due(world: Any) -> None:
    from coproduce.coordination.models import Introduction

    plan = plan_for(world, name="Fran Follow")
    Introduction.objects.create(
        organisation=world.org,
        plan=plan,
        introduced_by=world.people["coordinator"],
        target_kind="group",
        target_group=_group(world),
        follow_up_on=timezone.localdate() - timedelta(days=1),
    )
    _, page = _caseload_queries(world)
    assert "1 due" in page
    assert "Introductions to follow up" in page
    assert "Fran Follow and Allotment group" in page and "was due" in page
    coordinator = coordinator_membership(world)
    summary = caseload_summary(
        coordinator=coordinator, settings=plans.coordination_settings(world.org.pk)
    )
    assert summary.follow_ups == 1


def _group(world: Any) -> Any:
    from coproduce.coordination.models import PeerGroup

    return PeerGroup.objects.create(
        organisation=world.org, name="Allotment group", created_by=world.people["staff"]
    )


def test_the_access_log_page_lists_reads_for_managers(world: Any) -> None:
    plan = plan_for(world, name="Logged Person")
    world.client("coordinator").get(reverse("coordination:plan_detail", args=[plan.pk]))
    page = world.client("manager").get(reverse("coordination:access_log", args=[world.org.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Logged Person" in text and f"plan:{plan.pk}" in text
