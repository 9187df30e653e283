"""Time moved by hand: a member paying another member of their bank, a coordinator
recording a transfer on someone's behalf, and a coordinator reversing a transfer."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Membership, Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger import Leg, member_account, transfer_post, transfer_reversal_post
from coproduce.timebank.models import Account, AccountKind, Transfer, TransferKind
from coproduce.timebank.services.agreements import agreement_between

# The bank's own accounts a transfer keyed by hand may start or end in.
OWN_ACCOUNT_KINDS = (AccountKind.AGENCY, AccountKind.POT)


@transaction.atomic
def transfer_record(
    *,
    viewer: Viewer,
    from_account_id: int,
    to_account_id: int,
    amount: int,
    reason: str,
) -> Transfer:
    """A member pays another member of their bank directly, or a coordinator records a
    transfer on the payer's behalf. Either end is an active member's account or the bank's
    own (agency account, community pot): never a partner's or another bank's clearing
    account, which move only through redemptions and exchanges under an agreement. Between
    two members it is an exchange (the coordinator recorded as the operator); otherwise an
    adjustment."""
    pair = {
        account.pk: account
        for account in Account.objects.select_related("membership__person", "organisation").filter(
            pk__in=[from_account_id, to_account_id]
        )
    }
    source, target = pair.get(from_account_id), pair.get(to_account_id)
    if source is None or target is None:
        raise NotFound()
    own = (
        source.membership is not None
        and viewer.person is not None
        and source.membership.person_id == viewer.person.pk
    )
    if own:
        permissions.check(viewer, "timebank.take_part", source.organisation_id, action="give time")
        if target.organisation_id != source.organisation_id:
            raise NotFound()
        kind = TransferKind.EXCHANGE
    else:
        permissions.check(
            viewer,
            "timebank.coordinate",
            source.organisation_id,
            action="record transfers on someone's behalf",
        )
        if target.organisation_id != source.organisation_id:
            raise InvalidInput(
                "to_account",
                "Time moves between banks only through an exchange under an agreement.",
            )
        both_members = AccountKind.MEMBER == source.kind == target.kind
        kind = TransferKind.EXCHANGE if both_members else TransferKind.ADJUSTMENT
    for field, end, verb in (("from_account", source, "from"), ("to_account", target, "to")):
        if end.kind != AccountKind.MEMBER and end.kind not in OWN_ACCOUNT_KINDS:
            raise InvalidInput(
                field,
                f"Time can be moved only {verb} a member's account or the bank's own "
                f"agency account or community pot, not “{end.name}”.",
            )
    if source.pk == target.pk or (
        source.membership is not None
        and target.membership is not None
        and source.membership.person_id == target.membership.person_id
    ):
        raise InvalidInput("to_account", "You cannot transfer time to yourself.")
    if amount <= 0:
        raise InvalidInput("amount", "The hours must be more than zero.")
    transfer = transfer_post(
        legs=[Leg(source, -amount), Leg(target, amount)],
        kind=kind,
        reason=reason,
        operator=viewer.person,
        books={source.organisation_id},
        on_behalf_of=source.membership.person if source.membership else None,
    )
    history_record(
        actor=viewer.person,
        organisation=source.organisation,
        action="timebank.transfer_recorded",
        subject=transfer,
        detail={"amount": amount, "from": source.pk, "to": target.pk},
    )
    return transfer


@transaction.atomic
def member_transfer_record(
    *, viewer: Viewer, payer: Membership, payee: Membership, amount: int, reason: str
) -> Transfer:
    """A coordinator records a transfer between two members on the payer's behalf."""
    permissions.check(
        viewer,
        "timebank.coordinate",
        payer.organisation_id,
        action="record transfers on someone's behalf",
    )
    return transfer_record(
        viewer=viewer,
        from_account_id=member_account(payer).pk,
        to_account_id=member_account(payee).pk,
        amount=amount,
        reason=reason,
    )


@transaction.atomic
def transfer_reverse(*, viewer: Viewer, transfer_id: int, reason: str) -> Transfer:
    """A coordinator posts the mirror image of a transfer (``transfer_reversal_post``, which
    locks the original so it is reversed once)."""
    original = Transfer.objects.filter(pk=transfer_id).first()
    if original is None:
        raise NotFound()
    # A cross-bank transfer touches two banks' books: a coordinator of either may reverse it.
    banks = sorted(
        set(original.entries.values_list("account__organisation_id", flat=True).distinct())
    )
    permissions.check_any(viewer, "timebank.coordinate", banks, action="reverse transfers")
    return transfer_reversal_post(
        transfer_id=original.pk,
        reason=reason,
        operator=viewer.person,
        books=_reversal_books(viewer, original, banks),
    )


def _reversal_books(viewer: Viewer, original: Transfer, banks: Sequence[int]) -> set[int]:
    """The banks the viewer coordinates; for an exchange across an agreement, both banks."""
    books = {bank for bank in banks if permissions.may(viewer, "timebank.coordinate", bank)}
    if original.kind == TransferKind.CROSS_BANK and len(banks) == 2:
        first, second = Organisation.objects.filter(pk__in=banks).order_by("pk")
        if agreement_between(first, second) is not None:
            books.update(banks)
    return books
