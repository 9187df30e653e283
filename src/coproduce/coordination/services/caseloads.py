"""Caseloads: each coordinator's people, the cap, handover, reviews due."""

from __future__ import annotations

from typing import Any

from coproduce.coordination.models import Plan, PlanStatus
from coproduce.errors import Conflict
from coproduce.people.models import Membership


def caseload_size(coordinator: Membership) -> int:
    return Plan.objects.filter(coordinator=coordinator, status=PlanStatus.ACTIVE).count()


def caseload_cap_check(*, coordinator: Membership) -> None:
    """Refuse a plan that would take ``coordinator`` past their organisation's cap."""
    from coproduce.coordination.services.plans import coordination_settings

    cap = coordination_settings(coordinator.organisation_id).caseload_cap
    if caseload_size(coordinator) >= cap:
        raise Conflict(
            f"{coordinator.person.display_name} already holds {cap} people, the caseload cap. "
            "Hand someone over first, or ask a manager to raise the cap."
        )


def reviews_due_notify_command(command: Any) -> None:
    raise NotImplementedError("caseloads helper: implement")
