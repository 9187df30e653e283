"""Every write to dividends, community pots and participatory-budgeting rounds.

Each public function is one transaction that checks permission, validates, writes and records
what happened. Money moves only through the time-bank ledger's one door,
``timebank.services.transfer_post``, in pence.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone

from coproduce.budgeting import pabulib, selectors
from coproduce.budgeting.models import (
    PHASE_ORDER,
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    Budget,
    DeliveryStatus,
    Dividend,
    DividendPolicy,
    DividendStatus,
    Phase,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
    Rule,
    SavingsRecord,
    SavingsTransfer,
    VotingCode,
)
from coproduce.budgeting.money import pounds
from coproduce.budgeting.tally import tally_budget
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people import selectors as people_selectors
from coproduce.people.models import Area, MembershipStatus, Organisation, Person
from coproduce.people.permissions import Viewer
from coproduce.people.services import history_record
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Account, AccountKind, Entry, Transfer, TransferKind, Unit
from coproduce.timebank.services import Leg

# Codes avoid letters and digits that look alike when read off paper (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_CODES_PER_SHEET = 500


def _validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            name = None if field_name == "__all__" else field_name
            raise InvalidInput(name, messages[0]) from error


def _actor(viewer: Viewer) -> Person:
    if viewer.person is None:
        raise PermissionDenied("Sign in to do that.")
    return viewer.person


# --- money in the time-bank ledger --------------------------------------------------------


def pot_account(area: Area, budget_holder: Organisation) -> Account:
    """The area's community pot in the budget holder's books (pence, never below zero)."""
    return timebank.area_pot_account(budget_holder, area, Unit.PENCE)


def _post(
    *,
    kind: str,
    savings_record: SavingsRecord,
    reason: str,
    operator: Person,
    legs: Sequence[Leg],
    books: set[int],
    proposal: Proposal | None = None,
) -> Transfer:
    """Post pence through the ledger's one door and record the savings it came from."""
    transfer = timebank.transfer_post(
        legs=legs, kind=kind, reason=reason, operator=operator, books=books
    )
    SavingsTransfer.objects.create(
        transfer=transfer, savings_record=savings_record, proposal=proposal
    )
    return transfer


def _pot_remaining_by_savings(pot: Account) -> list[tuple[SavingsRecord, int]]:
    """What each savings record still has in the pot, oldest first (spending is FIFO)."""
    rows = (
        Entry.objects.filter(account=pot)
        .values("transfer__savings_transfer__savings_record")
        .annotate(total=Sum("amount"))
        .order_by("transfer__savings_transfer__savings_record")
    )
    key = "transfer__savings_transfer__savings_record"
    remaining = {row[key]: row["total"] for row in rows if row[key] is not None and row["total"]}
    records = SavingsRecord.objects.in_bulk(list(remaining))
    return [(records[pk], remaining[pk]) for pk in sorted(remaining) if remaining[pk] > 0]


# --- dividends ----------------------------------------------------------------------------


@transaction.atomic
def dividend_policy_create(
    *,
    viewer: Viewer,
    budget_holder_id: int,
    service: str,
    area_id: int,
    share_percent: int,
    period_start: date,
    period_end: date,
) -> DividendPolicy:
    """A manager of the budget holder agrees the community's share of a service's savings."""
    budget_holder = selectors.organisation_for(
        viewer=viewer,
        organisation_id=budget_holder_id,
        ability="budgeting.approve_dividend",
        action="agree a dividend policy",
    )
    area = selectors.area_for(viewer=viewer, area_id=area_id)
    if not 1 <= share_percent <= 100:
        raise InvalidInput("share_percent", "Enter a share between 1% and 100%.")
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    policy = DividendPolicy(
        budget_holder=budget_holder,
        service=service.strip(),
        area=area,
        share_percent=share_percent,
        period_start=period_start,
        period_end=period_end,
        created_by=_actor(viewer),
    )
    if not policy.service:
        raise InvalidInput("service", "Name the service whose savings are shared.")
    _validated(policy)
    policy.save()
    history_record(
        actor=viewer.person,
        organisation=budget_holder,
        action="budgeting.dividend_policy_created",
        subject=policy,
        detail={"share_percent": share_percent, "area": area.pk},
    )
    return policy


@transaction.atomic
def savings_record_enter(
    *,
    viewer: Viewer,
    policy_id: int,
    amount_pence: int,
    period_start: date,
    period_end: date,
    evidence: str,
    evidence_url: str = "",
) -> SavingsRecord:
    """A manager of the budget holder records verified cashable savings with evidence; the
    community's share becomes a dividend awaiting approval.

    Locks the policy row, so two overlapping periods cannot both be counted."""
    policy = selectors.dividend_policy_get(viewer=viewer, policy_id=policy_id, for_update=True)
    if amount_pence <= 0:
        raise InvalidInput("amount_pence", "Enter the cashable savings: more than £0.")
    if not evidence.strip():
        raise InvalidInput("evidence", "Describe the evidence that the savings are cashable.")
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    if period_start < policy.period_start or period_end > policy.period_end:
        raise InvalidInput(
            "period_start",
            f"The savings must fall within the policy's period, "
            f"{policy.period_start:%d %B %Y} to {policy.period_end:%d %B %Y}.",
        )
    overlapping = SavingsRecord.objects.filter(
        policy=policy, period_start__lte=period_end, period_end__gte=period_start
    ).first()
    if overlapping is not None:
        raise Conflict(
            f"Savings for {overlapping.period_start:%d %B %Y} to "
            f"{overlapping.period_end:%d %B %Y} are already recorded; "
            "a period can be counted only once."
        )
    record = SavingsRecord(
        policy=policy,
        amount_pence=amount_pence,
        period_start=period_start,
        period_end=period_end,
        evidence=evidence.strip(),
        evidence_url=evidence_url.strip(),
        verified_by=_actor(viewer),
    )
    _validated(record)
    record.save()
    # Round down: the community never receives more than the agreed share.
    dividend = Dividend.objects.create(
        savings_record=record, amount_pence=amount_pence * policy.share_percent // 100
    )
    history_record(
        actor=viewer.person,
        organisation=policy.budget_holder,
        action="budgeting.savings_recorded",
        subject=record,
        detail={"amount_pence": amount_pence, "dividend_pence": dividend.amount_pence},
    )
    return record


@transaction.atomic
def dividend_approve(*, viewer: Viewer, dividend_id: int) -> Dividend:
    """The budget holder approves a dividend and it is credited to the area's pot.

    Locks the dividend row, so it is credited once.
    """
    dividend = (
        Dividend.objects.select_for_update(of=("self",))
        .select_related("savings_record__policy__budget_holder", "savings_record__policy__area")
        .filter(pk=dividend_id)
        .first()
    )
    if dividend is None:
        raise NotFound()
    policy = dividend.savings_record.policy
    permissions.check(
        viewer, "budgeting.approve_dividend", policy.budget_holder_id, action="approve a dividend"
    )
    if dividend.status == DividendStatus.CREDITED:
        raise Conflict("This dividend has already been approved and credited.")
    if dividend.amount_pence == 0:
        raise Conflict("This dividend is £0; there is nothing to credit.")
    actor = _actor(viewer)
    pot = pot_account(policy.area, policy.budget_holder)
    record = dividend.savings_record
    _post(
        kind=TransferKind.DIVIDEND,
        savings_record=record,
        reason=f"{policy.share_percent}% dividend of {policy.service} savings "
        f"{record.period_start:%b %Y} to {record.period_end:%b %Y}",
        operator=actor,
        legs=[
            Leg(
                timebank.organisation_account(
                    policy.budget_holder, AccountKind.DIVIDEND, Unit.PENCE
                ),
                -dividend.amount_pence,
            ),
            Leg(pot, dividend.amount_pence),
        ],
        books={policy.budget_holder_id},
    )
    dividend.status = DividendStatus.CREDITED
    dividend.approved_by = actor
    dividend.approved_at = timezone.now()
    dividend.save(update_fields=["status", "approved_by", "approved_at"])
    history_record(
        actor=actor,
        organisation=policy.budget_holder,
        action="budgeting.dividend_credited",
        subject=dividend,
        detail={"amount_pence": dividend.amount_pence, "pot": pot.pk},
    )
    return dividend


# --- rounds and budgets -------------------------------------------------------------------


@transaction.atomic
def round_create(
    *, viewer: Viewer, organisation_id: int, title: str, description: str = ""
) -> Round:
    organisation = selectors.organisation_for(
        viewer=viewer, organisation_id=organisation_id, ability="budgeting.run_round",
        action="run a round",
    )  # fmt: skip
    round_ = Round(
        organisation=organisation,
        title=title.strip(),
        description=description.strip(),
        created_by=_actor(viewer),
    )
    if not round_.title:
        raise InvalidInput("title", "Give the round a title.")
    _validated(round_)
    round_.save()
    history_record(
        actor=viewer.person, organisation=organisation, action="budgeting.round_created",
        subject=round_,
    )  # fmt: skip
    return round_


@transaction.atomic
def budget_add(
    *,
    viewer: Viewer,
    round_id: int,
    name: str,
    amount_pence: int,
    area_id: int | None = None,
    pot_id: int | None = None,
    ballot_kind: str = BallotKind.APPROVAL_BUDGET,
    rule: str = Rule.MES,
    threshold_votes: int = 0,
    min_projects: int = 1,
    max_projects: int | None = None,
    min_share_percent: int = 0,
    points: int | None = None,
    residents_only: bool = False,
    min_age: int | None = None,
    members_of_id: int | None = None,
) -> Budget:
    """Add a budget (for an area, or city-wide with no area) before voting opens.

    Every id is looked up for this viewer: the round where they may run rounds, a pot in
    the books of an organisation where they may run rounds, voters of an organisation they
    may see. Locks the round row, so the budget cannot land as voting opens."""
    round_ = selectors.access_round_by_id(
        viewer=viewer,
        round_id=round_id,
        ability="budgeting.run_round",
        action="run a round",
        for_update=True,
    )
    if round_.phase not in {Phase.PROPOSALS, Phase.REVIEW}:
        raise Conflict("Budgets can be added only before voting opens.")
    if amount_pence <= 0:
        raise InvalidInput("amount_pence", "Enter the budget: more than £0.")
    if ballot_kind not in BallotKind.values:
        raise InvalidInput("ballot_kind", f"“{ballot_kind}” is not a kind of ballot.")
    if rule not in Rule.values:
        raise InvalidInput("rule", f"“{rule}” is not a voting rule.")
    if min_projects < 0:
        raise InvalidInput("min_projects", "The minimum number of projects cannot be negative.")
    if max_projects is not None and max_projects < max(min_projects, 1):
        raise InvalidInput(
            "max_projects", "The maximum number of projects must be at least the minimum."
        )
    if ballot_kind == BallotKind.APPROVAL_COUNT and max_projects is None:
        raise InvalidInput("max_projects", "Say how many projects each voter may approve.")
    if ballot_kind == BallotKind.CUMULATIVE and not points:
        raise InvalidInput("points", "Say how many points each voter shares out.")
    if not 0 <= min_share_percent <= 100:
        raise InvalidInput("min_share_percent", "Enter a share between 0% and 100%.")
    if residents_only and area_id is None:
        raise InvalidInput("area", "Choose the area whose residents may vote.")
    area = None if area_id is None else selectors.area_for(viewer=viewer, area_id=area_id)
    pot = (
        None
        if pot_id is None
        else selectors.access_pot_by_id(viewer=viewer, pot_id=pot_id, action="pay from its pot")
    )
    members_of = (
        None
        if members_of_id is None
        else people_selectors.organisation_get(viewer=viewer, organisation_id=members_of_id)
    )
    budget = Budget(
        round=round_,
        name=name.strip(),
        area=area,
        pot=pot,
        amount_pence=amount_pence,
        ballot_kind=ballot_kind,
        rule=rule,
        threshold_votes=threshold_votes,
        min_projects=min_projects,
        max_projects=max_projects,
        min_share_percent=min_share_percent,
        points=points if ballot_kind == BallotKind.CUMULATIVE else None,
        residents_only=residents_only,
        min_age=min_age,
        members_of=members_of,
    )
    if not budget.name:
        raise InvalidInput("name", "Give the budget a name.")
    _validated(budget)
    budget.save()
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.budget_added",
        subject=budget,
        detail={"amount_pence": amount_pence, "rule": rule, "ballot_kind": ballot_kind},
    )
    return budget


def _locked_round(round_id: int) -> Round:
    round_ = Round.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None:
        raise NotFound()
    return round_


@transaction.atomic
def round_advance(*, viewer: Viewer, round_id: int) -> Round:
    """Move a round to its next phase. Closing the vote tallies every budget.

    Locks the round, so a ballot cannot land while the vote closes.
    """
    round_ = _locked_round(round_id)
    permissions.check(viewer, "budgeting.run_round", round_.organisation_id, action="run a round")
    index = PHASE_ORDER.index(Phase(round_.phase))
    if index == len(PHASE_ORDER) - 1:
        raise Conflict("This round is already in delivery, its last phase.")
    budgets = list(round_.budgets.order_by("pk"))
    if round_.phase == Phase.PROPOSALS and not budgets:
        raise Conflict("Add at least one budget before closing proposals.")
    if round_.phase == Phase.REVIEW:
        waiting = Proposal.objects.filter(
            budget__round=round_, status=ProposalStatus.SUBMITTED
        ).count()
        if waiting:
            raise Conflict(f"Review every proposal before voting opens: {waiting} still waiting.")
        for budget in budgets:
            if not budget.proposals.filter(status=ProposalStatus.ACCEPTED).exists():
                raise Conflict(f"“{budget.name}” has no proposals on its ballot.")
    if round_.phase == Phase.VOTING:
        for budget in budgets:
            _tally_and_store(budget=budget, actor=_actor(viewer))
    round_.phase = PHASE_ORDER[index + 1]
    round_.phase_changed_at = timezone.now()
    round_.save(update_fields=["phase", "phase_changed_at"])
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.round_advanced",
        subject=round_,
        detail={"phase": round_.phase},
    )
    return round_


# --- proposals ----------------------------------------------------------------------------


@transaction.atomic
def proposal_submit(
    *, viewer: Viewer, budget_id: int, title: str, description: str, cost_pence: int
) -> Proposal:
    budget = selectors.access_budget_by_id(
        viewer=viewer, budget_id=budget_id, ability="budgeting.propose",
        action="propose a project",
    )  # fmt: skip
    round_ = budget.round
    if round_.phase != Phase.PROPOSALS:
        raise Conflict(f"Proposals are closed: this round is in the {round_.phase} phase.")
    if not title.strip():
        raise InvalidInput("title", "Give your idea a title.")
    if not description.strip():
        raise InvalidInput("description", "Describe your idea.")
    if cost_pence <= 0:
        raise InvalidInput("cost_pence", "Enter what your idea would cost: more than £0.")
    if cost_pence > budget.amount_pence:
        raise InvalidInput(
            "cost_pence",
            f"That costs more than the whole budget of {pounds(budget.amount_pence)}.",
        )
    proposal = Proposal(
        budget=budget,
        title=title.strip(),
        description=description.strip(),
        cost_pence=cost_pence,
        proposer=_actor(viewer),
    )
    _validated(proposal)
    proposal.save()
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.proposal_submitted",
        subject=proposal,
    )
    return proposal


@transaction.atomic
def proposal_review(
    *,
    viewer: Viewer,
    proposal_id: int,
    accept: bool,
    reason: str = "",
    cost_pence: int | None = None,
) -> Proposal:
    """Staff check feasibility and cost. A rejection's reason is shown publicly."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("budget__round")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound()
    round_ = proposal.budget.round
    permissions.check(viewer, "budgeting.review", round_.organisation_id, action="review proposals")
    if round_.phase not in {Phase.PROPOSALS, Phase.REVIEW}:
        raise Conflict("Proposals can be reviewed only before voting opens.")
    if not accept and not reason.strip():
        raise InvalidInput("reason", "Give the public reason this idea cannot go on the ballot.")
    if cost_pence is not None:
        if cost_pence <= 0:
            raise InvalidInput("cost_pence", "Enter the checked cost: more than £0.")
        if accept and cost_pence > proposal.budget.amount_pence:
            raise InvalidInput(
                "cost_pence",
                f"That costs more than the whole budget of {pounds(proposal.budget.amount_pence)}.",
            )
        proposal.cost_pence = cost_pence
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.rejection_reason = "" if accept else reason.strip()
    proposal.reviewed_by = _actor(viewer)
    proposal.reviewed_at = timezone.now()
    proposal.save()
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.proposal_accepted" if accept else "budgeting.proposal_rejected",
        subject=proposal,
        detail={"cost_pence": proposal.cost_pence},
    )
    return proposal


# --- ballots ------------------------------------------------------------------------------


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


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
        if _age_on(person.date_of_birth, timezone.localdate()) < budget.min_age:
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
    budget.round = _locked_round(budget.round_id)
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


@transaction.atomic
def ballot_cast(*, viewer: Viewer, budget_id: int, choices: Mapping[int, int]) -> Ballot:
    """A member votes online. A second ballot is refused: change the first instead."""
    budget = _open_budget(budget_id)
    permissions.check(viewer, "budgeting.vote", budget.round.organisation_id, action="vote")
    person = _actor(viewer)
    _require_voting(budget)
    problem = eligibility_problem(budget=budget, person=person)
    if problem:
        raise PermissionDenied(problem)
    taken = "You have already voted in this budget; change your ballot instead."
    if Ballot.objects.filter(budget=budget, person=person).exists():
        raise Conflict(taken)
    cleaned = _clean_choices(budget=budget, choices=choices)
    ballot = _create_ballot(
        Ballot(budget=budget, person=person, channel=BallotChannel.ONLINE), cleaned, taken=taken
    )
    history_record(
        actor=person,
        organisation=budget.round.organisation,
        action="budgeting.ballot_cast",
        subject=ballot,
    )
    return ballot


@transaction.atomic
def ballot_change(*, viewer: Viewer, budget_id: int, choices: Mapping[int, int]) -> Ballot:
    """Replace the viewer's choices; allowed until voting closes, whether they first voted
    online or on paper (the ballot is still theirs)."""
    budget = _open_budget(budget_id)
    permissions.check(viewer, "budgeting.vote", budget.round.organisation_id, action="vote")
    person = _actor(viewer)
    _require_voting(budget)
    ballot = Ballot.objects.select_for_update().filter(budget=budget, person=person).first()
    if ballot is None:
        raise NotFound("You have not voted in this budget yet.")
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
            entered_by=_actor(viewer),
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
    actor = _actor(viewer)
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


# --- results and delivery -----------------------------------------------------------------


def _tally_and_store(*, budget: Budget, actor: Person) -> Result:
    outcome = tally_budget(budget)
    Result.objects.filter(budget=budget).delete()
    result = Result.objects.create(
        budget=budget, rule=budget.rule, ballots_counted=outcome.ballots, computed_by=actor
    )
    ResultLine.objects.bulk_create(
        ResultLine(
            result=result,
            proposal_id=line.proposal_id,
            position=position,
            votes=line.votes,
            selected=line.selected,
            explanation=line.explanation,
        )
        for position, line in enumerate(outcome.lines, start=1)
    )
    history_record(
        actor=actor,
        organisation=budget.round.organisation,
        action="budgeting.tallied",
        subject=result,
        detail={"selected": [line.proposal_id for line in outcome.lines if line.selected]},
    )
    return result


@transaction.atomic
def delivery_update(*, viewer: Viewer, proposal_id: int, status: str, note: str = "") -> Proposal:
    proposal = _funded_proposal(viewer, proposal_id, action="track delivery")
    if status not in DeliveryStatus.values:
        raise InvalidInput("status", f"“{status}” is not a delivery status.")
    proposal.delivery_status = status
    proposal.delivery_note = note.strip()
    proposal.save(update_fields=["delivery_status", "delivery_note"])
    history_record(
        actor=viewer.person,
        organisation=proposal.budget.round.organisation,
        action="budgeting.delivery_updated",
        subject=proposal,
        detail={"status": status},
    )
    return proposal


def _funded_proposal(viewer: Viewer, proposal_id: int, *, action: str) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("budget__round__organisation", "budget__pot", "delivery_account")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound()
    round_ = proposal.budget.round
    permissions.check(viewer, "budgeting.run_round", round_.organisation_id, action=action)
    if round_.phase != Phase.DELIVERY:
        raise Conflict("Delivery starts when the round reaches its delivery phase.")
    funded = ResultLine.objects.filter(
        result__budget_id=proposal.budget_id, proposal=proposal, selected=True
    ).exists()
    if not funded:
        raise Conflict("Only a funded project is delivered.")
    return proposal


@transaction.atomic
def delivery_spend(
    *, viewer: Viewer, proposal_id: int, amount_pence: int, memo: str
) -> list[Transfer]:
    """Pay a funded project's delivery spend out of the budget's community pot.

    The pot is drawn oldest savings first, one transfer per savings record it draws on, so
    each penny spent points back at the savings it came from. Locks the proposal row (so
    two payments cannot both pass the cost check) and then the pot's.
    """
    proposal = _funded_proposal(viewer, proposal_id, action="record delivery spend")
    if proposal.budget.pot_id is None:
        raise Conflict("This budget is not paid from a community pot.")
    # The pot's owner, not only the round's, must let the viewer spend it.
    pot = selectors.access_pot_by_id(
        viewer=viewer, pot_id=proposal.budget.pot_id, action="spend from its pot", for_update=True
    )
    if amount_pence <= 0:
        raise InvalidInput("amount_pence", "Enter the amount spent: more than £0.")
    if not memo.strip():
        raise InvalidInput("memo", "Say what the money was spent on.")
    account = proposal.delivery_account
    if account is None:
        # In the pot's books: the project spends the budget holder's money.
        account = timebank.delivery_account_open(
            organisation=pot.organisation,
            name=f"Delivery of “{proposal.title}”",
            unit=Unit.PENCE,
        )
        proposal.delivery_account = account
        proposal.save(update_fields=["delivery_account"])
    spent = Account.objects.get(pk=account.pk).balance
    if spent + amount_pence > proposal.cost_pence:
        raise InvalidInput(
            "amount_pence",
            f"That would take spending to {pounds(spent + amount_pence)}, over the project's "
            f"cost of {pounds(proposal.cost_pence)}.",
        )
    tranches = _pot_remaining_by_savings(pot)
    available = sum(amount for _, amount in tranches)
    if available < amount_pence:
        raise Conflict(
            f"{pot.name} holds {pounds(available)}; it cannot pay {pounds(amount_pence)}."
        )
    actor = _actor(viewer)
    transfers: list[Transfer] = []
    due = amount_pence
    for record, remaining in tranches:
        if due == 0:
            break
        take = min(due, remaining)
        transfers.append(
            _post(
                kind=TransferKind.SPEND,
                savings_record=record,
                reason=memo.strip(),
                operator=actor,
                legs=[Leg(pot, -take), Leg(account, take)],
                # The books of the round's and the pot's organisations where the viewer
                # may run rounds.
                books={
                    org
                    for org in (proposal.budget.round.organisation_id, pot.organisation_id)
                    if permissions.may(viewer, "budgeting.run_round", org)
                },
                proposal=proposal,
            )
        )
        due -= take
    history_record(
        actor=actor,
        organisation=proposal.budget.round.organisation,
        action="budgeting.delivery_spend",
        subject=proposal,
        detail={"amount_pence": amount_pence, "transfers": [t.pk for t in transfers]},
    )
    return transfers


@transaction.atomic
def delivery_record(
    *,
    viewer: Viewer,
    proposal_id: int,
    status: str,
    note: str = "",
    spend_pence: int | None = None,
    memo: str = "",
) -> Proposal:
    """Progress and, if given, money spent, in one transaction: a refused payment leaves
    the progress as it was too."""
    proposal = delivery_update(viewer=viewer, proposal_id=proposal_id, status=status, note=note)
    if spend_pence is not None:
        delivery_spend(viewer=viewer, proposal_id=proposal_id, amount_pence=spend_pence, memo=memo)
    return proposal


# --- pabulib import -----------------------------------------------------------------------


def _whole_pence(value: object, *, per_unit: int, what: str) -> int:
    amount = Fraction(str(value)) * per_unit
    if amount.denominator != 1 or amount <= 0:
        raise InvalidInput("file", f"{what} must be a positive whole number of pence.")
    return int(amount)


@transaction.atomic
def election_import(
    *,
    viewer: Viewer,
    organisation_id: int,
    text: str,
    title: str = "",
    rule: str = Rule.MES,
) -> Round:
    """Load a pabulib election as a counted round in its results phase.

    Costs are read as pence when the file says ``cost_unit;pence`` (our own exports), otherwise
    as whole currency units. Nothing is written unless the whole file is good.
    """
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="import a round",
    )
    if rule not in Rule.values:
        raise InvalidInput("rule", f"“{rule}” is not a voting rule.")
    try:
        election = pabulib.loads(text)
    except pabulib.PabulibError as error:
        raise InvalidInput("file", str(error)) from error
    if election.vote_type not in {"approval", "cumulative"}:
        raise InvalidInput(
            "file", f"Ballots of type “{election.vote_type}” cannot be imported as a round."
        )
    if not election.projects:
        raise InvalidInput("file", "The file lists no projects.")
    per_unit = 1 if election.meta.get("cost_unit") == "pence" else 100
    amount = _whole_pence(election.budget, per_unit=per_unit, what="The budget")
    costs = {
        pid: _whole_pence(project.cost, per_unit=per_unit, what=f"The cost of project {pid}")
        for pid, project in election.projects.items()
    }
    cumulative = election.vote_type == "cumulative"
    for vote in election.votes:
        if any(points < 0 for points in vote.points or ()):
            raise InvalidInput("file", f"Voter {vote.voter_id} gives negative points.")
    points_each = None
    if cumulative:
        points_each = int(election.meta.get("max_sum_points") or 0) or max(
            (sum(b.points or ()) for b in election.votes), default=1
        )
    max_length = election.meta.get("max_length", "")
    round_ = round_create(
        viewer=viewer,
        organisation_id=organisation.pk,
        title=title.strip() or election.meta.get("description", "")[:200] or "Imported election",
        description=f"Imported from a pabulib file ({len(election.votes)} ballots).",
    )
    budget = budget_add(
        viewer=viewer,
        round_id=round_.pk,
        name=(election.meta.get("unit") or election.meta.get("subunit") or "Budget")[:200],
        amount_pence=amount,
        ballot_kind=BallotKind.CUMULATIVE if cumulative else BallotKind.APPROVAL_BUDGET,
        rule=rule,
        threshold_votes=election.score_threshold,
        min_projects=0,
        max_projects=int(max_length) if max_length.isdigit() and int(max_length) > 0 else None,
        points=points_each,
    )
    actor = _actor(viewer)
    now = timezone.now()
    # Proposals are created in the file's id order, so "the earlier proposal wins a tie" is
    # the same order pabutools breaks ties in.
    proposals: dict[str, Proposal] = {}
    for pid in sorted(election.projects):
        project = election.projects[pid]
        proposals[pid] = Proposal.objects.create(
            budget=budget,
            title=(project.name or f"Project {pid}")[:200],
            description=project.extra.get("description") or f"Project {pid} in the file.",
            cost_pence=costs[pid],
            proposer=actor,
            status=ProposalStatus.ACCEPTED,
            reviewed_by=actor,
            reviewed_at=now,
        )
    ballots = Ballot.objects.bulk_create(
        Ballot(budget=budget, channel=BallotChannel.IMPORTED) for _ in election.votes
    )
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, proposal=proposals[pid], points=points)
        for ballot, vote in zip(ballots, election.votes, strict=True)
        for pid, points in zip(
            vote.approvals, vote.points or [1] * len(vote.approvals), strict=True
        )
        if points > 0
    )
    round_.phase = Phase.RESULTS
    round_.phase_changed_at = now
    round_.save(update_fields=["phase", "phase_changed_at"])
    _tally_and_store(budget=budget, actor=actor)
    history_record(
        actor=actor,
        organisation=organisation,
        action="budgeting.election_imported",
        subject=round_,
        detail={"ballots": len(ballots), "projects": len(proposals)},
    )
    return round_
