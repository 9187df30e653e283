"""Delivering funded projects: progress, and spend paid out of the community pot."""

from __future__ import annotations

from django.db import transaction

from coproduce.budgeting import selectors
from coproduce.budgeting.models import DeliveryStatus, Phase, Proposal, ResultLine
from coproduce.budgeting.money import pounds
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record, model_update
from coproduce.people.permissions import Viewer
from coproduce.timebank import ledger as timebank
from coproduce.timebank.ledger import Leg
from coproduce.timebank.models import Account, Transfer, TransferKind, Unit

from .acting import acting_person
from .pots import pot_remaining_by_savings, savings_transfer_post


@transaction.atomic
def delivery_update(*, viewer: Viewer, proposal_id: int, status: str, note: str = "") -> Proposal:
    proposal = _funded_proposal(viewer, proposal_id, action="track delivery")
    if status not in DeliveryStatus.values:
        raise InvalidInput("status", f"“{status}” is not a delivery status.")
    model_update(
        proposal,
        data={"delivery_status": status, "delivery_note": note.strip()},
        actor=viewer.person,
        organisation=proposal.budget.round.organisation,
        action="budgeting.delivery_updated",
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
    tranches = pot_remaining_by_savings(pot)
    available = sum(amount for _, amount in tranches)
    if available < amount_pence:
        raise Conflict(
            f"{pot.name} holds {pounds(available)}; it cannot pay {pounds(amount_pence)}."
        )
    actor = acting_person(viewer)
    transfers: list[Transfer] = []
    due = amount_pence
    for record, remaining in tranches:
        if due == 0:
            break
        take = min(due, remaining)
        transfers.append(
            savings_transfer_post(
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
