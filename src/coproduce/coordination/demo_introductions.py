"""The demo's year of introductions: most people on the caseloads consent to be suggested to
others, and each plan has had a few introductions to a neighbour, a peer group or a place
in the directory, at every stage — proposed, agreed by both, met, ongoing, and some that
didn't work out, with why. Some follow-ups are due or overdue, so the caseload pages show
them."""

from __future__ import annotations

import random
import sys
from datetime import timedelta

from django.utils import timezone
from tqdm import tqdm

from coproduce.coordination.models import Introduction, PeerGroup, Plan, TargetKind
from coproduce.coordination.selectors.introductions import assets_visible_to
from coproduce.coordination.services import introductions as services
from coproduce.directory.models import Asset
from coproduce.errors import Conflict, InvalidInput
from coproduce.people.models import ConsentPurpose, Membership, MembershipStatus
from coproduce.people.permissions import Viewer, viewer_for
from coproduce.people.services.consent import consent_set

# Where an introduction has got to after its months, in shares of the year's introductions.
OUTCOMES = [
    ("proposed", 0.12),
    ("agreed", 0.13),
    ("met", 0.25),
    ("ongoing", 0.35),
    ("didnt_work_out", 0.15),
]
WHY_NOT = [
    "The group meets when she is at work.",
    "He found it too far to get to on the bus.",
    "They didn't get on; she'd rather try the walking group.",
    "The place had no room after all; try again in the spring.",
    "He wasn't ready yet; we'll come back to it at the next review.",
]
NOTES = [
    "Both love gardening; she said she'd bring cuttings.",
    "He'd like someone to go with the first time.",
    "A good fit for his goal of getting out every day.",
    "She wants to give something back: teaching knitting.",
    "Close to home, and on the bus route.",
]


def _viewer(membership: Membership) -> Viewer:
    assert membership.person.user is not None
    return viewer_for(membership.person.user)


def consents_give(rng: random.Random, organisation_id: int, recorder: Viewer) -> list[Membership]:
    """About three in four active members agree to be suggested to people who share their
    interests (``recorder``, a coordinator, records it for people without a login); returns
    them."""
    findable = []
    members = Membership.objects.filter(
        organisation_id=organisation_id, status=MembershipStatus.ACTIVE
    ).select_related("person__user")
    for membership in members.order_by("pk"):
        if rng.random() >= 0.75:
            continue
        consent_set(
            viewer=_viewer(membership) if membership.person.user else recorder,
            person=membership.person,
            purpose=ConsentPurpose.BE_FOUND,
            given=True,
        )
        findable.append(membership)
    return findable


def _target(
    rng: random.Random,
    plan: Plan,
    findable: list[Membership],
    groups: list[PeerGroup],
    assets: list[Asset],
) -> dict[str, object]:
    assert plan.coordinator is not None
    # not the person themselves, and not their own coordinator (who is already in their life)
    # the other person answers for themselves, so only people with a login are asked here
    others = [
        m
        for m in findable
        if m.person.user_id is not None
        and m.person_id not in (plan.membership.person_id, plan.coordinator.person_id)
    ]
    kinds = (
        ([TargetKind.ASSET] if assets else [])
        + ([TargetKind.PERSON] if others else [])
        + ([TargetKind.GROUP] if groups else [])
    )
    kind = rng.choice(kinds)
    if kind == TargetKind.PERSON:
        return {"target_kind": kind, "membership_id": rng.choice(others).pk}
    if kind == TargetKind.GROUP:
        return {"target_kind": kind, "group_id": rng.choice(groups).pk}
    return {"target_kind": kind, "asset_id": rng.choice(assets).pk}


def load_introductions(rng: random.Random, plans: list[Plan], findable: list[Membership]) -> int:
    """A year of introductions on ``plans``, through the same services the pages use, then
    dated back over the plan's life. Returns how many were made."""
    if not plans:
        return 0
    organisation_id = plans[0].organisation_id
    groups = list(PeerGroup.objects.filter(organisation_id=organisation_id, is_open=True))
    assets = list(assets_visible_to(organisation_id).order_by("pk")[:200])
    if not assets and len(findable) < 2 and not groups:
        return 0
    today = timezone.localdate()
    now = timezone.now()
    made = 0
    weights = [share for _, share in OUTCOMES]
    bar = tqdm(plans, desc="Introductions", unit="plan", file=sys.stderr, leave=False)
    for plan in bar:
        plan = Plan.objects.select_related("membership__person__user", "coordinator__person").get(
            pk=plan.pk
        )
        if plan.coordinator is None:
            continue
        coordinator = _viewer(plan.coordinator)
        goals = list(plan.goals.order_by("pk"))
        age = max(14, (now - plan.created_at).days)
        for _ in range(rng.randint(1, 3)):
            target = _target(rng, plan, findable, groups, assets)
            try:
                introduction = services.introduction_propose(
                    viewer=coordinator,
                    plan_id=plan.pk,
                    goal_id=rng.choice(goals).pk if goals else None,
                    note=rng.choice(NOTES),
                    follow_up_on=today + timedelta(days=14),
                    **target,  # type: ignore[arg-type]
                )
            except (InvalidInput, Conflict):  # a vetted-only goal, a full group: skip it
                continue
            made += 1
            outcome = rng.choices([name for name, _ in OUTCOMES], weights=weights)[0]
            _progress(rng, introduction, outcome, coordinator)
            started = now - timedelta(days=rng.randint(1, age))
            open_now = outcome in ("proposed", "agreed", "met", "ongoing")
            # open introductions are followed up a fortnight on; about one in five slips
            follow_up = (started + timedelta(days=14)).date()
            if open_now and follow_up < today and rng.random() > 0.2:
                follow_up = today + timedelta(days=rng.randint(1, 28))
            Introduction.objects.filter(pk=introduction.pk).update(
                created_at=started,
                follow_up_on=follow_up if open_now else None,
                met_on=(started + timedelta(days=rng.randint(3, 13))).date()
                if outcome in ("met", "ongoing")
                else None,
            )
    bar.close()
    return made


def _progress(
    rng: random.Random, introduction: Introduction, outcome: str, coordinator: Viewer
) -> None:
    if outcome == "proposed":
        return
    services.introduction_agree(viewer=coordinator, introduction_id=introduction.pk, in_person=True)
    if introduction.target_membership_id is not None:
        other = Membership.objects.select_related("person__user").get(
            pk=introduction.target_membership_id
        )
        services.introduction_agree(viewer=_viewer(other), introduction_id=introduction.pk)
    if outcome == "agreed":
        return
    if outcome == "didnt_work_out":
        services.introduction_status_set(
            viewer=coordinator,
            introduction_id=introduction.pk,
            status=outcome,
            reason=rng.choice(WHY_NOT),
        )
        return
    services.introduction_status_set(
        viewer=coordinator,
        introduction_id=introduction.pk,
        status="met",
        met_on=timezone.localdate(),
    )
    if outcome == "ongoing":
        services.introduction_status_set(
            viewer=coordinator, introduction_id=introduction.pk, status="ongoing"
        )
