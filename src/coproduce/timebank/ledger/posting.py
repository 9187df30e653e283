"""The one door to the ledger: ``transfer_post`` is the only code that writes ledger entries
or transfers, or changes a cached balance (STYLE 3; tests/test_one_door.py keeps it so).
Every service that moves time builds its legs and calls it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound
from coproduce.framework.amounts import amount_format
from coproduce.people.models import MembershipStatus, Organisation, Person
from coproduce.timebank.ledger.accounts import account_label
from coproduce.timebank.models import (
    DEFAULT_MAX_TRANSFER,
    Account,
    AccountKind,
    Exchange,
    GroupExchange,
    Listing,
    Transfer,
    TransferKind,
    Unit,
)

# What a 64-bit balance column holds.
BALANCE_MIN, BALANCE_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: a positive amount credits the account, negative debits it."""

    account: Account
    amount: int


def transfer_post(
    *,
    legs: Sequence[Leg],
    kind: str,
    reason: str,
    operator: Person | None,
    books: Collection[int],
    on_behalf_of: Person | None = None,
    exchange: Exchange | None = None,
    listing: Listing | None = None,
    group: GroupExchange | None = None,
    reverses: Transfer | None = None,
    occurred_at: datetime | None = None,
) -> Transfer:
    """The one door to the ledger. Locks every account row (select_for_update, in id order,
    so two transfers cannot deadlock), checks limits, writes the transfer and its entries
    and moves the cached balances, all in one transaction.

    ``books`` are the ids of the organisations whose accounts the caller may touch, worked
    out by the calling service from the viewer's permissions (both banks for an exchange
    under an agreement); a leg in any other bank's books is refused as not found."""
    if kind not in TransferKind.values:
        raise InvalidInput("kind", f"“{kind}” is not a kind of transfer.")
    if not reason.strip():
        raise InvalidInput("reason", "Say what the transfer is for.")
    if len(legs) < 2:
        raise InvalidInput(None, "A transfer moves time between at least two accounts.")
    deltas: dict[int, int] = {}
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise InvalidInput("amount", "Each amount must be a whole number, not zero.")
        if leg.account.pk in deltas:
            raise InvalidInput(None, "You cannot transfer time to yourself.")
        deltas[leg.account.pk] = leg.amount

    locked = _lock(sorted(deltas))
    if len(locked) != len(deltas) or any(a.organisation_id not in books for a in locked):
        raise NotFound("One of the accounts does not exist.")
    units = {account.unit for account in locked}
    if len(units) != 1:
        raise InvalidInput(None, "A transfer cannot mix units (minutes and pence).")
    unit = units.pop()
    by_bank: dict[int, int] = defaultdict(int)
    for account in locked:
        by_bank[account.organisation_id] += deltas[account.pk]
    if any(total != 0 for total in by_bank.values()):
        raise InvalidInput(None, "A transfer's entries must sum to zero in each bank's books.")
    amount = sum(amount for amount in deltas.values() if amount > 0)
    if reverses is None:
        # A reversal undoes what was once allowed, even if the bank has lowered its maximum.
        _check_maximum(locked, amount, unit)

    for account in locked:
        if (
            reverses is None
            and account.kind == AccountKind.MEMBER
            and account.membership_status != MembershipStatus.ACTIVE
        ):
            named = _named(account.pk)
            raise InvalidInput(
                None,
                f"{account_label(named)} is not an active member of {named.organisation.name}.",
            )
    for account in locked:
        new_balance = account.balance + deltas[account.pk]
        if not BALANCE_MIN <= new_balance <= BALANCE_MAX:
            raise InvalidInput("amount", "That would take a balance past what the ledger holds.")
        if account.floor is not None and new_balance < account.floor:
            named = _named(account.pk)
            raise InvalidInput(
                "amount",
                f"{account_label(named)}'s balance would fall below "
                f"{amount_format(account.floor, unit)}, the limit set by "
                f"{named.organisation.name}.",
            )
        if account.ceiling is not None and new_balance > account.ceiling:
            named = _named(account.pk)
            raise InvalidInput(
                "amount",
                f"{account_label(named)}'s balance would rise above "
                f"{amount_format(account.ceiling, unit)}, the limit set by "
                f"{named.organisation.name}.",
            )

    # The transfer belongs to the books of its first debited leg, as the caller ordered it.
    payer_pk = next(leg.account.pk for leg in legs if leg.amount < 0)
    payer_bank = next(account.organisation_id for account in locked if account.pk == payer_pk)
    transfer = Transfer(
        organisation_id=payer_bank,
        kind=kind,
        unit=unit,
        amount=amount,
        operator=operator,
        on_behalf_of=on_behalf_of,
        reason=reason.strip(),
        exchange=exchange,
        listing=listing,
        group=group,
        reverses=reverses,
        occurred_at=occurred_at or timezone.now(),
    )
    transfer.created_at = timezone.now()
    _insert(transfer)
    # The CHECK constraints (and on PostgreSQL the deferred trigger) are the backstop.
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO timebank_entry (transfer_id, account_id, amount) VALUES (%s, %s, %s)",
            [(transfer.pk, pk, amount) for pk, amount in deltas.items()],
        )
        cursor.executemany(
            "UPDATE timebank_account SET balance = balance + %s WHERE id = %s",
            [(amount, pk) for pk, amount in sorted(deltas.items())],
        )
    for leg in legs:
        leg.account.balance += leg.amount
    return transfer


# The posting service's statements are written out once: on this hot path the ORM spends
# longer compiling them than the database spends running them (bench/ledger.py measures
# the posting rate against a raw loop). Values are always parameters, never formatted in.
_LOCK_SQL = (
    "SELECT a.id, a.organisation_id, a.kind, a.unit, a.balance, a.floor, a.ceiling, m.status, "
    "l.max_transfer_minutes, l.max_transfer_pence "
    "FROM timebank_account a LEFT JOIN people_membership m ON m.id = a.membership_id "
    "LEFT JOIN timebank_banklimits l ON l.organisation_id = a.organisation_id "
    "WHERE a.id IN ({placeholders}) ORDER BY a.id"
)
_INSERT_TRANSFER_SQL = (
    "INSERT INTO timebank_transfer (organisation_id, kind, unit, amount, operator_id, "
    "on_behalf_of_id, reason, exchange_id, listing_id, group_id, reverses_id, occurred_at, "
    "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def _lock(account_ids: list[int]) -> list[_Locked]:
    """Read the accounts under a row lock, in id order (PostgreSQL: FOR UPDATE OF the
    account rows only; SQLite: the transaction already holds the write lock, taken by
    BEGIN IMMEDIATE)."""
    sql = _LOCK_SQL.format(placeholders=", ".join(["%s"] * len(account_ids)))
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"
    with connection.cursor() as cursor:
        cursor.execute(sql, account_ids)
        return [_Locked(*row) for row in cursor.fetchall()]


def _insert(transfer: Transfer) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_TRANSFER_SQL,
            [
                transfer.organisation_id,
                transfer.kind,
                transfer.unit,
                transfer.amount,
                transfer.operator_id,
                transfer.on_behalf_of_id,
                transfer.reason,
                transfer.exchange_id,
                transfer.listing_id,
                transfer.group_id,
                transfer.reverses_id,
                adapt(transfer.occurred_at),
                adapt(transfer.created_at),
            ],
        )
        row = cursor.fetchone()
    transfer.pk = row[0]
    transfer._state.adding = False
    transfer._state.db = connection.alias


@dataclass(frozen=True)
class _Locked:
    pk: int
    organisation_id: int
    kind: str
    unit: str
    balance: int
    floor: int | None
    ceiling: int | None
    membership_status: str | None
    max_transfer_minutes: int | None
    max_transfer_pence: int | None

    @property
    def max_transfer(self) -> int:
        """The largest single transfer this account's bank takes in its unit."""
        own = self.max_transfer_pence if self.unit == Unit.PENCE else self.max_transfer_minutes
        return own if own is not None else DEFAULT_MAX_TRANSFER[self.unit]


def _check_maximum(locked: Sequence[_Locked], amount: int, unit: str) -> None:
    over = [account for account in locked if amount > account.max_transfer]
    if over:
        tightest = min(over, key=lambda account: account.max_transfer)
        bank = Organisation.objects.only("name").get(pk=tightest.organisation_id)
        raise InvalidInput(
            "amount",
            f"A single transfer cannot be more than "
            f"{amount_format(tightest.max_transfer, unit)}, the limit set by {bank.name}.",
        )


def _named(account_id: int) -> Account:
    return Account.objects.select_related("organisation", "membership__person").get(pk=account_id)
