"""The demo's social prescribing: a handful of referrals from one GP practice to the Holy
Cross Centre's link workers, one at each point of the journey — waiting for a manager to
give it to a link worker, waiting for its link worker, accepted, being supported, closed
with outcomes, and declined. Built through the services; the same every time (no
randomness), with dates counted back from today."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from coproduce.coordination.models import Referral
from coproduce.coordination.services import referrals
from coproduce.people.models import HistoryEntry, Membership, MembershipStatus, Role
from coproduce.people.permissions import viewer_for

PRACTICE = {
    "name": "Dr Amira Shah",
    "role": "GP",
    "organisation": "Riverside Medical Practice",
    "organisation_code": "Y01234",
    "contact": "0161 496 0000",
}

# (reference, days ago received, person, needs, what becomes of it)
REFERRALS: list[tuple[str, int, dict[str, str], dict[str, str], str]] = [
    (
        "RMP-2026-0141",
        2,
        {
            "full_name": "Derek Hollis",
            "date_of_birth": "1957-02-11",
            "address": "3 Weaver Close, Holy Cross",
            "postcode": "M4 7LP",
            "nhs_number": "4010232137",
        },
        {
            "concerns": "Retired last year after a heart attack; low mood, says the days are long.",
            "what_matters": "Being useful. He used to coach junior football.",
        },
        "unassigned",
    ),
    (
        "RMP-2026-0138",
        6,
        {
            "full_name": "Priya Natarajan",
            "date_of_birth": "1991-09-30",
            "address": "Flat 12, Mill House, Holy Cross",
            "postcode": "M4 6DX",
            "phone": "07700 900412",
        },
        {
            "concerns": "New to the area with a baby; no family nearby; anxious about money.",
            "what_matters": "Meeting other parents. Getting back to work part-time.",
        },
        "received",
    ),
    (
        "RMP-2026-0119",
        21,
        {
            "full_name": "Frank Osei",
            "date_of_birth": "1944-12-03",
            "address": "27 Chapel Street, Holy Cross",
            "postcode": "M4 6AE",
        },
        {
            "concerns": "Widowed in the spring; has stopped cooking; misses company at meals.",
            "what_matters": "His allotment, and his church.",
            "safety": "Has a dog that is nervous of visitors.",
        },
        "accepted",
    ),
    (
        "RMP-2026-0087",
        58,
        {
            "full_name": "Sheila Brennan",
            "date_of_birth": "1962-06-19",
            "address": "8 Lock Row, Holy Cross",
            "postcode": "M4 7QA",
        },
        {
            "concerns": "Long-term back pain; off work; lonely and not sleeping.",
            "what_matters": "Her grandchildren. Feeling less stuck at home.",
        },
        "supporting",
    ),
    (
        "RMP-2026-0042",
        120,
        {
            "full_name": "Tom Whitaker",
            "date_of_birth": "1979-03-08",
            "address": "41 Foundry Lane, Holy Cross",
            "postcode": "M4 6RT",
        },
        {
            "concerns": "Debt letters piling up; drinking more; says he has nobody to talk to.",
            "what_matters": "Keeping his flat. Fixing bikes, which he is good at.",
        },
        "closed",
    ),
    (
        "RMP-2026-0101",
        40,
        {
            "full_name": "Grace Adeyemi",
            "date_of_birth": "2001-10-14",
            "address": "5 Cotton Court, Holy Cross",
            "postcode": "M4 6PL",
        },
        {
            "concerns": "Very low at the appointment; needs more than a link worker can give.",
        },
        "declined",
    ),
]


def _backdate(referral: Referral, action: str, at: datetime) -> None:
    HistoryEntry.objects.filter(
        subject_type="coordination.referral", subject_id=str(referral.pk), action=action
    ).update(at=at)


def _existing_member(organisation_id: int, taken: set[int]) -> Membership:
    """A plain member with no referral yet (Frank already belongs to the centre)."""
    found = (
        Membership.objects.filter(
            organisation_id=organisation_id, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .exclude(person__user__email="member@example.org")
        .exclude(pk__in=taken)
        .order_by("pk")
        .first()
    )
    assert found is not None, "the demo needs its members loaded first"
    return found


def load_referrals(*, organisation_id: int, coordinator: Membership) -> int:
    """Load the referrals into ``organisation_id``, received and worked by ``coordinator``
    (a link worker of the service, with a login); the first waits for a manager to give it
    to a link worker. Returns how many."""
    assert coordinator.person.user is not None
    link_worker = viewer_for(coordinator.person.user)
    now = timezone.now()
    taken: set[int] = set()
    for reference, days_ago, person, needs, fate in REFERRALS:
        received_at = now - timedelta(days=days_ago)
        referrer: dict[str, Any] = {
            **PRACTICE,
            "referred_on": (received_at - timedelta(days=1)).date().isoformat(),
            "consent_to_share": True,
        }
        referral = referrals.referral_receive(
            viewer=link_worker,
            organisation_id=organisation_id,
            reference=reference,
            referrer=referrer,
            demographics=person,
            needs=needs,
            take_it=fate != "unassigned",
            received_at=received_at,
        )
        _backdate(referral, "coordination.referral_receive", received_at)
        if fate in ("unassigned", "received"):
            continue
        decided = received_at + timedelta(days=3)
        if fate == "declined":
            referrals.referral_decline(
                viewer=link_worker,
                referral_id=referral.pk,
                reason="Needs mental health support first: passed back to the GP the same "
                "day. Welcome to refer again when the time is right.",
            )
            _backdate(referral, "coordination.referral_decline", received_at)
            continue
        if fate == "accepted":
            existing = _existing_member(organisation_id, taken)
            taken.add(existing.pk)
            referrals.referral_accept(
                viewer=link_worker, referral_id=referral.pk, membership_id=existing.pk
            )
        else:
            referrals.referral_accept(
                viewer=link_worker, referral_id=referral.pk, create_member=True
            )
        _backdate(referral, "coordination.referral_accept", decided)
        if fate == "accepted":
            continue
        referrals.referral_support_add(
            viewer=link_worker,
            referral_id=referral.pk,
            description="Introduced to the Tuesday walking group; went along with them the "
            "first time.",
            kind="activity",
            offered_on=(decided + timedelta(days=7)).date(),
        )
        referrals.referral_support_add(
            viewer=link_worker,
            referral_id=referral.pk,
            description="Time bank: offers what they are good at, and asks for a hand back.",
            kind="service",
            offered_on=(decided + timedelta(days=20)).date(),
        )
        referrals.referral_outcome_add(
            viewer=link_worker,
            referral_id=referral.pk,
            text="Out of the house three times a week; knows people on the walk by name.",
            recorded_on=(decided + timedelta(days=35)).date(),
        )
        if fate == "closed":
            referrals.referral_close(
                viewer=link_worker,
                referral_id=referral.pk,
                summary="Mends bikes at the Saturday repair café and has his debts in a plan "
                "with the advice centre. Knows he can come back.",
            )
            _backdate(referral, "coordination.referral_close", decided + timedelta(days=60))
    return len(REFERRALS)
