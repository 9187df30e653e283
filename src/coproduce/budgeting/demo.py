"""The demo's community dividend and two participatory-budgeting rounds in Riverside: last
year's, funded by the council's dividend from the Holy Cross Centre's savings, counted and in
delivery; and this year's, open for voting."""

from __future__ import annotations

import random
from datetime import date
from typing import TextIO

from django.db import transaction

from coproduce.budgeting import services
from coproduce.budgeting.models import (
    BallotKind,
    Budget,
    DeliveryStatus,
    Proposal,
    ResultLine,
    Round,
    Rule,
)
from coproduce.people.demo import organisation, person
from coproduce.people.models import Area, MembershipStatus, Person
from coproduce.people.permissions import Viewer, viewer_for

FINISHED = "Riverside Community Fund 2025"
OPEN = "Riverside Community Fund 2026"

LAST_YEAR_IDEAS = [
    ("Raised beds at the allotment", "Wheelchair-height beds so everyone can grow food.", 180_000),
    ("Benches on the river path", "Six benches, a rest every 200 metres.", 240_000),
    ("Cooking club kit", "Pans, knives and aprons for a weekly cooking club.", 65_000),
    ("Free summer swims", "Forty family swims at Northgate pool.", 120_000),
    ("Laptop lending library", "Ten laptops to borrow for job searches.", 350_000),
    ("Mural on the underpass", "Local artists and young people paint the underpass.", 300_000),
]
REJECTED = (
    "Floodlit football pitch",
    "A pitch by the river.",
    900_000,
    "The land by the river is a flood plain; the Environment Agency will not allow lighting.",
)
THIS_YEAR_IDEAS = [
    ("Repair café", "Monthly repair café in the community centre.", 90_000),
    ("Bird boxes for the park", "Fifty boxes built with the men's shed.", 30_000),
    ("Story time in Urdu and Polish", "Weekly bilingual story time at the library.", 110_000),
    ("Outdoor gym", "Four pieces of outdoor gym kit in Riverside park.", 280_000),
    ("Community fridge", "A shared fridge so good food is not thrown away.", 150_000),
]
CITY_IDEAS = [
    ("Bus passes for volunteers", "Travel to volunteering for people on low incomes.", 150_000),
    ("Time-bank open day", "A city-wide day to show what members do.", 80_000),
    ("Accessible toilets map", "A printed and online map of accessible toilets.", 60_000),
]


def _viewer(email: str) -> Viewer:
    user = person(email).user
    assert user is not None
    return viewer_for(user)


def _voters(area: Area, organisation_id: int, count: int) -> list[Person]:
    return list(
        Person.objects.filter(
            area=area,
            user__isnull=True,
            memberships__organisation_id=organisation_id,
            memberships__status=MembershipStatus.ACTIVE,
        ).order_by("pk")[:count]
    )


def _ideas(
    budget: Budget, ideas: list[tuple[str, str, int]], proposers: list[Viewer]
) -> list[Proposal]:
    return [
        services.proposal_submit(
            viewer=proposers[index % len(proposers)],
            budget_id=budget.pk,
            title=title,
            description=description,
            cost_pence=cost,
        )
        for index, (title, description, cost) in enumerate(ideas)
    ]


def _paper_ballots(
    *,
    staff: Viewer,
    budget: Budget,
    voters: list[Person],
    proposals: list[Proposal],
    rng: random.Random,
    most: int | None = None,
) -> None:
    # Popularity differs by idea, so the count is not a coin toss.
    weights = [0.7, 0.35, 0.6, 0.45, 0.25, 0.3, 0.2][: len(proposals)]
    for voter in voters:
        chosen: list[Proposal] = []
        spent = 0
        for proposal, weight in zip(proposals, weights, strict=False):
            if rng.random() < weight and spent + proposal.cost_pence <= budget.amount_pence:
                chosen.append(proposal)
                spent += proposal.cost_pence
        if most is not None:
            chosen = chosen[:most]
        if not chosen:
            chosen = [proposals[0]]
        number = voter.memberships.get(organisation_id=budget.round.organisation_id).number
        services.paper_ballot_enter(
            viewer=staff, budget_id=budget.pk, number=number, choices={p.pk: 1 for p in chosen}
        )


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    if Round.objects.filter(title=FINISHED).exists():
        stdout.write("Budgeting: already loaded.\n")
        return
    rng = random.Random(2025)
    riverside = Area.objects.get(name="Riverside")
    council = organisation("riverside-adult-social-care")
    home = organisation("holy-cross-centre")
    admin = _viewer("admin@example.org")  # an admin of the council team: its budget holder
    manager, staff = _viewer("manager@example.org"), _viewer("staff@example.org")
    members = [_viewer("member@example.org"), _viewer("coordinator@example.org"), staff]

    policy = services.dividend_policy_create(
        viewer=admin,
        budget_holder_id=council.pk,
        service="Holy Cross Centre day service",
        area_id=riverside.pk,
        share_percent=20,
        period_start=date(2024, 4, 1),
        period_end=date(2025, 3, 31),
    )
    record = services.savings_record_enter(
        viewer=admin,
        policy_id=policy.pk,
        amount_pence=6_000_000,
        period_start=date(2024, 4, 1),
        period_end=date(2025, 3, 31),
        evidence=(
            "Crisis admissions among day-service members fell from 41 to 23; at the NHS unit "
            "cost this is £60,000 of cashable savings, checked by the council's finance team."
        ),
    )
    services.dividend_approve(viewer=admin, dividend_id=record.dividend.pk)
    pot = services.pot_account(riverside, council)

    finished = services.round_create(
        viewer=manager,
        organisation_id=home.pk,
        title=FINISHED,
        description="Last year's community dividend, shared out by Riverside residents.",
    )
    # The council's admin adds the budget its pot pays for: a round's manager alone may not
    # draw on another organisation's money.
    budget = services.budget_add(
        viewer=admin,
        round_id=finished.pk,
        name="Riverside",
        amount_pence=1_000_000,
        area_id=riverside.pk,
        pot_id=pot.pk,
        rule=Rule.MES,
        residents_only=True,
    )
    proposals = _ideas(budget, LAST_YEAR_IDEAS, members)
    refused = _ideas(budget, [REJECTED[:3]], members)[0]
    services.round_advance(viewer=manager, round_id=finished.pk)
    for proposal in proposals:
        services.proposal_review(viewer=staff, proposal_id=proposal.pk, accept=True)
    services.proposal_review(viewer=staff, proposal_id=refused.pk, accept=False, reason=REJECTED[3])
    services.round_advance(viewer=manager, round_id=finished.pk)
    _paper_ballots(
        staff=staff,
        budget=budget,
        voters=_voters(riverside, home.pk, 60),
        proposals=proposals,
        rng=rng,
    )
    services.round_advance(viewer=manager, round_id=finished.pk)
    services.round_advance(viewer=manager, round_id=finished.pk)
    funded = list(
        ResultLine.objects.filter(result__budget=budget, selected=True).order_by("position")
    )
    for index, line in enumerate(funded):
        proposal = Proposal.objects.get(pk=line.proposal_id)
        if index % 3 == 2:
            continue
        done = index % 3 == 0
        services.delivery_update(
            viewer=manager,
            proposal_id=proposal.pk,
            status=DeliveryStatus.DONE if done else DeliveryStatus.IN_PROGRESS,
            note="Finished and in use." if done else "Ordered; work starts next month.",
        )
        services.delivery_spend(
            viewer=admin,  # the pot's owner pays
            proposal_id=proposal.pk,
            amount_pence=proposal.cost_pence if done else proposal.cost_pence // 2,
            memo="Supplier invoice",
        )

    current = services.round_create(
        viewer=manager,
        organisation_id=home.pk,
        title=OPEN,
        description="Ideas for Riverside, and a small city-wide budget. Voting is open.",
    )
    local = services.budget_add(
        viewer=admin,
        round_id=current.pk,
        name="Riverside 2026",
        amount_pence=500_000,
        area_id=riverside.pk,
        pot_id=pot.pk,
        rule=Rule.MES,
        residents_only=True,
    )
    city = services.budget_add(
        viewer=manager,
        round_id=current.pk,
        name="City-wide",
        amount_pence=200_000,
        ballot_kind=BallotKind.APPROVAL_COUNT,
        max_projects=2,
        rule=Rule.GREEDY,
    )
    local_ideas = _ideas(local, THIS_YEAR_IDEAS, members)
    city_ideas = _ideas(city, CITY_IDEAS, members)
    for proposal in [*local_ideas, *city_ideas]:
        services.proposal_review(viewer=staff, proposal_id=proposal.pk, accept=True)
    services.round_advance(viewer=manager, round_id=current.pk)
    services.round_advance(viewer=manager, round_id=current.pk)
    voters = _voters(riverside, home.pk, 25)
    _paper_ballots(staff=staff, budget=local, voters=voters, proposals=local_ideas, rng=rng)
    _paper_ballots(
        staff=staff, budget=city, voters=voters[:15], proposals=city_ideas, rng=rng, most=2
    )
    stdout.write(
        f"Budgeting: a £{record.dividend.amount_pence // 100:,} dividend in the Riverside pot, "
        f"“{FINISHED}” in delivery ({len(funded)} projects funded) and “{OPEN}” open.\n"
    )
