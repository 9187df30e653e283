"""Build budgeting data through the services, as a user would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coproduce.budgeting import services
from coproduce.budgeting.models import Budget, Proposal, Round
from coproduce.people import services as people_services
from coproduce.people.models import Area, Organisation, Person
from coproduce.people.permissions import viewer_for
from tests.conftest import PASSWORD, World


def area(name: str = "Riverside") -> Area:
    existing = Area.objects.filter(name=name).first()
    return existing or people_services.area_create(name=name)


def resident(world: World, name: str, email: str, where: Area) -> Person:
    """A member of world.org who lives in ``where``."""
    person = people_services.person_register(
        full_name=name, email=email, password=PASSWORD, area=where
    )
    join(world.org, person, world.people["admin"])
    return person


def join(organisation: Organisation, person: Person, admin: Person) -> None:
    membership = people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=organisation
    )
    people_services.membership_decide(
        viewer=viewer_for(admin.user), membership_id=membership.pk, approve=True
    )


@dataclass
class Election:
    round: Round
    budget: Budget
    proposals: list[Proposal] = field(default_factory=list)


def election(
    world: World,
    *,
    costs: tuple[int, ...] = (40_000, 30_000, 50_000),
    amount_pence: int = 100_000,
    open_voting: bool = True,
    **budget_options: object,
) -> Election:
    """A round in world.org with one budget and accepted proposals, voting open."""
    manager = world.viewer("manager")
    round_ = services.round_create(
        viewer=manager, organisation_id=world.org.pk, title="Riverside ideas 2026"
    )
    budget = services.budget_add(
        viewer=manager,
        round_id=round_.pk,
        name="Riverside",
        amount_pence=amount_pence,
        **budget_options,  # type: ignore[arg-type]
    )
    proposals = [
        services.proposal_submit(
            viewer=world.viewer("member"),
            budget_id=budget.pk,
            title=f"Idea {n}",
            description=f"Idea number {n}",
            cost_pence=cost,
        )
        for n, cost in enumerate(costs, start=1)
    ]
    staff = world.viewer("staff")
    for proposal in proposals:
        services.proposal_review(viewer=staff, proposal_id=proposal.pk, accept=True)
    if open_voting:
        services.round_advance(viewer=manager, round_id=round_.pk)
        services.round_advance(viewer=manager, round_id=round_.pk)
    round_.refresh_from_db()
    for proposal in proposals:
        proposal.refresh_from_db()
    return Election(round=round_, budget=budget, proposals=proposals)


def policy_with_savings(
    world: World, where: Area, *, savings_pence: int = 1_000_000, share: int = 20
) -> tuple[int, int]:
    """A dividend policy in world.org with one savings record; returns (record, dividend) ids."""
    manager = world.viewer("manager")
    policy = services.dividend_policy_create(
        viewer=manager,
        budget_holder_id=world.org.pk,
        service="Holy Cross day service",
        area_id=where.pk,
        share_percent=share,
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
    )
    record = services.savings_record_enter(
        viewer=manager,
        policy_id=policy.pk,
        amount_pence=savings_pence,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 9, 30),
        evidence="Fewer crisis admissions, checked against the finance ledger.",
    )
    return record.pk, record.dividend.pk
