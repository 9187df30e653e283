"""Wellbeing pages, for the permission matrix. Everyone active sees their own answers; staff
and up enter someone's answers; managers record the SWEMWBS licence; coordinators, managers,
commissioners and administrators read the cohort's change (figures only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.impact.models import WellbeingResponse
from tests.matrix import ALL_ROLES, MANAGERS_UP, STAFF_UP, Route

AGGREGATES = frozenset({"coordinator", "manager", "commissioner", "admin"})


def number_of(world: Any, role: str) -> str:
    """The membership number of world's person in ``role``, as on their card."""
    return str(world.org.memberships.get(person=world.people[role]).number)


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _instrument(instrument: str) -> Any:
    return lambda world: {"organisation_id": world.org.pk, "instrument": instrument}


def _ons4(world: Any) -> dict[str, str]:
    # A day further back each time: one person answers an instrument at most once a day.
    day = timezone.localdate() - timedelta(days=WellbeingResponse.objects.count())
    return {
        "number": number_of(world, "member"),
        "taken_on": str(day),
        "service": "Day service",
        "life_satisfaction": "6",
        "worthwhile": "7",
        "happiness": "6",
        "anxiety": "3",
    }


ROUTES: list[Route] = [
    Route("impact:wellbeing_home", kwargs=_org, allowed=ALL_ROLES),
    Route("impact:wellbeing_record", kwargs=_instrument("ons4"), allowed=STAFF_UP),
    Route(
        "impact:wellbeing_record",
        kwargs=_instrument("ons4"),
        allowed=STAFF_UP,
        method="post",
        data=_ons4,
        ok_status=302,
    ),
    # Without the licence the page says why no SWEMWBS scores can be entered.
    Route("impact:wellbeing_record", kwargs=_instrument("swemwbs"), allowed=STAFF_UP),
    Route("impact:wellbeing_licence", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "impact:wellbeing_licence",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"held": "on", "reference": "Licence 2026/0042"},
        ok_status=302,
    ),
    Route("impact:wellbeing_cohort", kwargs=_org, allowed=AGGREGATES),
]
