"""One ballot per person per budget when the same person submits from many places at once,
on a real PostgreSQL test database (threads, each with its own connection, committing)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from coproduce.budgeting import services
from coproduce.budgeting.models import Ballot, BallotChoice
from coproduce.errors import Conflict
from tests.budgeting.factories import election
from tests.conftest import build_world

THREADS = 8


def _race(attempt: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(THREADS)

    def run(index: int) -> str:
        try:
            barrier.wait()
            attempt(index)
            return "counted"
        except Conflict as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/budgeting"
        )


def test_one_ballot_per_person_under_concurrent_submission(postgres: None) -> None:
    world = build_world()
    e = election(world)
    member = world.viewer("member")

    def attempt(index: int) -> None:
        proposal = e.proposals[index % len(e.proposals)]
        services.ballot_cast(viewer=member, budget_id=e.budget.pk, choices={proposal.pk: 1})

    outcomes = _race(attempt)
    assert outcomes.count("counted") == 1
    assert set(outcomes) - {"counted"} == {
        "You have already voted in this budget; change your ballot instead."
    }
    assert Ballot.objects.filter(budget=e.budget, person=world.people["member"]).count() == 1
    assert BallotChoice.objects.count() == 1


def test_ballot_save_from_many_places_at_once_casts_once_and_changes_the_rest(
    postgres: None,
) -> None:
    world = build_world()
    e = election(world)
    member = world.viewer("member")
    cast: list[bool] = []

    def attempt(index: int) -> None:
        proposal = e.proposals[index % len(e.proposals)]
        _, created = services.ballot_save(
            viewer=member, budget_id=e.budget.pk, choices={proposal.pk: 1}
        )
        cast.append(created)

    outcomes = _race(attempt)
    assert outcomes == ["counted"] * THREADS
    assert sorted(cast) == [False] * (THREADS - 1) + [True]
    assert Ballot.objects.filter(budget=e.budget, person=world.people["member"]).count() == 1
    assert BallotChoice.objects.count() == 1


def test_online_and_paper_ballot_for_one_person_at_once_count_once(postgres: None) -> None:
    world = build_world()
    e = election(world)
    member, staff = world.viewer("member"), world.viewer("staff")
    person = world.people["member"]
    number = world.org.memberships.get(person=person).number

    def attempt(index: int) -> None:
        choices = {e.proposals[0].pk: 1}
        if index % 2:
            services.paper_ballot_enter(
                viewer=staff, budget_id=e.budget.pk, number=number, choices=choices
            )
        else:
            services.ballot_cast(viewer=member, budget_id=e.budget.pk, choices=choices)

    outcomes = _race(attempt)
    assert outcomes.count("counted") == 1
    assert Ballot.objects.filter(person=person).count() == 1


def test_a_code_used_at_once_from_many_phones_counts_once(postgres: None) -> None:
    world = build_world()
    e = election(world)
    code = services.voting_codes_create(
        viewer=world.viewer("staff"), budget_id=e.budget.pk, count=1
    )[0]

    def attempt(index: int) -> None:
        services.code_ballot_cast(
            budget_id=e.budget.pk, code=code, choices={e.proposals[index % 3].pk: 1}
        )

    outcomes = _race(attempt)
    assert outcomes.count("counted") == 1
    assert set(outcomes) - {"counted"} == {"This code has already been used."}
    assert Ballot.objects.count() == 1


def test_database_refuses_an_unbalanced_or_edited_money_transfer(postgres: None) -> None:
    from django.db import IntegrityError, transaction

    from coproduce.timebank import ledger as timebank
    from coproduce.timebank.models import Account, AccountKind, Entry, Transfer, Unit
    from tests.budgeting.factories import area, policy_with_savings

    world = build_world()
    _, dividend_id = policy_with_savings(world, area())
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    transfer = Transfer.objects.get()
    assert transfer.unit == Unit.PENCE
    pot = Account.objects.get(kind=AccountKind.AREA_POT)
    extra = timebank.delivery_account_open(organisation=pot.organisation, name="Extra")
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        Entry.objects.create(transfer=transfer, account=extra, amount=1)
    with pytest.raises(IntegrityError, match="never changed or deleted"), transaction.atomic():
        Entry.objects.filter(transfer=transfer).update(amount=5)
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM timebank_transfer WHERE id = %s", [transfer.pk])
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-200_000, 200_000]


def test_database_refuses_a_pence_transfer_into_an_hours_account(postgres: None) -> None:
    from django.db import IntegrityError, transaction

    from coproduce.timebank import ledger as timebank
    from coproduce.timebank.models import Account, AccountKind, Entry, Transfer, Unit
    from tests.budgeting.factories import area, policy_with_savings

    world = build_world()
    _, dividend_id = policy_with_savings(world, area())
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    transfer = Transfer.objects.get()
    pot = Account.objects.get(kind=AccountKind.AREA_POT)
    pence = timebank.delivery_account_open(organisation=pot.organisation, name="Pence")
    hours = timebank.organisation_account(pot.organisation, AccountKind.AGENCY, Unit.MINUTES)
    with pytest.raises(IntegrityError, match="mixes units"), transaction.atomic():
        Entry.objects.create(transfer=transfer, account=pence, amount=-7)
        Entry.objects.create(transfer=transfer, account=hours, amount=7)
