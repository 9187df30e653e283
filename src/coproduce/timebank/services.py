"""Every write to the time bank. Each public function is one transaction that checks
permission, validates, writes and records what happened.

``transfer_post`` is the only function that writes ledger entries or changes a balance
(STYLE 3); every other service that moves time builds legs and calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

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
from coproduce.people.permissions import Viewer
from coproduce.people.services import history_record
from coproduce.timebank.amounts import amount_format
from coproduce.timebank.models import (
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
    Reward,
    Transfer,
    TransferKind,
    Unit,
)

# A new bank lets members go ten hours into debt before it asks them to give some time.
DEFAULT_MEMBER_FLOOR = -600
DEFAULT_MEMBER_CEILING: int | None = None
REMIND_AFTER = timedelta(days=3)


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
    on_behalf_of: Person | None = None,
    exchange: Exchange | None = None,
    listing: Listing | None = None,
    group: GroupExchange | None = None,
    reverses: Transfer | None = None,
    occurred_at: datetime | None = None,
) -> Transfer:
    """The one door to the ledger. Locks every account row (select_for_update, in id order,
    so two transfers cannot deadlock), checks limits, writes the transfer and its entries
    and moves the cached balances, all in one transaction. Callers check permission."""
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
    if len(locked) != len(deltas):
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
        amount=sum(amount for amount in deltas.values() if amount > 0),
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
    "SELECT a.id, a.organisation_id, a.kind, a.unit, a.balance, a.floor, a.ceiling, m.status "
    "FROM timebank_account a LEFT JOIN people_membership m ON m.id = a.membership_id "
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
            "name": f"{membership.person.display_name} ({membership.number})",
            "floor": floor,
            "ceiling": ceiling,
            "own_limits": own_limits,
        },
    )
    return account


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
    transfer between any two accounts of their bank on the payer's behalf."""
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
        kind = TransferKind.ADJUSTMENT
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


# --- limits ----------------------------------------------------------------------------------


def _check_limits(floor: int | None, ceiling: int | None) -> None:
    if floor is not None and floor > 0:
        raise InvalidInput("floor", "The lowest balance must be zero or below.")
    if ceiling is not None and ceiling < 0:
        raise InvalidInput("ceiling", "The highest balance must be zero or above.")


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


def _finish(exchange: Exchange, viewer: Viewer, action: str, **detail: object) -> Exchange:
    exchange.save()
    history_record(
        actor=viewer.person,
        organisation=exchange.organisation,
        action=f"timebank.exchange_{action}",
        subject=exchange,
        detail=dict(detail),
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
    if age_group not in AgeGroup.values:
        raise InvalidInput("age_group", "Choose who the reward is for.")
    if monthly_cap is not None and monthly_cap <= 0:
        raise InvalidInput("monthly_cap", "The monthly cap must be at least 1, or left empty.")
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


@transaction.atomic
def reward_redeem(
    *, viewer: Viewer, reward_id: int, membership_number: str, at: datetime | None = None
) -> Redemption:
    """Staff at the venue redeem a reward for a member, found by membership number.
    Spending moves the credits from the member's account to the partner's."""
    reward = Reward.objects.select_related("partner", "bank").filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    permissions.check(viewer, "timebank.redeem", reward.partner_id, action="redeem rewards")
    if not reward.is_active:
        raise Conflict("This reward is no longer offered.")
    at = at or timezone.now()
    number = membership_number.strip().upper()
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(organisation=reward.bank, number=number)
        .first()
    )
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput(
            "membership_number",
            f"No active member of {reward.bank.name} has the number “{number}”.",
        )
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
    transfer = transfer_post(
        legs=[
            Leg(member_account(membership), -reward.credits),
            Leg(
                counterparty_account(reward.bank, AccountKind.PARTNER, reward.partner),
                reward.credits,
            ),
        ],
        kind=TransferKind.REDEMPTION,
        reason=f"{reward.name} at {reward.partner.name}",
        operator=viewer.person,
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
    history_record(
        actor=viewer.person,
        organisation=reward.partner,
        action="timebank.reward_redeemed",
        subject=redemption,
    )
    return redemption
