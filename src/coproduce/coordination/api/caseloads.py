"""Coordination API: a coordinator's caseload at a glance, and every caseload for managers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from coproduce.coordination.selectors.caseloads import (
    caseload_coordinator,
    caseload_rows,
    caseload_summary,
    coordinators_of,
)
from coproduce.coordination.services.plans import coordination_settings
from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])


class CaseloadRowOut(Schema):
    plan_id: int
    person: str
    next_review_on: date | None
    last_contact_at: datetime | None
    review_due: bool
    no_contact: bool
    follow_ups_due: int


class CaseloadOut(Schema):
    coordinator_membership_id: int
    coordinator: str
    size: int
    cap: int
    near_cap: bool
    reviews_due: int
    no_contact: int
    follow_ups_due: int
    people: list[CaseloadRowOut]


class CoordinatorOut(Schema):
    membership_id: int
    name: str
    held: int
    cap: int


@router.get(
    "/organisations/{organisation_id}/caseload",
    response=responses(CaseloadOut),
    summary="A caseload at a glance (mine, or a coordinator's for a manager)",
)
def caseload_get(
    request: HttpRequest, organisation_id: Id, coordinator: Id | None = None
) -> dict[str, Any]:
    holder = caseload_coordinator(
        viewer=viewer(request),
        organisation_id=organisation_id,
        coordinator_membership_id=coordinator,
    )
    settings = coordination_settings(organisation_id)
    summary = caseload_summary(coordinator=holder, settings=settings)
    rows = caseload_rows(coordinator=holder, no_contact_days=settings.no_contact_days)
    return {
        "coordinator_membership_id": holder.pk,
        "coordinator": holder.person.display_name,
        "size": summary.size,
        "cap": summary.cap,
        "near_cap": summary.near_cap,
        "reviews_due": summary.reviews_due,
        "no_contact": summary.no_contact,
        "follow_ups_due": summary.follow_ups,
        "people": [
            {
                "plan_id": plan.pk,
                "person": plan.membership.person.display_name,
                "next_review_on": plan.next_review_on,
                "last_contact_at": plan.last_contact_at,
                "review_due": plan.review_due,  # type: ignore[attr-defined]
                "no_contact": plan.no_contact,  # type: ignore[attr-defined]
                "follow_ups_due": plan.follow_ups,  # type: ignore[attr-defined]
            }
            for plan in rows
        ],
    }


@router.get(
    "/organisations/{organisation_id}/caseloads",
    response=responses(list[CoordinatorOut]),
    summary="Every coordinator and how many people each holds (managers)",
)
def caseload_overview(request: HttpRequest, organisation_id: Id) -> list[dict[str, Any]]:
    cap = coordination_settings(organisation_id).caseload_cap
    return [
        {"membership_id": m.pk, "name": m.person.display_name, "held": held, "cap": cap}
        for m, held in coordinators_of(viewer=viewer(request), organisation_id=organisation_id)
    ]
