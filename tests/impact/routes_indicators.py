"""Outcome indicator pages, for the permission matrix. Everyone active sees the list and an
indicator's page; members and up propose and agree; managers adopt and retire; staff and up
record outcomes; coordinators and up verify a record someone else entered.

The indicators here are proposed by a member who is none of the world's roles, so every role
may agree to them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from coproduce.impact.models import Agency, OutcomeIndicator, OutcomeRecord
from coproduce.impact.services import outcomes
from coproduce.people import services as people_services
from coproduce.people.models import Person
from coproduce.people.permissions import viewer_for
from tests.conftest import make_person
from tests.matrix import ALL_ROLES, COORDINATORS_UP, MANAGERS_UP, MEMBERS_UP, STAFF_UP, Route

PROPOSER_EMAIL = "pat.proposer@a.example.org"
SERVICE = "Day service"


def proposer(world: Any) -> Person:
    """A member of world.org who holds none of the world's roles: Pat proposes indicators."""
    found = Person.objects.filter(user__email=PROPOSER_EMAIL).first()
    if found is not None:
        return found
    person = make_person("Pat Proposer", PROPOSER_EMAIL)
    membership = people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=world.org, note=""
    )
    people_services.membership_decide(
        viewer=world.viewer("admin"), membership_id=membership.pk, approve=True
    )
    return person


def indicator_for(
    world: Any, *, agreed_by: str | None = None, adopted: bool = False, **overrides: Any
) -> OutcomeIndicator:
    """An indicator Pat proposed in world.org (a new name each time), agreed to by the role
    ``agreed_by`` and adopted by world's manager when asked."""
    fields: dict[str, Any] = {
        "service": SERVICE,
        "name": f"Crises handled here {OutcomeIndicator.objects.count() + 1}",
        "description": "Coming here instead of going to A&E.",
        "how_measured": "Counted at each review.",
        "unit": "crisis",
        "concerns": "Members with a crisis plan",
        "benefits": [outcomes.BenefitInput(agency=Agency.NHS)],
    }
    fields.update(overrides)
    person = proposer(world)
    assert person.user is not None
    indicator = outcomes.indicator_propose(
        viewer=viewer_for(person.user), organisation_id=world.org.pk, **fields
    )
    if adopted and agreed_by is None:
        agreed_by = "staff"
    if agreed_by is not None:
        outcomes.indicator_agree(viewer=world.viewer(agreed_by), indicator_id=indicator.pk)
    if adopted:
        indicator = outcomes.indicator_adopt(
            viewer=world.viewer("manager"), indicator_id=indicator.pk
        )
    return indicator


def record_for(world: Any, *, recorder: str = "staff", quantity: int = 4) -> OutcomeRecord:
    """A record, entered by ``recorder``, of a new adopted indicator for last month."""
    indicator = indicator_for(world, adopted=True)
    today = timezone.localdate()
    return outcomes.outcome_record(
        viewer=world.viewer(recorder),
        indicator_id=indicator.pk,
        period_start=today - timedelta(days=30),
        period_end=today - timedelta(days=1),
        quantity=Decimal(quantity),
        evidence="The review log.",
    )


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _indicator(world: Any) -> dict[str, int]:
    return {"indicator_id": indicator_for(world).pk}


def _agreed_once(world: Any) -> dict[str, int]:
    return {"indicator_id": indicator_for(world, agreed_by="staff").pk}


def _adopted(world: Any) -> dict[str, int]:
    return {"indicator_id": indicator_for(world, adopted=True).pk}


def _record(world: Any) -> dict[str, int]:
    return {"record_id": record_for(world).pk}


def _new_indicator(world: Any) -> dict[str, Any]:
    return {
        "name": f"Nights at home {OutcomeIndicator.objects.count() + 1}",
        "service": SERVICE,
        "description": "Not having to go into hospital.",
        "how_measured": "Bed days avoided, from the ward's letters.",
        "unit": "bed day",
        "concerns": "Members known to the mental-health team",
        "split_rule": "equal",
        "confidence_grade": "3",
        "agency_1": "nhs",
    }


def _new_record(world: Any) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "period_start": str(today - timedelta(days=30)),
        "period_end": str(today - timedelta(days=1)),
        "quantity": "3",
        "evidence": "The review log.",
    }


ROUTES: list[Route] = [
    Route("impact:home", any_signed_in=True),
    Route("impact:indicator_list", kwargs=_org, allowed=ALL_ROLES),
    Route("impact:indicator_propose", kwargs=_org, allowed=MEMBERS_UP),
    Route(
        "impact:indicator_propose",
        kwargs=_org,
        allowed=MEMBERS_UP,
        method="post",
        data=_new_indicator,
        ok_status=302,
    ),
    Route("impact:indicator_detail", kwargs=_indicator, allowed=ALL_ROLES),
    Route("impact:indicator_agree", kwargs=_indicator, allowed=MEMBERS_UP),
    Route(
        "impact:indicator_agree",
        kwargs=_indicator,
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"comment": "Yes, this matters to me."},
        ok_status=302,
    ),
    Route("impact:indicator_adopt", kwargs=_agreed_once, allowed=MANAGERS_UP),
    Route(
        "impact:indicator_adopt",
        kwargs=_agreed_once,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {},
        ok_status=302,
    ),
    Route("impact:indicator_retire", kwargs=_adopted, allowed=MANAGERS_UP),
    Route(
        "impact:indicator_retire",
        kwargs=_adopted,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {},
        ok_status=302,
    ),
    Route("impact:outcome_record", kwargs=_adopted, allowed=STAFF_UP),
    Route(
        "impact:outcome_record",
        kwargs=_adopted,
        allowed=STAFF_UP,
        method="post",
        data=_new_record,
        ok_status=302,
    ),
    Route("impact:outcome_verify", kwargs=_record, allowed=COORDINATORS_UP),
    Route(
        "impact:outcome_verify",
        kwargs=_record,
        allowed=COORDINATORS_UP,
        method="post",
        data=lambda w: {"note": "Checked against the register."},
        ok_status=302,
    ),
]
