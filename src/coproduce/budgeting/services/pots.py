"""Community pots: money in the time-bank ledger, in pence, each penny traced to the
verified savings it came from. Money moves only through the ledger's one door,
``timebank.ledger.transfer_post``."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Sum

from coproduce.budgeting.models import Proposal, SavingsRecord, SavingsTransfer
from coproduce.people.models import Area, Organisation, Person
from coproduce.timebank import ledger as timebank
from coproduce.timebank.ledger import Leg
from coproduce.timebank.models import Account, Entry, Transfer, Unit


def pot_account(area: Area, budget_holder: Organisation) -> Account:
    """The area's community pot in the budget holder's books (pence, never below zero)."""
    return timebank.area_pot_account(budget_holder, area, Unit.PENCE)


def savings_transfer_post(
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


def pot_remaining_by_savings(pot: Account) -> list[tuple[SavingsRecord, int]]:
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
