"""Referral test data, built through the services: a GP practice's referral as its system
would send it, received, accepted and supported."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from coproduce.coordination.models import Referral
from coproduce.coordination.services import referrals
from coproduce.people.models import Membership
from tests.coordination.factories import coordinator_membership, member

_counter = itertools.count(1)

# An NHS number with a good modulus 11 check digit (NHS Digital's published test number).
NHS_NUMBER = "9434765919"


def dataset(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A complete referral dataset from a GP practice; ``overrides`` replace or add items
    group by group (an item set to None is removed)."""
    data: dict[str, dict[str, Any]] = {
        "referrer": {
            "name": "Dr Amira Shah",
            "role": "GP",
            "organisation": "Riverside Medical Practice",
            "organisation_code": "Y01234",
            "contact": "0161 496 0000",
            "referred_on": "2026-11-02",
            "consent_to_share": True,
        },
        "demographics": {
            "full_name": "Maureen Doyle",
            "date_of_birth": "1948-05-17",
            "address": "14 Canal Street, Holy Cross",
            "postcode": "M4 6AB",
            "nhs_number": NHS_NUMBER,
            "phone": "07700 900123",
        },
        "needs": {
            "concerns": "Lonely since her husband died; not leaving the house much.",
            "what_matters": "Her garden, and seeing her grandchildren.",
        },
    }
    data = copy.deepcopy(data)
    for group, items in overrides.items():
        for key, value in items.items():
            if value is None:
                data[group].pop(key, None)
            else:
                data[group][key] = value
    return data


def received(world: Any, *, take_it: bool = True, **overrides: dict[str, Any]) -> Referral:
    """A referral received by world's coordinator (its link worker unless ``take_it`` is
    False, when only managers see it)."""
    return referrals.referral_receive(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        reference=f"RMP-{next(_counter):05d}",
        take_it=take_it,
        **dataset(**overrides),
    )


def accepted(world: Any, membership: Membership | None = None) -> Referral:
    """A received referral accepted and linked to a (new) member of world.org."""
    referral = received(world)
    membership = membership or member(world, "Maureen Doyle")
    return referrals.referral_accept(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, membership_id=membership.pk
    )


def supported(world: Any) -> Referral:
    """An accepted referral with one piece of support offered."""
    referral = accepted(world)
    return referrals.referral_support_add(
        viewer=world.viewer("coordinator"),
        referral_id=referral.pk,
        description="Introduced to the Tuesday gardening group.",
        kind="activity",
    )


def link_worker(world: Any) -> Membership:
    return coordinator_membership(world)
