"""Agreements between two time banks, under which their members exchange time."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Organisation, OrganisationKind
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger import counterparty_account
from coproduce.timebank.models import AccountKind, Agreement


def agreement_between(first: Organisation, second: Organisation) -> Agreement | None:
    low, high = sorted([first.pk, second.pk])
    return Agreement.objects.filter(first_id=low, second_id=high, signed_at__isnull=False).first()


def no_agreement(first: Organisation, second: Organisation) -> InvalidInput:
    """The refusal to move time between two banks that have not signed an agreement."""
    return InvalidInput(
        None,
        f"{first.name} and {second.name} have no agreement to exchange time, "
        "so time cannot move between them.",
    )


@transaction.atomic
def agreement_propose(
    *, viewer: Viewer, organisation: Organisation, other: Organisation
) -> Agreement:
    permissions.check(
        viewer, "timebank.agreements", organisation.pk, action="make agreements with other banks"
    )
    if other.pk == organisation.pk:
        raise InvalidInput("other", "Choose another time bank.")
    if other.kind != OrganisationKind.TIME_BANK or organisation.kind != (
        OrganisationKind.TIME_BANK
    ):
        raise InvalidInput("other", "Agreements are between two time banks.")
    low, high = sorted([organisation.pk, other.pk])
    if Agreement.objects.filter(first_id=low, second_id=high).exists():
        raise Conflict(f"There is already an agreement with {other.name}.")
    assert viewer.person is not None
    agreement = Agreement.objects.create(
        first_id=low, second_id=high, proposer=organisation, proposed_by=viewer.person
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.agreement_proposed",
        subject=agreement,
        detail={"other": other.pk},
    )
    return agreement


@transaction.atomic
def agreement_sign(*, viewer: Viewer, agreement_id: int) -> Agreement:
    """The other bank signs; each bank then gets a clearing account for the other."""
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("first", "second")
        .filter(pk=agreement_id)
        .first()
    )
    if agreement is None:
        raise NotFound()
    signer = agreement.second if agreement.proposer_id == agreement.first_id else agreement.first
    permissions.check(viewer, "timebank.agreements", signer.pk, action="sign agreements")
    if agreement.signed_at is not None:
        raise Conflict("This agreement has already been signed.")
    agreement.signed_by = viewer.person
    agreement.signed_at = timezone.now()
    agreement.save(update_fields=["signed_by", "signed_at"])
    counterparty_account(agreement.first, AccountKind.CLEARING, agreement.second)
    counterparty_account(agreement.second, AccountKind.CLEARING, agreement.first)
    history_record(
        actor=viewer.person,
        organisation=signer,
        action="timebank.agreement_signed",
        subject=agreement,
    )
    return agreement
