"""The demo's referrals: one at each point of the journey, the same every time."""

from __future__ import annotations

from typing import Any

import pytest

from coproduce.coordination.demo_referrals import REFERRALS, load_referrals
from coproduce.coordination.models import Referral
from coproduce.coordination.selectors.referrals import message_for
from tests.coordination.factories import coordinator_membership

pytestmark = pytest.mark.django_db


def test_the_demo_referrals_cover_every_status(world: Any) -> None:
    made = load_referrals(organisation_id=world.org.pk, coordinator=coordinator_membership(world))
    assert made == len(REFERRALS) == Referral.objects.count()
    statuses = dict(Referral.objects.values_list("reference", "status"))
    assert statuses == {
        "RMP-2026-0141": "received",
        "RMP-2026-0138": "received",
        "RMP-2026-0119": "accepted",
        "RMP-2026-0087": "supporting",
        "RMP-2026-0042": "closed",
        "RMP-2026-0101": "declined",
    }
    unheld = Referral.objects.get(reference="RMP-2026-0141")
    assert unheld.link_worker is None
    closed = Referral.objects.get(reference="RMP-2026-0042")
    message = message_for(closed)
    assert message["dates"]["closed_on"] is not None  # type: ignore[index]
    assert message["dates"]["accepted_on"] < message["dates"]["closed_on"]  # type: ignore[index]
    assert len(message["support_offered"]) == 2  # type: ignore[arg-type]
