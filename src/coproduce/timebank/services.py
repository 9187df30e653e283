"""Every write to the time bank. Each public function is one transaction that checks
permission, validates, writes and records what happened.

``transfer_post`` is the only function that writes ledger entries or changes a balance
(STYLE 3); every other service that moves time builds legs and calls it.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import (
    Area,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
)
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer
from coproduce.people.services import history_record
from coproduce.timebank import notices
from coproduce.timebank.amounts import amount_format
from coproduce.timebank.models import (
    DEFAULT_MAX_TRANSFER,
    HARD_MAX_TRANSFER,
    MAX_EXCHANGE_MINUTES,
    Account,
    AccountKind,
    AgeGroup,
    Agreement,
    BankLimits,
    Category,
    Exchange,
    ExchangeStatus,
    GroupDirection,
    GroupExchange,
    LimitChange,
    Listing,
    ListingKind,
    ListingStatus,
    Redemption,
    RedemptionCode,
    RedemptionCodeMiss,
    Reward,
    Transfer,
    TransferKind,
    Unit,
)
from coproduce.web.forms import DateWindow

# An exchange is arranged for the coming year, or recorded up to a year after it happened.
EXCHANGE_DATES = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=365),
    latest=lambda: timezone.localdate() + timedelta(days=365),
    message="Choose a date from {earliest} to {latest}.",
)

# A member's code for spending credits at a partner: six digits, for ten minutes, once.
# Five wrong codes for one membership within fifteen minutes shut the desks out until the
# oldest of them is fifteen minutes old.
REDEMPTION_CODE_DIGITS = 6
REDEMPTION_CODE_LIFETIME = timedelta(minutes=10)
REDEMPTION_CODE_MISSES = 5
REDEMPTION_CODE_MISS_WINDOW = timedelta(minutes=15)
# A new bank lets members go ten hours into debt before it asks them to give some time.
DEFAULT_MEMBER_FLOOR = -600
DEFAULT_MEMBER_CEILING: int | None = None
REMIND_AFTER = timedelta(days=3)
# The bank's own accounts a transfer keyed by hand may start or end in.
OWN_ACCOUNT_KINDS = (AccountKind.AGENCY, AccountKind.POT)
# Reward.monthly_cap is a small integer column.
MAX_MONTHLY_CAP = 1000
# What a 64-bit balance column holds.
BALANCE_MIN, BALANCE_MAX = -(2**63), 2**63 - 1


# --- the ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: a positive amount credits the account, negative debits it."""

    account: Account
    amount: int


def account_label(account: Account) -> str:
    if account.kind == AccountKind.MEMBER and account.membership is not None:
        return account.membership.person.display_name
    return account.name


def _member_active(account: Account) -> bool:
    return account.membership is not None and account.membership.status == (MembershipStatus.ACTIVE)


@transaction.atomic
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


def _bank_limits(organisation: Organisation) -> tuple[int | None, int | None]:
    limits = BankLimits.objects.filter(organisation=organisation).first()
    if limits is None:
        return DEFAULT_MEMBER_FLOOR, DEFAULT_MEMBER_CEILING
    return limits.member_floor, limits.member_ceiling


def member_account(membership: Membership, unit: str = Unit.MINUTES) -> Account:
    """The membership's account, opened with the bank's limits the first time it is needed.
    Call inside a service's transaction."""
    account = (
        Account.objects.select_related("membership__person", "organisation")
        .filter(membership=membership, unit=unit)
        .first()
    )
    if account is not None:
        return account
    if unit == Unit.MINUTES:
        floor, ceiling = _bank_limits(membership.organisation)
        own_limits = False
    else:
        # The bank's limits are in hours. Money is never overdrawn, and a coordinator sets
        # any other limit on the account itself.
        floor, ceiling, own_limits = 0, None, True
    account, _ = Account.objects.get_or_create(
        membership=membership,
        unit=unit,
        defaults={
            "organisation_id": membership.organisation_id,
            "kind": AccountKind.MEMBER,
            "name": _member_account_name(membership),
            "floor": floor,
            "ceiling": ceiling,
            "own_limits": own_limits,
        },
    )
    return account


def _member_account_name(membership: Membership) -> str:
    """``Ada Lovelace (HOL00042)``, the name cut so the whole fits the column (a 200-character
    name is allowed, and PostgreSQL refuses a longer value where SQLite would store it)."""
    suffix = f" ({membership.number})"
    room = Account._meta.get_field("name").max_length - len(suffix)  # type: ignore[operator]
    return membership.person.display_name[:room].rstrip() + suffix


def member_accounts_open(memberships: Sequence[Membership]) -> None:
    """The time bank's hook on the membership door (people.activation): every membership
    that becomes active has its hours account from that moment, opened with its bank's
    limits. Idempotent, and a bulk insert for seeding's batches; runs in the door's
    transaction."""
    have = set(
        Account.objects.filter(
            membership_id__in=[membership.pk for membership in memberships], unit=Unit.MINUTES
        ).values_list("membership_id", flat=True)
    )
    missing = [membership for membership in memberships if membership.pk not in have]
    if not missing:
        return
    limits = {
        row.organisation_id: (row.member_floor, row.member_ceiling)
        for row in BankLimits.objects.filter(
            organisation_id__in={membership.organisation_id for membership in missing}
        )
    }
    defaults = (DEFAULT_MEMBER_FLOOR, DEFAULT_MEMBER_CEILING)
    Account.objects.bulk_create(
        [
            Account(
                organisation_id=membership.organisation_id,
                kind=AccountKind.MEMBER,
                unit=Unit.MINUTES,
                membership=membership,
                name=_member_account_name(membership),
                floor=limits.get(membership.organisation_id, defaults)[0],
                ceiling=limits.get(membership.organisation_id, defaults)[1],
                own_limits=False,
            )
            for membership in missing
        ],
        batch_size=1000,
    )


def organisation_account(
    organisation: Organisation, kind: str, unit: str = Unit.MINUTES
) -> Account:
    """The bank's agency account, community pot, issuing account or dividend account (no
    limits: the bank answers for them). Call inside a service's transaction."""
    names = {
        AccountKind.AGENCY: "agency account",
        AccountKind.POT: "community pot",
        AccountKind.ISSUING: "issued time credits",
        AccountKind.DIVIDEND: "dividends paid",
    }
    account, _ = Account.objects.get_or_create(
        organisation=organisation,
        kind=kind,
        unit=unit,
        defaults={"name": f"{organisation.name} {names[AccountKind(kind)]}"},
    )
    return account


def area_pot_account(organisation: Organisation, area: Area, unit: str = Unit.PENCE) -> Account:
    """An area's community pot in ``organisation``'s books. Its floor is zero: a pot never
    pays out more than it holds. Call inside a service's transaction."""
    account, _ = Account.objects.get_or_create(
        organisation=organisation,
        kind=AccountKind.AREA_POT,
        area=area,
        unit=unit,
        defaults={"name": f"{area.name} community pot ({organisation.name})", "floor": 0},
    )
    return account


def delivery_account_open(
    *, organisation: Organisation, name: str, unit: str = Unit.PENCE
) -> Account:
    """A new account in ``organisation``'s books for what one funded project has spent
    (floor zero); the caller keeps the link to its project. Call inside a service's
    transaction."""
    return Account.objects.create(
        organisation=organisation, kind=AccountKind.DELIVERY, unit=unit, name=name[:200], floor=0
    )


def counterparty_account(
    bank: Organisation, kind: str, counterparty: Organisation, unit: str = Unit.MINUTES
) -> Account:
    """A partner's account, or the clearing account for another bank, in ``bank``'s books."""
    label = "clearing with" if kind == AccountKind.CLEARING else "partner"
    account, _ = Account.objects.get_or_create(
        organisation=bank,
        kind=kind,
        counterparty=counterparty,
        unit=unit,
        defaults={"name": f"{counterparty.name} ({label}, {bank.name})"},
    )
    return account


def _positive_minutes(minutes: int, *, field: str = "minutes") -> int:
    if minutes <= 0:
        raise InvalidInput(field, "The hours must be more than zero.")
    if minutes > MAX_EXCHANGE_MINUTES:
        raise InvalidInput(field, "One exchange cannot be more than 24 hours.")
    return minutes


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
    """Post the mirror image of a transfer. Locks the original so it is reversed once."""
    original = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=transfer_id)
        .first()
    )
    if original is None:
        raise NotFound()
    entries = list(original.entries.select_related("account__membership__person"))
    # A cross-bank transfer touches two banks' books: a coordinator of either may reverse it.
    banks = sorted({entry.account.organisation_id for entry in entries})
    permissions.check_any(viewer, "timebank.coordinate", banks, action="reverse transfers")
    if original.kind == TransferKind.REVERSAL:
        raise InvalidInput(None, "A reversal cannot be reversed. Post a new transfer instead.")
    if Transfer.objects.filter(reverses=original).exists():
        raise Conflict("This transfer has already been reversed.")
    if not reason.strip():
        raise InvalidInput("reason", "Say why the transfer is being reversed.")
    reversal = transfer_post(
        legs=[Leg(entry.account, -entry.amount) for entry in entries],
        kind=TransferKind.REVERSAL,
        reason=reason,
        operator=viewer.person,
        books=_reversal_books(viewer, original, banks),
        on_behalf_of=original.on_behalf_of,
        exchange=original.exchange,
        listing=original.listing,
        group=original.group,
        reverses=original,
    )
    history_record(
        actor=viewer.person,
        organisation=original.organisation,
        action="timebank.transfer_reversed",
        subject=original,
        detail={"reversal": reversal.pk, "reason": reason.strip()},
    )
    return reversal


def _reversal_books(viewer: Viewer, original: Transfer, banks: Sequence[int]) -> set[int]:
    """The banks the viewer coordinates; for an exchange across an agreement, both banks."""
    books = {bank for bank in banks if permissions.may(viewer, "timebank.coordinate", bank)}
    if original.kind == TransferKind.CROSS_BANK and len(banks) == 2:
        first, second = Organisation.objects.filter(pk__in=banks).order_by("pk")
        if agreement_between(first, second) is not None:
            books.update(banks)
    return books


# --- limits ----------------------------------------------------------------------------------


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
    previous_floor, previous_ceiling = _bank_limits(organisation)
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
        floor, ceiling = _bank_limits(account.organisation)
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
    floor, ceiling = _bank_limits(organisation)
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


# --- offers and requests ---------------------------------------------------------------------


def _active_membership(viewer: Viewer, organisation: Organisation) -> Membership:
    permissions.check(
        viewer, "timebank.take_part", organisation.pk, action="take part in the time bank"
    )
    if viewer.person is None:
        raise NotFound()
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(
            person=viewer.person,
            organisation=organisation,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def _listing_fields(
    *, kind: str, title: str, category: str, availability: str
) -> tuple[str, str, str]:
    if kind not in ListingKind.values:
        raise InvalidInput("kind", "Choose an offer or a request.")
    title = title.strip()
    if not title:
        raise InvalidInput("title", "Enter a short title, like “Help with the garden”.")
    if len(title) > 120:
        raise InvalidInput("title", "Keep the title under 120 characters.")
    if category not in Category.values:
        raise InvalidInput("category", "Choose a category.")
    if len(availability) > 200:
        raise InvalidInput("availability", "Keep availability under 200 characters.")
    return kind, title, category


@transaction.atomic
def listing_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    kind: str,
    title: str,
    category: str,
    description: str = "",
    area: Area | None = None,
    availability: str = "",
    needs_vetted_helper: bool = False,
    created_at: datetime | None = None,
) -> Listing:
    membership = _active_membership(viewer, organisation)
    kind, title, category = _listing_fields(
        kind=kind, title=title, category=category, availability=availability
    )
    listing = Listing.objects.create(
        membership=membership,
        organisation=organisation,
        kind=kind,
        title=title,
        description=description.strip(),
        category=category,
        area=area,
        availability=availability.strip(),
        needs_vetted_helper=needs_vetted_helper,
        created_at=created_at or timezone.now(),
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.listing_created",
        subject=listing,
    )
    return listing


def _locked_listing_for_owner(viewer: Viewer, listing_id: int) -> Listing:
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("membership", "organisation")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound()
    if viewer.person_id != listing.membership.person_id:
        permissions.check(
            viewer,
            "timebank.coordinate",
            listing.organisation_id,
            action="change someone else's offer or request",
        )
    return listing


@transaction.atomic
def listing_update(
    *,
    viewer: Viewer,
    listing_id: int,
    title: str,
    category: str,
    description: str = "",
    area: Area | None = None,
    availability: str = "",
    needs_vetted_helper: bool = False,
) -> Listing:
    listing = _locked_listing_for_owner(viewer, listing_id)
    _, title, category = _listing_fields(
        kind=listing.kind, title=title, category=category, availability=availability
    )
    listing.title, listing.category = title, category
    listing.description = description.strip()
    listing.area = area
    listing.availability = availability.strip()
    listing.needs_vetted_helper = needs_vetted_helper
    listing.save()
    history_record(
        actor=viewer.person,
        organisation=listing.organisation,
        action="timebank.listing_updated",
        subject=listing,
    )
    return listing


@transaction.atomic
def listing_status_set(*, viewer: Viewer, listing_id: int, status: str) -> Listing:
    listing = _locked_listing_for_owner(viewer, listing_id)
    if status not in ListingStatus.values:
        raise InvalidInput("status", "Choose active, paused or closed.")
    if listing.status == ListingStatus.CLOSED:
        raise Conflict("This has been closed. Post a new one instead.")
    listing.status = status
    listing.save(update_fields=["status", "updated_at"])
    history_record(
        actor=viewer.person,
        organisation=listing.organisation,
        action="timebank.listing_status_set",
        subject=listing,
        detail={"status": status},
    )
    return listing


# --- agreements between banks ----------------------------------------------------------------


def agreement_between(first: Organisation, second: Organisation) -> Agreement | None:
    low, high = sorted([first.pk, second.pk])
    return Agreement.objects.filter(first_id=low, second_id=high, signed_at__isnull=False).first()


def _no_agreement(first: Organisation, second: Organisation) -> InvalidInput:
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


# --- exchanges -------------------------------------------------------------------------------


def _inactive(membership: Membership) -> InvalidInput:
    return InvalidInput(
        None,
        f"{membership.person.display_name} is not an active member of "
        f"{membership.organisation.name}.",
    )


@transaction.atomic
def exchange_propose(
    *,
    viewer: Viewer,
    provider: Membership,
    receiver: Membership,
    minutes: int,
    description: str,
    listing: Listing | None = None,
    scheduled_for: datetime | None = None,
    created_at: datetime | None = None,
) -> Exchange:
    """Propose that ``provider`` gives ``receiver`` some time. The viewer is one of them, or
    a coordinator of either bank arranging it for them."""
    party = viewer.person_id in {provider.person_id, receiver.person_id}
    if party:
        own = provider if provider.person_id == viewer.person_id else receiver
        permissions.check(
            viewer, "timebank.take_part", own.organisation_id, action="propose exchanges"
        )
    else:
        permissions.check_any(
            viewer,
            "timebank.coordinate",
            [provider.organisation_id, receiver.organisation_id],
            action="arrange exchanges for others",
        )
    _positive_minutes(minutes)
    if scheduled_for is not None and (problem := EXCHANGE_DATES.problem(scheduled_for)):
        raise InvalidInput("scheduled_for", problem)
    if provider.person_id == receiver.person_id:
        raise InvalidInput(None, "You cannot exchange time with yourself.")
    for membership in (provider, receiver):
        if membership.status != MembershipStatus.ACTIVE:
            raise _inactive(membership)
    if provider.organisation_id != receiver.organisation_id and (
        agreement_between(provider.organisation, receiver.organisation) is None
    ):
        raise _no_agreement(receiver.organisation, provider.organisation)
    if not description.strip():
        raise InvalidInput("description", "Say what the exchange is for.")
    if listing is not None:
        if listing.status != ListingStatus.ACTIVE:
            raise InvalidInput("listing", "That offer or request is no longer active.")
        owner = provider if listing.kind == ListingKind.OFFER else receiver
        if listing.membership_id != owner.pk:
            raise InvalidInput("listing", "That offer or request belongs to someone else.")
    assert viewer.person is not None
    exchange = Exchange.objects.create(
        organisation_id=receiver.organisation_id,
        listing=listing,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        description=description.strip(),
        scheduled_for=scheduled_for,
        proposed_by=viewer.person,
        created_at=created_at or timezone.now(),
    )
    history_record(
        actor=viewer.person,
        organisation=exchange.organisation,
        action="timebank.exchange_proposed",
        subject=exchange,
        detail={"minutes": minutes},
    )
    notices.exchange_notify(exchange=exchange, event=notices.EXCHANGE_PROPOSED, actor=viewer.person)
    return exchange


def _locked_exchange(viewer: Viewer, exchange_id: int) -> tuple[Exchange, str]:
    """The exchange, locked, and the viewer's part in it: provider, receiver or
    coordinator. Anyone else gets 404."""
    exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related(
            "provider__person",
            "provider__organisation",
            "receiver__person",
            "receiver__organisation",
            "organisation",
        )
        .filter(pk=exchange_id)
        .first()
    )
    if exchange is None:
        raise NotFound()
    if viewer.person_id == exchange.provider.person_id and viewer.role_in(
        exchange.provider.organisation_id
    ):
        return exchange, "provider"
    if viewer.person_id == exchange.receiver.person_id and viewer.role_in(
        exchange.receiver.organisation_id
    ):
        return exchange, "receiver"
    orgs = [exchange.provider.organisation_id, exchange.receiver.organisation_id]
    if any(permissions.may(viewer, "timebank.coordinate", org) for org in orgs):
        return exchange, "coordinator"
    permissions.check_any(viewer, "timebank.coordinate", orgs, action="see this exchange")
    raise NotFound()  # pragma: no cover - check_any always raises here


def _require_status(exchange: Exchange, *allowed: str) -> None:
    if exchange.status not in allowed:
        raise Conflict(f"This exchange is {exchange.get_status_display().lower()}.")


def _other_party(exchange: Exchange, person_id: int | None) -> Person:
    if person_id == exchange.provider.person_id:
        return exchange.receiver.person
    return exchange.provider.person


_NOTICE_FOR_ACTION = {
    "accepted": notices.EXCHANGE_ACCEPTED,
    "declined": notices.EXCHANGE_DECLINED,
    "cancelled": notices.EXCHANGE_DECLINED,
    "claimed": notices.EXCHANGE_CLAIMED,
    "confirmed": notices.EXCHANGE_CONFIRMED,
}


def _finish(exchange: Exchange, viewer: Viewer, action: str, **detail: object) -> Exchange:
    exchange.save()
    history_record(
        actor=viewer.person,
        organisation=exchange.organisation,
        action=f"timebank.exchange_{action}",
        subject=exchange,
        detail=dict(detail),
    )
    if action in _NOTICE_FOR_ACTION:
        notices.exchange_notify(
            exchange=exchange, event=_NOTICE_FOR_ACTION[action], actor=viewer.person
        )
    return exchange


@transaction.atomic
def exchange_accept(*, viewer: Viewer, exchange_id: int) -> Exchange:
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.PROPOSED)
    if part != "coordinator" and viewer.person_id == exchange.proposed_by_id:
        other = _other_party(exchange, viewer.person_id)
        raise PermissionDenied(f"{other.display_name} needs to accept this exchange.")
    exchange.status = ExchangeStatus.ACCEPTED
    return _finish(exchange, viewer, "accepted")


@transaction.atomic
def exchange_decline(*, viewer: Viewer, exchange_id: int, reason: str = "") -> Exchange:
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.PROPOSED)
    if part != "coordinator" and viewer.person_id == exchange.proposed_by_id:
        raise PermissionDenied("You proposed this exchange: cancel it instead.")
    exchange.status = ExchangeStatus.DECLINED
    exchange.note = reason.strip()
    exchange.closed_by = viewer.person
    return _finish(exchange, viewer, "declined")


@transaction.atomic
def exchange_cancel(*, viewer: Viewer, exchange_id: int, reason: str = "") -> Exchange:
    exchange, _part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.PROPOSED, ExchangeStatus.ACCEPTED)
    exchange.status = ExchangeStatus.CANCELLED
    exchange.note = reason.strip()
    exchange.closed_by = viewer.person
    return _finish(exchange, viewer, "cancelled")


@transaction.atomic
def exchange_claim(
    *, viewer: Viewer, exchange_id: int, minutes: int, at: datetime | None = None
) -> Exchange:
    """Either side says it happened and how long it took; the other side confirms."""
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.ACCEPTED)
    if part == "coordinator":
        raise PermissionDenied(
            "One of the two people claims the hours; a coordinator confirms them."
        )
    exchange.claimed_minutes = _positive_minutes(minutes)
    exchange.claimed_by = viewer.person
    exchange.claimed_at = at or timezone.now()
    exchange.status = ExchangeStatus.CLAIMED
    return _finish(exchange, viewer, "claimed", minutes=minutes)


def _exchange_post(
    exchange: Exchange, minutes: int, operator: Person | None, at: datetime | None = None
) -> Transfer:
    provider, receiver = exchange.provider, exchange.receiver
    for membership in (provider, receiver):
        if membership.status != MembershipStatus.ACTIVE:
            raise _inactive(membership)
    if provider.organisation_id == receiver.organisation_id:
        legs = [
            Leg(member_account(receiver), -minutes),
            Leg(member_account(provider), minutes),
        ]
        kind = TransferKind.EXCHANGE
    else:
        # Each bank stays zero-sum on its own: the receiver's bank owes the provider's bank,
        # recorded in both banks' clearing accounts.
        if agreement_between(provider.organisation, receiver.organisation) is None:
            raise _no_agreement(receiver.organisation, provider.organisation)
        legs = [
            Leg(member_account(receiver), -minutes),
            Leg(
                counterparty_account(
                    receiver.organisation, AccountKind.CLEARING, provider.organisation
                ),
                minutes,
            ),
            Leg(
                counterparty_account(
                    provider.organisation, AccountKind.CLEARING, receiver.organisation
                ),
                -minutes,
            ),
            Leg(member_account(provider), minutes),
        ]
        kind = TransferKind.CROSS_BANK
    return transfer_post(
        legs=legs,
        kind=kind,
        reason=exchange.description,
        operator=operator,
        # The two banks of an exchange under an agreement (checked above), or the one bank.
        books={provider.organisation_id, receiver.organisation_id},
        on_behalf_of=receiver.person,
        exchange=exchange,
        listing=exchange.listing,
        occurred_at=at or exchange.claimed_at,
    )


@transaction.atomic
def exchange_confirm(*, viewer: Viewer, exchange_id: int, at: datetime | None = None) -> Exchange:
    """The other party (or a coordinator) confirms the claimed hours; posts one transfer."""
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.CLAIMED)
    if part != "coordinator" and viewer.person_id == exchange.claimed_by_id:
        other = _other_party(exchange, viewer.person_id)
        raise PermissionDenied(
            f"Only {other.display_name}, the other party to this exchange, or a coordinator "
            "can confirm it."
        )
    assert exchange.claimed_minutes is not None
    _exchange_post(exchange, exchange.claimed_minutes, viewer.person, at)
    exchange.status = ExchangeStatus.POSTED
    exchange.confirmed_by = viewer.person
    return _finish(exchange, viewer, "confirmed", minutes=exchange.claimed_minutes)


@transaction.atomic
def exchange_dispute(*, viewer: Viewer, exchange_id: int, reason: str) -> Exchange:
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.CLAIMED)
    if part != "coordinator" and viewer.person_id == exchange.claimed_by_id:
        raise PermissionDenied("You claimed these hours, so you cannot dispute them.")
    if not reason.strip():
        raise InvalidInput("reason", "Say what is wrong, so a coordinator can help.")
    exchange.status = ExchangeStatus.DISPUTED
    exchange.note = reason.strip()
    return _finish(exchange, viewer, "disputed", reason=reason.strip())


class Resolution:
    POST = "post"
    ADJUST = "adjust"
    CANCEL = "cancel"
    CHOICES = (
        (POST, "Post the hours claimed"),
        (ADJUST, "Post a different number of hours"),
        (CANCEL, "Cancel the exchange"),
    )


@transaction.atomic
def exchange_resolve(
    *,
    viewer: Viewer,
    exchange_id: int,
    outcome: str,
    note: str,
    minutes: int | None = None,
) -> Exchange:
    """A coordinator settles a dispute: post the claim, post adjusted hours, or cancel."""
    exchange, part = _locked_exchange(viewer, exchange_id)
    if part != "coordinator":
        raise PermissionDenied("Only a coordinator can resolve a disputed exchange.")
    _require_status(exchange, ExchangeStatus.DISPUTED)
    if not note.strip():
        raise InvalidInput("note", "Say how the dispute was resolved.")
    exchange.resolution = note.strip()
    exchange.closed_by = viewer.person
    if outcome == Resolution.CANCEL:
        exchange.status = ExchangeStatus.CANCELLED
        return _finish(exchange, viewer, "resolved", outcome=outcome)
    if outcome == Resolution.ADJUST:
        if minutes is None:
            raise InvalidInput("minutes", "Enter the hours to post.")
        exchange.claimed_minutes = _positive_minutes(minutes)
    elif outcome != Resolution.POST:
        raise InvalidInput("outcome", "Choose post, adjust or cancel.")
    assert exchange.claimed_minutes is not None
    _exchange_post(exchange, exchange.claimed_minutes, viewer.person)
    exchange.status = ExchangeStatus.POSTED
    exchange.confirmed_by = viewer.person
    return _finish(exchange, viewer, "resolved", outcome=outcome)


def exchange_reminders_send(*, now: datetime | None = None) -> int:
    """Email the other party of each exchange claimed over three days ago and not yet
    confirmed (and not reminded in the last three days). Returns how many were sent."""
    now = now or timezone.now()
    cutoff = now - REMIND_AFTER
    due = (
        Exchange.objects.filter(status=ExchangeStatus.CLAIMED, claimed_at__lt=cutoff)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=cutoff))
        .select_related("provider__person", "receiver__person", "claimed_by")
        .order_by("pk")
    )
    sent = 0
    for exchange in due:
        with transaction.atomic():
            other = _other_party(exchange, exchange.claimed_by_id)
            if other.email:
                claimer = exchange.claimed_by.display_name if exchange.claimed_by else "Someone"
                send_mail(
                    subject="Please confirm the hours of your time bank exchange",
                    message=(
                        f"{claimer} recorded {amount_format(exchange.claimed_minutes or 0)} "
                        f"for “{exchange.description}”. Please confirm or dispute it on "
                        "your time bank dashboard."
                    ),
                    from_email=None,
                    recipient_list=[other.email],
                )
                sent += 1
            Exchange.objects.filter(pk=exchange.pk).update(reminded_at=now)
    return sent


# --- group sessions, the organisation's own accounts and issued credits ------------------------


@transaction.atomic
def group_exchange_record(
    *,
    viewer: Viewer,
    organisation: Organisation,
    participants: Sequence[Membership],
    minutes_each: int,
    direction: str,
    description: str,
    host: Membership | None = None,
    occurred_at: datetime | None = None,
) -> GroupExchange:
    """A group session posted as one transfer: one bad leg (an inactive member, a limit)
    and nothing is posted. With no host, the organisation's agency account is the host."""
    permissions.check(viewer, "timebank.broker", organisation.pk, action="record group sessions")
    _positive_minutes(minutes_each, field="minutes_each")
    if direction not in GroupDirection.values:
        raise InvalidInput("direction", "Choose who gives the time.")
    if not participants:
        raise InvalidInput("participants", "Choose at least one participant.")
    if not description.strip():
        raise InvalidInput("description", "Say what the session was.")
    people = [membership.person_id for membership in participants]
    if len(set(people)) != len(people):
        raise InvalidInput("participants", "Each participant can be listed only once.")
    if host is not None and host.person_id in people:
        raise InvalidInput("participants", "You cannot transfer time to yourself.")
    for membership in [*participants, *([host] if host else [])]:
        if membership.organisation_id != organisation.pk:
            raise InvalidInput(
                "participants",
                f"{membership.person.display_name} is not a member of {organisation.name}.",
            )
    assert viewer.person is not None
    group = GroupExchange.objects.create(
        organisation=organisation,
        host=host,
        direction=direction,
        minutes_each=minutes_each,
        description=description.strip(),
        recorded_by=viewer.person,
        occurred_at=occurred_at or timezone.now(),
    )
    group.participants.set(participants)
    hub = member_account(host) if host else organisation_account(organisation, AccountKind.AGENCY)
    sign = 1 if direction == GroupDirection.HUB_PAYS else -1
    legs = [Leg(member_account(m), sign * minutes_each) for m in participants]
    legs.append(Leg(hub, -sign * minutes_each * len(participants)))
    transfer_post(
        legs=legs,
        kind=TransferKind.GROUP,
        reason=description,
        operator=viewer.person,
        books={organisation.pk},
        group=group,
        occurred_at=group.occurred_at,
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.group_recorded",
        subject=group,
        detail={"participants": len(participants), "minutes_each": minutes_each},
    )
    return group


class AgencyDirection:
    TO_ORGANISATION = "to_organisation"
    FROM_ORGANISATION = "from_organisation"
    CHOICES = (
        (TO_ORGANISATION, "The person gave time to the organisation"),
        (FROM_ORGANISATION, "The organisation gave time to the person"),
    )


@transaction.atomic
def agency_time_record(
    *,
    viewer: Viewer,
    membership: Membership,
    minutes: int,
    direction: str,
    reason: str,
    occurred_at: datetime | None = None,
) -> Transfer:
    """Staff or a member gave time to the organisation (they earn, the agency account
    pays), or the organisation gave time back (the agency account earns)."""
    permissions.check(
        viewer,
        "timebank.broker",
        membership.organisation_id,
        action="record time given with the organisation",
    )
    _positive_minutes(minutes)
    if direction not in {AgencyDirection.TO_ORGANISATION, AgencyDirection.FROM_ORGANISATION}:
        raise InvalidInput("direction", "Choose who gave the time.")
    person_account = member_account(membership)
    agency = organisation_account(membership.organisation, AccountKind.AGENCY)
    sign = 1 if direction == AgencyDirection.TO_ORGANISATION else -1
    transfer = transfer_post(
        legs=[Leg(person_account, sign * minutes), Leg(agency, -sign * minutes)],
        kind=TransferKind.AGENCY,
        reason=reason,
        operator=viewer.person,
        books={membership.organisation_id},
        on_behalf_of=membership.person,
        occurred_at=occurred_at,
    )
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="timebank.agency_time_recorded",
        subject=transfer,
        detail={"minutes": minutes, "direction": direction},
    )
    return transfer


@transaction.atomic
def credit_award(
    *,
    viewer: Viewer,
    membership: Membership,
    minutes: int,
    reason: str,
    occurred_at: datetime | None = None,
) -> Transfer:
    """The organisation issues time credits for a contribution, such as running a group."""
    permissions.check(
        viewer, "timebank.broker", membership.organisation_id, action="award time credits"
    )
    _positive_minutes(minutes)
    transfer = transfer_post(
        legs=[
            Leg(organisation_account(membership.organisation, AccountKind.ISSUING), -minutes),
            Leg(member_account(membership), minutes),
        ],
        kind=TransferKind.AWARD,
        reason=reason,
        operator=viewer.person,
        books={membership.organisation_id},
        on_behalf_of=membership.person,
        occurred_at=occurred_at,
    )
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="timebank.credits_awarded",
        subject=transfer,
        detail={"minutes": minutes},
    )
    return transfer


# --- rewards at partners ---------------------------------------------------------------------


@transaction.atomic
def reward_create(
    *,
    viewer: Viewer,
    partner: Organisation,
    bank: Organisation,
    name: str,
    credits: int,
    restrictions: str = "",
    off_peak_only: bool = False,
    age_group: str = AgeGroup.ANYONE,
    monthly_cap: int | None = None,
) -> Reward:
    permissions.check(viewer, "timebank.manage_rewards", partner.pk, action="list rewards")
    if bank.kind != OrganisationKind.TIME_BANK:
        raise InvalidInput("bank", "Choose the time bank whose credits you accept.")
    name = name.strip()
    if not name:
        raise InvalidInput("name", "Enter the reward's name, like “Off-peak swim”.")
    if credits <= 0:
        raise InvalidInput("credits", "A reward costs more than zero credits.")
    # Redeeming moves the credits in one transfer: it cannot cost more than one may carry.
    most = max_transfer(bank.pk, Unit.MINUTES)
    if credits > most:
        raise InvalidInput(
            "credits",
            f"A reward cannot cost more than {amount_format(most)}, the largest single "
            f"transfer {bank.name} allows.",
        )
    if age_group not in AgeGroup.values:
        raise InvalidInput("age_group", "Choose who the reward is for.")
    if monthly_cap is not None and not 0 < monthly_cap <= MAX_MONTHLY_CAP:
        raise InvalidInput(
            "monthly_cap", f"The monthly cap must be from 1 to {MAX_MONTHLY_CAP}, or left empty."
        )
    reward = Reward.objects.create(
        partner=partner,
        bank=bank,
        name=name[:120],
        credits=credits,
        restrictions=restrictions.strip(),
        off_peak_only=off_peak_only,
        age_group=age_group,
        monthly_cap=monthly_cap,
    )
    counterparty_account(bank, AccountKind.PARTNER, partner)
    history_record(
        actor=viewer.person, organisation=partner, action="timebank.reward_created", subject=reward
    )
    return reward


@transaction.atomic
def reward_active_set(*, viewer: Viewer, reward_id: int, active: bool) -> Reward:
    reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    permissions.check(viewer, "timebank.manage_rewards", reward.partner_id, action="do that")
    reward.is_active = active
    reward.save(update_fields=["is_active"])
    history_record(
        actor=viewer.person,
        action="timebank.reward_active_set",
        subject=reward,
        detail={"active": active},
    )
    return reward


def is_off_peak(at: datetime) -> bool:
    """Off-peak is Monday to Friday before five in the afternoon, local time."""
    local = timezone.localtime(at)
    return local.weekday() < 5 and local.hour < 17


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _redemption_code_hash(membership_id: int, code: str) -> str:
    # Keyed by the site's secret and the membership: a copy of the table alone does not let
    # anyone try the million six-digit codes against it.
    return salted_hmac(
        "coproduce.timebank.RedemptionCode", f"{membership_id}:{code}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def redemption_code_issue(*, viewer: Viewer, organisation_id: int) -> tuple[RedemptionCode, str]:
    """A member asks for a one-time code to spend credits at a partner of their bank. Returns
    the code's record and the code itself, which is shown to the member once and stored only
    as a hash; any earlier open code of theirs stops working. Locks the membership row so
    two requests at once leave one open code."""
    permissions.check(
        viewer, "timebank.take_part", organisation_id, action="spend credits at partners"
    )
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .filter(
            person_id=viewer.person_id or 0,
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    now = timezone.now()
    RedemptionCode.objects.filter(
        membership=membership, used_at__isnull=True, replaced_at__isnull=True
    ).update(replaced_at=now)
    code = f"{secrets.randbelow(10**REDEMPTION_CODE_DIGITS):0{REDEMPTION_CODE_DIGITS}d}"
    row = RedemptionCode.objects.create(
        membership=membership,
        code_hash=_redemption_code_hash(membership.pk, code),
        issued_at=now,
        expires_at=now + REDEMPTION_CODE_LIFETIME,
    )
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="timebank.redemption_code_issued",
        subject=row,
    )
    return row, code


def _redemption_code_check(
    *, viewer: Viewer, membership: Membership, partner: Organisation, code: str
) -> RedemptionCode | InvalidInput:
    """The member's open code that matches ``code``, locked for this redemption; or, for a
    wrong code, the refusal to give once the miss is recorded. Call inside the redemption's
    transaction."""
    now = timezone.now()
    misses = list(
        RedemptionCodeMiss.objects.filter(
            membership=membership, entered_at__gt=now - REDEMPTION_CODE_MISS_WINDOW
        )
        .order_by("-entered_at")
        .values_list("entered_at", flat=True)[:REDEMPTION_CODE_MISSES]
    )
    if len(misses) >= REDEMPTION_CODE_MISSES:
        free_at = timezone.localtime(misses[-1] + REDEMPTION_CODE_MISS_WINDOW)
        raise Conflict(
            f"Too many wrong redemption codes have been typed for membership "
            f"{membership.number}. Try again after {free_at:%H:%M}, with a new code from the "
            f"member."
        )
    typed = "".join(code.split()).replace("-", "")
    if not typed:
        raise InvalidInput(
            "code",
            "Enter the member's redemption code: the 6 digits on their time bank page.",
        )
    row = (
        RedemptionCode.objects.select_for_update(of=("self",))
        .filter(membership=membership, code_hash=_redemption_code_hash(membership.pk, typed))
        .order_by("-issued_at", "-pk")
        .first()
    )
    if row is None:
        assert viewer.person is not None
        RedemptionCodeMiss.objects.create(
            membership=membership, partner=partner, entered_by=viewer.person, entered_at=now
        )
        return InvalidInput(
            "code",
            f"That redemption code is not right for membership {membership.number}. Check it "
            f"with the member, or ask them to get a new one.",
        )
    if row.used_at is not None:
        raise InvalidInput(
            "code", "That redemption code has already been used. Ask the member to get a new one."
        )
    if row.replaced_at is not None:
        raise InvalidInput(
            "code",
            "That redemption code has been replaced by a newer one. Ask the member for "
            "their latest code.",
        )
    if row.expires_at <= now:
        raise InvalidInput(
            "code",
            f"That redemption code has expired (a code lasts "
            f"{REDEMPTION_CODE_LIFETIME.seconds // 60} minutes). Ask the member to get a new "
            f"one.",
        )
    return row


def reward_redeem(
    *,
    viewer: Viewer,
    reward_id: int,
    membership_number: str,
    code: str,
    at: datetime | None = None,
) -> Redemption:
    """Staff at the venue redeem a reward for a member, found by membership number and
    proved by the member's one-time redemption code. Spending moves the credits from the
    member's account to the partner's, and never takes the member below zero.

    The one service whose refusal also writes: a wrong code is remembered (to stop guessing)
    though the redemption is refused, so the transaction is ``_reward_redeem``'s, which
    returns that refusal for this door to raise once the miss is committed."""
    outcome = _reward_redeem(
        viewer=viewer, reward_id=reward_id, membership_number=membership_number, code=code, at=at
    )
    if isinstance(outcome, InvalidInput):
        raise outcome
    return outcome


@transaction.atomic
def _reward_redeem(
    *,
    viewer: Viewer,
    reward_id: int,
    membership_number: str,
    code: str,
    at: datetime | None,
) -> Redemption | InvalidInput:
    reward = Reward.objects.select_related("partner", "bank").filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    permissions.check(viewer, "timebank.redeem", reward.partner_id, action="redeem rewards")
    if not reward.is_active:
        raise Conflict("This reward is no longer offered.")
    at = at or timezone.now()
    number = membership_number_normalise(membership_number)
    # The membership row is locked so that two desks trying codes for one member at once
    # count each other's misses, and redeem one after the other.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .filter(organisation=reward.bank, number=number)
        .first()
    )
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput(
            "membership_number",
            f"No active member of {reward.bank.name} has the number “{number}”.",
        )
    code_row = _redemption_code_check(
        membership=membership, partner=reward.partner, viewer=viewer, code=code
    )
    if isinstance(code_row, InvalidInput):
        return code_row
    name = membership.person.display_name
    if reward.off_peak_only and not is_off_peak(at):
        raise InvalidInput(
            None, "This reward is for off-peak times only (Monday to Friday before 5pm)."
        )
    if reward.age_group != AgeGroup.ANYONE:
        born = membership.person.date_of_birth
        if born is None:
            raise InvalidInput(
                None,
                f"{name}'s date of birth is not recorded, so this reward "
                f"({reward.get_age_group_display()}) cannot be checked.",
            )
        age = _age_on(born, timezone.localtime(at).date())
        if (reward.age_group == AgeGroup.ADULTS and age < 18) or (
            reward.age_group == AgeGroup.UNDER_16 and age >= 16
        ):
            raise InvalidInput(None, f"This reward is for {reward.get_age_group_display()}.")
    if reward.monthly_cap is not None:
        local = timezone.localtime(at)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = Redemption.objects.filter(
            reward=reward, membership=membership, redeemed_at__gte=month_start
        ).count()
        if used >= reward.monthly_cap:
            times = "once" if reward.monthly_cap == 1 else f"{reward.monthly_cap} times"
            raise Conflict(f"{name} has already had this reward {times} this month.")
    spender = member_account(membership)
    partner_account = counterparty_account(reward.bank, AccountKind.PARTNER, reward.partner)
    # Locked before the balance is read (in id order, as transfer_post locks them), so two
    # desks cannot both spend the same last credits.
    locked = {
        pk: (balance, floor)
        for pk, balance, floor in Account.objects.select_for_update(of=("self",))
        .filter(pk__in=[spender.pk, partner_account.pk])
        .order_by("pk")
        .values_list("pk", "balance", "floor")
    }
    spender_balance, spender_floor = locked[spender.pk]
    # A reward is thanks for time given: exchanges between members may run into the bank's
    # overdraft, spending at a partner never does (nor past a higher floor).
    reward_floor = max(0, spender_floor if spender_floor is not None else 0)
    if spender_balance - reward.credits < reward_floor:
        raise InvalidInput(
            None,
            f"{name}'s balance is {amount_format(spender_balance)} and {reward.name} costs "
            f"{amount_format(reward.credits)}: a reward is thanks for time given, so it is "
            f"spent from hours earned and never takes a balance below "
            f"{amount_format(reward_floor)}.",
        )
    transfer = transfer_post(
        legs=[
            Leg(spender, -reward.credits),
            Leg(partner_account, reward.credits),
        ],
        kind=TransferKind.REDEMPTION,
        reason=f"{reward.name} at {reward.partner.name}",
        operator=viewer.person,
        books={reward.bank_id},
        on_behalf_of=membership.person,
        occurred_at=at,
    )
    assert viewer.person is not None
    redemption = Redemption.objects.create(
        reward=reward,
        membership=membership,
        transfer=transfer,
        redeemed_by=viewer.person,
        redeemed_at=at,
    )
    code_row.used_at = timezone.now()
    code_row.redemption = redemption
    code_row.save(update_fields=["used_at", "redemption"])
    history_record(
        actor=viewer.person,
        organisation=reward.partner,
        action="timebank.reward_redeemed",
        subject=redemption,
    )
    return redemption
