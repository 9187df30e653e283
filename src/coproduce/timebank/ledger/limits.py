"""A bank's limits: how low or high its members' balances may go, and the largest single
transfer its books take. Each change locks what it changes and is recorded."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.framework.amounts import amount_format
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger.accounts import account_label, bank_member_limits
from coproduce.timebank.models import (
    DEFAULT_MAX_TRANSFER,
    HARD_MAX_TRANSFER,
    Account,
    AccountKind,
    BankLimits,
    LimitChange,
    Unit,
)


def _check_limits(floor: int | None, ceiling: int | None) -> None:
    if floor is not None and floor > 0:
        raise InvalidInput("floor", "The lowest balance must be zero or below.")
    if ceiling is not None and ceiling < 0:
        raise InvalidInput("ceiling", "The highest balance must be zero or above.")
    for field, value in (("floor", floor), ("ceiling", ceiling)):
        if value is not None and abs(value) > HARD_MAX_TRANSFER:
            raise InvalidInput(
                field, f"A limit must be within {amount_format(HARD_MAX_TRANSFER)} of zero."
            )


def _outside(accounts: Sequence[Account], floor: int | None, ceiling: int | None) -> None:
    outside = [
        account
        for account in accounts
        if (floor is not None and account.balance < floor)
        or (ceiling is not None and account.balance > ceiling)
    ]
    if outside:
        first = outside[0]
        count = len(outside)
        noun = "account is" if count == 1 else "accounts are"
        raise Conflict(
            f"{count} {noun} already outside these limits (for example "
            f"{account_label(first)} at {amount_format(first.balance, first.unit)}). "
            "Agree a plan with them, or give those accounts their own limits first."
        )


@transaction.atomic
def limits_set_for_organisation(
    *,
    viewer: Viewer,
    organisation: Organisation,
    floor: int | None,
    ceiling: int | None,
    reason: str,
) -> BankLimits:
    """Set the bank's member limits and apply them to every account that follows them.
    Locks those accounts (in id order) so no transfer slips past the old limits."""
    permissions.check(viewer, "timebank.set_limits", organisation.pk, action="set time bank limits")
    _check_limits(floor, ceiling)
    if not reason.strip():
        raise InvalidInput("reason", "Say why the limits are changing.")
    followers = list(
        Account.objects.select_for_update(of=("self",))
        .select_related("membership__person")
        .filter(
            organisation=organisation,
            kind=AccountKind.MEMBER,
            unit=Unit.MINUTES,
            own_limits=False,
        )
        .order_by("pk")
    )
    _outside(followers, floor, ceiling)
    previous_floor, previous_ceiling = bank_member_limits(organisation)
    limits, _ = BankLimits.objects.update_or_create(
        organisation=organisation,
        defaults={"member_floor": floor, "member_ceiling": ceiling},
    )
    Account.objects.filter(pk__in=[account.pk for account in followers]).update(
        floor=floor, ceiling=ceiling
    )
    assert viewer.person is not None
    LimitChange.objects.create(
        organisation=organisation,
        floor=floor,
        ceiling=ceiling,
        previous_floor=previous_floor,
        previous_ceiling=previous_ceiling,
        reason=reason.strip(),
        changed_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.limits_set",
        subject=limits,
        detail={"floor": floor, "ceiling": ceiling},
    )
    return limits


@transaction.atomic
def limits_set_for_account(
    *,
    viewer: Viewer,
    account_id: int,
    floor: int | None,
    ceiling: int | None,
    reason: str,
    follow_organisation: bool = False,
) -> Account:
    """Give one account its own limits, or return it to the bank's. Locks the account."""
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("membership__person", "organisation")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise NotFound()
    permissions.check(viewer, "timebank.set_limits", account.organisation_id, action="set limits")
    if follow_organisation:
        if account.kind != AccountKind.MEMBER or account.unit != Unit.MINUTES:
            raise InvalidInput(
                "follow_organisation",
                "Only a member's hours account can follow the bank's limits, which are in hours.",
            )
        floor, ceiling = bank_member_limits(account.organisation)
    _check_limits(floor, ceiling)
    if not reason.strip():
        raise InvalidInput("reason", "Say why the limits are changing.")
    _outside([account], floor, ceiling)
    assert viewer.person is not None
    LimitChange.objects.create(
        organisation=account.organisation,
        account=account,
        floor=floor,
        ceiling=ceiling,
        previous_floor=account.floor,
        previous_ceiling=account.ceiling,
        reason=reason.strip(),
        changed_by=viewer.person,
    )
    Account.objects.filter(pk=account.pk).update(
        floor=floor, ceiling=ceiling, own_limits=not follow_organisation
    )
    account.floor, account.ceiling = floor, ceiling
    account.own_limits = not follow_organisation
    history_record(
        actor=viewer.person,
        organisation=account.organisation,
        action="timebank.account_limits_set",
        subject=account,
        detail={"floor": floor, "ceiling": ceiling},
    )
    return account


def max_transfer(organisation_id: int, unit: str) -> int:
    """The largest single transfer ``organisation``'s books take in ``unit``."""
    limits = BankLimits.objects.filter(organisation_id=organisation_id).first()
    own = None
    if limits is not None:
        own = limits.max_transfer_pence if unit == Unit.PENCE else limits.max_transfer_minutes
    return own if own is not None else DEFAULT_MAX_TRANSFER[unit]


@transaction.atomic
def max_transfer_set(
    *, viewer: Viewer, organisation_id: int, unit: str, maximum: int | None, reason: str
) -> BankLimits:
    """Set the largest single transfer the bank's books take in ``unit`` (None: the
    default). Locks the bank's limits row, so it changes between two transfers, not
    during one."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound()
    permissions.check(viewer, "timebank.set_limits", organisation.pk, action="set limits")
    if unit not in Unit.values:
        raise InvalidInput("unit", "Choose minutes or pence.")
    if maximum is not None and not 0 < maximum <= HARD_MAX_TRANSFER:
        raise InvalidInput(
            "maximum",
            f"The largest single transfer must be more than zero and at most "
            f"{amount_format(HARD_MAX_TRANSFER, unit)}.",
        )
    if not reason.strip():
        raise InvalidInput("reason", "Say why the limit is changing.")
    floor, ceiling = bank_member_limits(organisation)
    limits, _ = BankLimits.objects.select_for_update().get_or_create(
        organisation=organisation, defaults={"member_floor": floor, "member_ceiling": ceiling}
    )
    field = "max_transfer_pence" if unit == Unit.PENCE else "max_transfer_minutes"
    setattr(limits, field, maximum)
    limits.save(update_fields=[field])
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.max_transfer_set",
        subject=limits,
        detail={"unit": unit, "maximum": maximum, "reason": reason.strip()},
    )
    return limits
