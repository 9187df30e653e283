"""The ledger's accounts: a member's, the bank's own, an area's pot, a project's delivery
account and a partner's or another bank's, each opened the first time it is needed."""

from __future__ import annotations

from collections.abc import Sequence

from coproduce.people.models import Area, Membership, Organisation
from coproduce.timebank.models import Account, AccountKind, BankLimits, Unit

# A new bank lets members go ten hours into debt before it asks them to give some time.
DEFAULT_MEMBER_FLOOR = -600
DEFAULT_MEMBER_CEILING: int | None = None


def account_label(account: Account) -> str:
    if account.kind == AccountKind.MEMBER and account.membership is not None:
        return account.membership.person.display_name
    return account.name


def bank_member_limits(organisation: Organisation) -> tuple[int | None, int | None]:
    """The floor and ceiling ``organisation`` sets its members' hours (its defaults until it
    sets its own)."""
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
        floor, ceiling = bank_member_limits(membership.organisation)
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
        AccountKind.PERSONAL_BUDGETS: "personal budgets allocated",
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
