"""Voting: who may vote, checking a ballot against its budget's rules, online and paper
ballots, and one-time voting codes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.budgeting import selectors
from coproduce.budgeting.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    Budget,
    Phase,
    Proposal,
    ProposalStatus,
    VotingCode,
)
from coproduce.budgeting.money import pounds
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.ages import age_on
from coproduce.people.history import history_record
from coproduce.people.models import MembershipStatus, Person
from coproduce.people.permissions import Viewer

from .acting import acting_person
from .rounds import round_locked

# Codes avoid letters and digits that look alike when read off paper (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_CODES_PER_SHEET = 500


def eligibility_problem(*, budget: Budget, person: Person) -> str | None:
    """Why ``person`` may not vote in ``budget``, or None if they may."""
    if budget.residents_only and person.area_id != budget.area_id:
        assert budget.area is not None
        return f"Only residents of {budget.area.name} may vote in “{budget.name}”."
    if budget.min_age is not None:
        if person.date_of_birth is None:
            return (
                f"You must be {budget.min_age} or over to vote in “{budget.name}”; "
                "add your date of birth to your profile."
            )
        if age_on(person.date_of_birth, timezone.localdate()) < budget.min_age:
            return f"You must be {budget.min_age} or over to vote in “{budget.name}”."
    if budget.members_of_id is not None:
        is_member = person.memberships.filter(
            organisation_id=budget.members_of_id, status=MembershipStatus.ACTIVE
        ).exists()
        if not is_member:
            assert budget.members_of is not None
            return f"Only members of {budget.members_of.name} may vote in “{budget.name}”."
    return None


def _clean_choices(*, budget: Budget, choices: Mapping[int, int]) -> dict[Proposal, int]:
    """Check a ballot against the budget's rules; every refusal names what is wrong."""
    on_ballot = {
        p.pk: p for p in budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk")
    }
    cleaned: dict[Proposal, int] = {}
    for proposal_id, points in choices.items():
        if points == 0:
            continue
        proposal = on_ballot.get(proposal_id)
        if proposal is None:
            raise InvalidInput("choices", f"Project {proposal_id} is not on this ballot.")
        if points < 0:
            raise InvalidInput("choices", "Points cannot be negative.")
        if budget.ballot_kind != BallotKind.CUMULATIVE and points != 1:
            raise InvalidInput("choices", "Approve a project once; points are not used here.")
        cleaned[proposal] = points
    count = len(cleaned)
    if count < budget.min_projects:
        noun = "project" if budget.min_projects == 1 else "projects"
        raise InvalidInput("choices", f"Choose at least {budget.min_projects} {noun}.")
    if budget.max_projects is not None and count > budget.max_projects:
        noun = "project" if budget.max_projects == 1 else "projects"
        raise InvalidInput(
            "choices", f"Choose at most {budget.max_projects} {noun}; you chose {count}."
        )
    cost = sum(p.cost_pence for p in cleaned)
    if budget.ballot_kind == BallotKind.APPROVAL_BUDGET and cost > budget.amount_pence:
        raise InvalidInput(
            "choices",
            f"Your choices cost {pounds(cost)}, over the budget of {pounds(budget.amount_pence)}.",
        )
    if budget.ballot_kind == BallotKind.CUMULATIVE:
        assert budget.points is not None
        given = sum(cleaned.values())
        if given > budget.points:
            raise InvalidInput(
                "choices", f"You gave {given} points; you have {budget.points} to share out."
            )
    if budget.min_share_percent:
        least = -(-budget.amount_pence * budget.min_share_percent // 100)
        if cost < least:
            raise InvalidInput(
                "choices",
                f"Your choices must spend at least {budget.min_share_percent}% of the budget "
                f"({pounds(least)}); they spend {pounds(cost)}.",
            )
    return cleaned


def _open_budget(budget_id: int) -> Budget:
    """The budget with its round row locked, so a ballot and closing the vote serialise."""
    budget = Budget.objects.select_related("area", "members_of").filter(pk=budget_id).first()
    if budget is None:
        raise NotFound()
    budget.round = round_locked(budget.round_id)
    return budget


def _require_voting(budget: Budget) -> None:
    if budget.round.phase != Phase.VOTING:
        raise Conflict(f"Voting is not open: this round is in the {budget.round.phase} phase.")


def _write_choices(ballot: Ballot, cleaned: Mapping[Proposal, int]) -> None:
    BallotChoice.objects.filter(ballot=ballot).delete()
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, proposal=proposal, points=points)
        for proposal, points in cleaned.items()
    )


def _create_ballot(ballot: Ballot, cleaned: Mapping[Proposal, int], *, taken: str) -> Ballot:
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError as error:
        # A concurrent submission won the race; the unique constraint is the backstop.
        raise Conflict(taken) from error
    _write_choices(ballot, cleaned)
    return ballot


BALLOT_TAKEN = "You have already voted in this budget; change your ballot instead."


def _voter_budget(viewer: Viewer, budget_id: int) -> tuple[Budget, Person]:
    """The open budget, its round row locked, and the member who may vote in it."""
    budget = _open_budget(budget_id)
    permissions.check(viewer, "budgeting.vote", budget.round.organisation_id, action="vote")
    person = acting_person(viewer)
    _require_voting(budget)
    return budget, person


def _own_ballot(budget: Budget, person: Person) -> Ballot | None:
    return Ballot.objects.select_for_update().filter(budget=budget, person=person).first()


def _require_eligible(budget: Budget, person: Person) -> None:
    problem = eligibility_problem(budget=budget, person=person)
    if problem:
        raise PermissionDenied(problem)


def _cast(budget: Budget, person: Person, choices: Mapping[int, int]) -> Ballot:
    cleaned = _clean_choices(budget=budget, choices=choices)
    ballot = _create_ballot(
        Ballot(budget=budget, person=person, channel=BallotChannel.ONLINE),
        cleaned,
        taken=BALLOT_TAKEN,
    )
    history_record(
        actor=person,
        organisation=budget.round.organisation,
        action="budgeting.ballot_cast",
        subject=ballot,
    )
    return ballot


def _change(budget: Budget, person: Person, ballot: Ballot, choices: Mapping[int, int]) -> Ballot:
    cleaned = _clean_choices(budget=budget, choices=choices)
    _write_choices(ballot, cleaned)
    ballot.save(update_fields=["changed_at"])
    history_record(
        actor=person,
        organisation=budget.round.organisation,
        action="budgeting.ballot_changed",
        subject=ballot,
    )
    return ballot


@transaction.atomic
def ballot_cast(*, viewer: Viewer, budget_id: int, choices: Mapping[int, int]) -> Ballot:
    """A member votes online. A second ballot is refused: change the first instead."""
    budget, person = _voter_budget(viewer, budget_id)
    _require_eligible(budget, person)
    if Ballot.objects.filter(budget=budget, person=person).exists():
        raise Conflict(BALLOT_TAKEN)
    return _cast(budget, person, choices)


@transaction.atomic
def ballot_change(*, viewer: Viewer, budget_id: int, choices: Mapping[int, int]) -> Ballot:
    """Replace the viewer's choices; allowed until voting closes, whether they first voted
    online or on paper (the ballot is still theirs)."""
    budget, person = _voter_budget(viewer, budget_id)
    ballot = _own_ballot(budget, person)
    if ballot is None:
        raise NotFound("You have not voted in this budget yet.")
    return _change(budget, person, ballot, choices)


@transaction.atomic
def ballot_save(
    *, viewer: Viewer, budget_id: int, choices: Mapping[int, int]
) -> tuple[Ballot, bool]:
    """The member's own ballot, cast if they have none yet and changed if they have one
    (online or on paper), in one transaction; returns it and whether it was just cast.
    The round row is locked first, so two saves at once serialise and the second changes."""
    budget, person = _voter_budget(viewer, budget_id)
    ballot = _own_ballot(budget, person)
    if ballot is not None:
        return _change(budget, person, ballot, choices), False
    _require_eligible(budget, person)
    return _cast(budget, person, choices), True


@transaction.atomic
def paper_ballot_enter(
    *, viewer: Viewer, budget_id: int, number: str, choices: Mapping[int, int]
) -> Ballot:
    """Staff type in a paper ballot for an eligible member, named by the membership number
    written on it."""
    budget = _open_budget(budget_id)
    permissions.check(
        viewer,
        "budgeting.enter_paper_ballot",
        budget.round.organisation_id,
        action="enter paper ballots",
    )
    _require_voting(budget)
    person = selectors.paper_voter(viewer=viewer, budget=budget, number=number)
    problem = eligibility_problem(budget=budget, person=person)
    if problem:
        raise InvalidInput("person", problem.replace("You must", f"{person} must"))
    taken = f"{person} has already voted in this budget."
    if Ballot.objects.filter(budget=budget, person=person).exists():
        raise Conflict(taken)
    cleaned = _clean_choices(budget=budget, choices=choices)
    ballot = _create_ballot(
        Ballot(
            budget=budget,
            person=person,
            channel=BallotChannel.PAPER,
            entered_by=acting_person(viewer),
        ),
        cleaned,
        taken=taken,
    )
    history_record(
        actor=viewer.person,
        organisation=budget.round.organisation,
        action="budgeting.paper_ballot_entered",
        subject=ballot,
    )
    return ballot


def _code_hash(code: str) -> str:
    compact = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(compact.encode()).hexdigest()


@transaction.atomic
def voting_codes_create(*, viewer: Viewer, budget_id: int, count: int) -> list[str]:
    """Make one-time codes for a paper sheet. The codes are returned once; only hashes are
    kept, so a lost sheet cannot be reprinted."""
    budget = Budget.objects.select_related("round").filter(pk=budget_id).first()
    if budget is None:
        raise NotFound()
    permissions.check(
        viewer,
        "budgeting.enter_paper_ballot",
        budget.round.organisation_id,
        action="print voting codes",
    )
    if budget.round.phase not in {Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING}:
        raise Conflict("Voting has closed; no more codes can be made.")
    if not 1 <= count <= MAX_CODES_PER_SHEET:
        raise InvalidInput("count", f"Make between 1 and {MAX_CODES_PER_SHEET} codes at a time.")
    actor = acting_person(viewer)
    codes = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)
    ]
    VotingCode.objects.bulk_create(
        VotingCode(budget=budget, code_hash=_code_hash(code), created_by=actor) for code in codes
    )
    history_record(
        actor=actor,
        organisation=budget.round.organisation,
        action="budgeting.codes_created",
        subject=budget,
        detail={"count": count},
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def code_ballot_cast(*, budget_id: int, code: str, choices: Mapping[int, int]) -> Ballot:
    """Anyone holding an unused paper code votes once with it; eligibility was checked when
    the code was handed out."""
    budget = _open_budget(budget_id)
    _require_voting(budget)
    if not code.strip():
        raise InvalidInput("code", "Enter the code from your voting slip.")
    voting_code = (
        VotingCode.objects.select_for_update()
        .filter(budget=budget, code_hash=_code_hash(code))
        .first()
    )
    if voting_code is None:
        raise InvalidInput("code", "That code is not valid for this budget. Check the slip.")
    taken = "This code has already been used."
    if Ballot.objects.filter(code=voting_code).exists():
        raise Conflict(taken)
    cleaned = _clean_choices(budget=budget, choices=choices)
    ballot = _create_ballot(
        Ballot(budget=budget, code=voting_code, channel=BallotChannel.CODE), cleaned, taken=taken
    )
    history_record(
        actor=None,
        organisation=budget.round.organisation,
        action="budgeting.code_ballot_cast",
        subject=ballot,
    )
    return ballot
