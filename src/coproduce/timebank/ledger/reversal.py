"""Undoing a transfer: the ledger is corrected by a mirror-image transfer, never by changing
or deleting entries. The one way to build and post a reversal, whoever asks for it (a
coordinator reversing a transfer, the directory refunding a cancelled booking)."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people.history import history_record
from coproduce.people.models import Person
from coproduce.timebank.ledger.posting import Leg, transfer_post
from coproduce.timebank.models import Transfer, TransferKind


@transaction.atomic
def transfer_reversal_post(
    *, transfer_id: int, reason: str, operator: Person | None, books: Collection[int]
) -> Transfer:
    """Post the mirror image of transfer ``transfer_id`` and record it in the history. Locks
    the original so it is reversed once. The caller has authorised the reversal and works out
    ``books`` (as for ``transfer_post``)."""
    original = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=transfer_id)
        .first()
    )
    if original is None:
        raise NotFound()
    if original.kind == TransferKind.REVERSAL:
        raise InvalidInput(None, "A reversal cannot be reversed. Post a new transfer instead.")
    if Transfer.objects.filter(reverses=original).exists():
        raise Conflict("This transfer has already been reversed.")
    if not reason.strip():
        raise InvalidInput("reason", "Say why the transfer is being reversed.")
    entries = original.entries.select_related("account__membership__person").order_by("pk")
    reversal = transfer_post(
        legs=[Leg(entry.account, -entry.amount) for entry in entries],
        kind=TransferKind.REVERSAL,
        reason=reason,
        operator=operator,
        books=books,
        on_behalf_of=original.on_behalf_of,
        exchange=original.exchange,
        listing=original.listing,
        group=original.group,
        reverses=original,
    )
    history_record(
        actor=operator,
        organisation=original.organisation,
        action="timebank.transfer_reversed",
        subject=original,
        detail={"reversal": reversal.pk, "reason": reason.strip()},
    )
    return reversal
