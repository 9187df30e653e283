"""Coordination test data, built through the services."""

from __future__ import annotations

from typing import Any

from coproduce.coordination.models import Plan
from coproduce.coordination.services import plans
from coproduce.people import services as people_services
from coproduce.people.models import Membership
from coproduce.people.permissions import viewer_for
from tests.conftest import make_person

_counter = {"n": 0}


def member(world: Any, name: str | None = None) -> Membership:
    """A new active plain member of world.org."""
    _counter["n"] += 1
    n = _counter["n"]
    person = make_person(name or f"Person {n}", f"person{n}@a.example.org")
    membership = people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=world.org, note=""
    )
    people_services.membership_decide(
        viewer=world.viewer("admin"), membership_id=membership.pk, approve=True
    )
    membership.refresh_from_db()
    return membership


def coordinator_membership(world: Any, role: str = "coordinator") -> Membership:
    return Membership.objects.get(person=world.people[role], organisation=world.org)


def plan_for(world: Any, name: str | None = None, **fields: Any) -> Plan:
    """A new member with a plan held by world's coordinator."""
    membership = member(world, name)
    return plans.plan_create(
        viewer=world.viewer("coordinator"),
        membership_id=membership.pk,
        life_wanted=fields.pop("life_wanted", "To have friends nearby and get back to work."),
        strengths=fields.pop("strengths", "Good with plants; patient."),
        what_matters=fields.pop("what_matters", "My dog, my garden."),
        **fields,
    )
