"""Every read of the time bank, scoped to the viewer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page
from django.db import connection
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Organisation, Role
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import (
    Account,
    AccountKind,
    Agreement,
    Entry,
    Exchange,
    ExchangeStatus,
    LimitChange,
    Listing,
    ListingStatus,
    Redemption,
    Reward,
    Transfer,
    TransferKind,
    Unit,
)

OPEN_STATUSES = (ExchangeStatus.PROPOSED, ExchangeStatus.ACCEPTED)
EXCHANGE_RELATED = (
    "provider__person",
    "provider__organisation",
    "receiver__person",
    "receiver__organisation",
    "listing",
)


def _me(viewer: Viewer) -> int:
    """The viewer's person id for filters; 0 matches nobody when they have no person."""
    return viewer.person_id or 0


def bank_list(*, viewer: Viewer) -> QuerySet[Organisation]:
    """The time banks where the viewer takes part."""
    return Organisation.objects.filter(
        pk__in=viewer.organisation_ids("timebank.take_part"), kind="time_bank"
    ).order_by("name")


def bank_get(
    *, viewer: Viewer, organisation_id: int, ability: str = "timebank.take_part"
) -> Organisation:
    # The permission check needs no query, so it goes first: no row is read for strangers.
    permissions.check(viewer, ability, organisation_id, action="see this")
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound()
    return organisation


@dataclass(frozen=True)
class BankAbilities:
    """What the viewer may do in one organisation's time bank: the buttons its pages show."""

    coordinate: bool
    broker: bool
    view_statistics: bool
    sign_agreements: bool
    manage_rewards: bool


def bank_abilities(*, viewer: Viewer, organisation: Organisation) -> BankAbilities:
    def may(ability: str) -> bool:
        return permissions.may(viewer, ability, organisation.pk)

    return BankAbilities(
        coordinate=may("timebank.coordinate"),
        broker=may("timebank.broker"),
        view_statistics=may("timebank.view_statistics"),
        sign_agreements=may("timebank.agreements"),
        manage_rewards=may("timebank.manage_rewards"),
    )


def own_membership(*, viewer: Viewer, organisation: Organisation) -> Membership | None:
    if viewer.person is None:
        return None
    return (
        Membership.objects.select_related("person", "organisation")
        .filter(person=viewer.person, organisation=organisation)
        .first()
    )


def own_account(*, viewer: Viewer, organisation: Organisation) -> Account | None:
    if viewer.person is None:
        return None
    return (
        Account.objects.select_related("membership__person", "organisation")
        .filter(
            membership__person=viewer.person,
            organisation=organisation,
            kind=AccountKind.MEMBER,
            unit=Unit.MINUTES,
        )
        .first()
    )


def own_balances(*, viewer: Viewer) -> list[Account]:
    """The viewer's own hours accounts in every bank where they take part, for the
    dashboard: one query."""
    return list(
        Account.objects.select_related("organisation")
        .filter(
            membership__person_id=_me(viewer),
            organisation_id__in=viewer.organisation_ids("timebank.take_part"),
            kind=AccountKind.MEMBER,
            unit=Unit.MINUTES,
        )
        .order_by("organisation__name")
    )


def member_balances(*, viewer: Viewer, membership_ids: list[int]) -> dict[int, int]:
    """The hours balance of each of these memberships in a bank the viewer coordinates, by
    membership id (others are left out): one query, for the people pages."""
    return dict(
        Account.objects.filter(
            membership_id__in=membership_ids,
            organisation_id__in=viewer.organisation_ids("timebank.coordinate"),
            kind=AccountKind.MEMBER,
            unit=Unit.MINUTES,
        ).values_list("membership_id", "balance")
    )


def membership_by_number(
    *, viewer: Viewer, organisation: Organisation, number: str, field: str = "number"
) -> Membership:
    """A member of a bank the viewer brokers for, found by membership number."""
    permissions.check(viewer, "timebank.broker", organisation.pk, action="record time for members")
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(organisation=organisation, number=membership_number_normalise(number))
        .first()
    )
    if membership is None:
        raise InvalidInput(
            field, f"No member of {organisation.name} has the number “{number.strip()}”."
        )
    return membership


def memberships_by_numbers(
    *, viewer: Viewer, organisation: Organisation, numbers: list[str], field: str
) -> list[Membership]:
    """Members of a bank the viewer brokers for, in the order of ``numbers`` (already
    normalised): one query, and one message naming every number that matches no one."""
    permissions.check(viewer, "timebank.broker", organisation.pk, action="record time for members")
    found = {
        membership.number: membership
        for membership in Membership.objects.select_related("person", "organisation").filter(
            organisation=organisation, number__in=numbers
        )
    }
    unknown = list(dict.fromkeys(number for number in numbers if number not in found))
    if len(unknown) == 1:
        raise InvalidInput(
            field, f"No member of {organisation.name} has the number “{unknown[0]}”."
        )
    if unknown:
        quoted = [f"“{number}”" for number in unknown]
        listed = f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        raise InvalidInput(field, f"No member of {organisation.name} has the numbers {listed}.")
    return [found[number] for number in numbers]


# --- accounts and transfers ------------------------------------------------------------------


def account_get(*, viewer: Viewer, account_id: int) -> Account:
    """Your own account, or any account of a bank you coordinate."""
    account = (
        Account.objects.select_related("membership__person", "organisation", "counterparty")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise NotFound()
    if account.membership is not None and account.membership.person_id == viewer.person_id:
        return account
    permissions.check(
        viewer, "timebank.coordinate", account.organisation_id, action="see this account"
    )
    return account


def account_list(*, viewer: Viewer, organisation: Organisation) -> QuerySet[Account]:
    permissions.check(viewer, "timebank.coordinate", organisation.pk, action="see every account")
    # The time bank's pages show hours; money in pence is shown by the budgeting pages.
    return (
        Account.objects.filter(organisation=organisation, unit=Unit.MINUTES)
        .select_related("membership__person", "counterparty")
        .order_by("kind", "name", "pk")
    )


def account_list_for_viewer(*, viewer: Viewer) -> QuerySet[Account]:
    """Own accounts, plus every account of the banks the viewer coordinates."""
    coordinated = viewer.organisation_ids("timebank.coordinate")
    return (
        Account.objects.filter(
            Q(membership__person_id=_me(viewer)) | Q(organisation_id__in=coordinated)
        )
        .select_related("membership__person", "organisation")
        .order_by("organisation_id", "kind", "name", "pk")
    )


def limit_history(*, viewer: Viewer, organisation: Organisation) -> QuerySet[LimitChange]:
    permissions.check(viewer, "timebank.set_limits", organisation.pk, action="see limits")
    return LimitChange.objects.filter(organisation=organisation).select_related(
        "changed_by", "account"
    )


def transfer_list(*, viewer: Viewer, organisation: Organisation) -> QuerySet[Transfer]:
    permissions.check(viewer, "timebank.coordinate", organisation.pk, action="see every transfer")
    return (
        Transfer.objects.filter(organisation=organisation, unit=Unit.MINUTES)
        .select_related("operator", "on_behalf_of", "reverses")
        .annotate(is_reversed=Exists(Transfer.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-occurred_at", "-pk")
    )


def transfer_list_for_viewer(*, viewer: Viewer) -> QuerySet[Transfer]:
    """Transfers touching the viewer's own accounts or the banks they coordinate."""
    coordinated = viewer.organisation_ids("timebank.coordinate")
    own = Entry.objects.filter(transfer=OuterRef("pk"), account__membership__person_id=_me(viewer))
    return (
        Transfer.objects.filter(Q(organisation_id__in=coordinated) | Exists(own))
        .select_related("operator", "on_behalf_of")
        .order_by("-occurred_at", "-pk")
    )


def transfer_get(*, viewer: Viewer, transfer_id: int) -> Transfer:
    transfer = (
        Transfer.objects.select_related("operator", "on_behalf_of", "organisation", "reverses")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise NotFound()
    entries = list(transfer.entries.select_related("account__membership__person"))
    if any(
        entry.account.membership is not None
        and entry.account.membership.person_id == viewer.person_id
        for entry in entries
    ):
        return transfer
    banks = sorted({entry.account.organisation_id for entry in entries})
    permissions.check_any(viewer, "timebank.coordinate", banks, action="see this transfer")
    return transfer


def transfer_get_to_reverse(*, viewer: Viewer, transfer_id: int) -> Transfer:
    """A transfer the viewer may reverse: they coordinate a bank whose books it touches."""
    transfer = transfer_get(viewer=viewer, transfer_id=transfer_id)
    # A cross-bank transfer touches two banks' books: a coordinator of either may reverse it.
    banks = sorted(set(transfer.entries.values_list("account__organisation_id", flat=True)))
    permissions.check_any(viewer, "timebank.coordinate", banks, action="reverse transfers")
    return transfer


@dataclass(frozen=True)
class StatementRow:
    occurred_at: datetime
    transfer_id: int
    kind: str
    description: str
    amount: int
    balance: int


def statement(*, viewer: Viewer, account: Account) -> Iterator[StatementRow]:
    """Every entry of an account, oldest first, with the running balance. ``account`` must
    come from ``account_get`` (which checked the viewer may see it)."""
    entries = (
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .order_by("transfer__occurred_at", "transfer_id")
    )
    balance = 0
    for entry in entries.iterator(chunk_size=2000):
        balance += entry.amount
        yield StatementRow(
            occurred_at=entry.transfer.occurred_at,
            transfer_id=entry.transfer_id,
            kind=entry.transfer.get_kind_display(),
            description=entry.transfer.reason,
            amount=entry.amount,
            balance=balance,
        )


def _recent_entries(*, account: Account, limit: int = 10) -> list[Entry]:
    # Unscoped: ``dashboard`` passes the viewer's own account, from ``own_account``.
    return list(
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .order_by("-transfer__occurred_at", "-transfer_id")[:limit]
    )


# --- offers and requests ---------------------------------------------------------------------


def _search(queryset: QuerySet[Listing], text: str) -> QuerySet[Listing]:
    """Full-text search: PostgreSQL's tsvector over the GIN index, SQLite's FTS5 table."""
    words = [word for word in text.split() if word.strip('"')]
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(
                # A stored generated column (migration 0006) with its GIN index.
                "timebank_listing.search_vector @@ websearch_to_tsquery('english', %s)",
                [text],
                output_field=BooleanField(),
            )
        )
    if connection.vendor == "sqlite":
        # Each word quoted, so FTS5 operators in user input are taken literally; the last
        # word matches as a prefix so "garden" finds "gardening".
        quoted = ['"' + word.replace('"', '""') + '"' for word in words]
        quoted[-1] += "*"
        return queryset.filter(
            RawSQL(
                "timebank_listing.id IN (SELECT rowid FROM timebank_listing_fts "
                "WHERE timebank_listing_fts MATCH %s)",
                [" ".join(quoted)],
                output_field=BooleanField(),
            )
        )
    query = Q()
    for word in words:
        query &= Q(title__icontains=word) | Q(description__icontains=word)
    return queryset.filter(query)


def listing_browse(
    *,
    viewer: Viewer,
    kind: str = "",
    search: str = "",
    category: str = "",
    area_id: int | None = None,
    needs_vetted_helper: bool | None = None,
    organisation_id: int | None = None,
    cards: bool = False,
) -> QuerySet[Listing]:
    """Active offers and requests of active members, in the banks where the viewer takes
    part. ``cards`` loads just what a result card shows, in the same query as the page."""
    banks = viewer.organisation_ids("timebank.take_part")
    if organisation_id is not None:
        permissions.check(
            viewer, "timebank.take_part", organisation_id, action="browse offers and requests"
        )
        banks = [organisation_id]
    # "The owner's membership is active", written as "not owned by one of the few inactive
    # memberships": that list comes from the small partial index ``membership_not_active``
    # once per query. A join read every owner's membership row to count the matches (100k
    # members: PostgreSQL 29 ms against 5 ms; SQLite 9 ms against 2 ms).
    inactive = Membership.objects.exclude(status=MembershipStatus.ACTIVE).values("pk")
    queryset = (
        Listing.objects.filter(organisation_id__in=banks, status=ListingStatus.ACTIVE)
        .exclude(membership_id__in=inactive)
        .select_related("membership__person", "area", "organisation")
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if category:
        queryset = queryset.filter(category=category)
    if area_id:
        queryset = queryset.filter(area_id=area_id)
    if needs_vetted_helper is not None:
        queryset = queryset.filter(needs_vetted_helper=needs_vetted_helper)
    found = _search(queryset, search.strip()).order_by("-created_at", "-pk")
    return _cards(found) if cards else found


# Only what a result card shows: building full member and person rows for every card cost
# more than the search itself.
CARD_FIELDS = (
    "kind",
    "title",
    "category",
    "availability",
    "needs_vetted_helper",
    "membership__person__full_name",
    "membership__person__preferred_name",
    "area__name",
)


def _cards(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    # Unscoped: it only narrows the columns of a queryset its caller has already scoped.
    return (
        listings.select_related(None)
        .select_related("membership__person", "area")
        .only(*CARD_FIELDS)
    )


def listing_page(*, viewer: Viewer, listing_ids: list[int]) -> list[Listing]:
    """The listings of one page of ``listing_browse`` (which chose the ids), in the same
    order, with their owners and areas; only those in banks where the viewer takes part."""
    banks = viewer.organisation_ids("timebank.take_part")
    found = _cards(Listing.objects.filter(organisation_id__in=banks)).in_bulk(listing_ids)
    return [found[pk] for pk in listing_ids if pk in found]


def listing_list_own(*, viewer: Viewer) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(membership__person_id=_me(viewer))
        .select_related("organisation", "area")
        .order_by("status", "-created_at")
    )


def listing_get(*, viewer: Viewer, listing_id: int) -> Listing:
    """An active listing of an active member of one of your banks. Paused or closed ones,
    and those of members who left, answer 404 — except to their owner."""
    listing = (
        Listing.objects.select_related("membership__person", "organisation", "area")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound()
    if listing.membership.person_id == viewer.person_id:
        return listing
    if (
        listing.status != ListingStatus.ACTIVE
        or listing.membership.status != MembershipStatus.ACTIVE
    ):
        raise NotFound()
    permissions.check(
        viewer, "timebank.take_part", listing.organisation_id, action="see offers and requests"
    )
    return listing


# --- exchanges -------------------------------------------------------------------------------


def exchange_get(*, viewer: Viewer, exchange_id: int) -> Exchange:
    exchange = (
        Exchange.objects.select_related(*EXCHANGE_RELATED, "claimed_by", "proposed_by")
        .filter(pk=exchange_id)
        .first()
    )
    if exchange is None:
        raise NotFound()
    if viewer.person_id in {exchange.provider.person_id, exchange.receiver.person_id}:
        return exchange
    permissions.check_any(
        viewer,
        "timebank.coordinate",
        [exchange.provider.organisation_id, exchange.receiver.organisation_id],
        action="see this exchange",
    )
    return exchange


def exchange_list_for_viewer(*, viewer: Viewer, status: str = "") -> QuerySet[Exchange]:
    coordinated = viewer.organisation_ids("timebank.coordinate")
    queryset = Exchange.objects.filter(
        Q(provider__person_id=_me(viewer))
        | Q(receiver__person_id=_me(viewer))
        | Q(provider__organisation_id__in=coordinated)
        | Q(receiver__organisation_id__in=coordinated)
    ).select_related(*EXCHANGE_RELATED)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def exchange_list_own(*, viewer: Viewer, statuses: tuple[str, ...]) -> QuerySet[Exchange]:
    """The viewer's own exchanges. Filters on membership ids (a subquery on an indexed
    column) rather than joining people, so the dashboard's query stays cheap."""
    mine = Membership.objects.filter(person_id=_me(viewer)).values("pk")
    return (
        Exchange.objects.filter(
            Q(provider_id__in=mine) | Q(receiver_id__in=mine), status__in=statuses
        )
        .select_related("provider__person", "receiver__person", "claimed_by")
        .order_by("scheduled_for", "-created_at", "-pk")
    )


def coordinator_queue(*, viewer: Viewer, organisation: Organisation) -> QuerySet[Exchange]:
    """Claimed exchanges waiting for confirmation and disputes, oldest first."""
    permissions.check(
        viewer, "timebank.coordinate", organisation.pk, action="see the coordinator queue"
    )
    return (
        Exchange.objects.filter(
            Q(provider__organisation=organisation) | Q(receiver__organisation=organisation),
            status__in=[ExchangeStatus.CLAIMED, ExchangeStatus.DISPUTED],
        )
        .select_related(*EXCHANGE_RELATED, "claimed_by")
        .order_by("status", "claimed_at", "pk")
    )


# --- dashboards, statistics and reports ------------------------------------------------------


@dataclass(frozen=True)
class OwnFigures:
    given: int
    received: int
    exchanges: int


@dataclass
class Dashboard:
    organisation: Organisation
    membership: Membership | None
    account: Account | None
    listings: list[Listing]
    upcoming: list[Exchange]
    to_confirm: list[Exchange]
    waiting: list[Exchange]
    recent: list[Entry]
    figures: OwnFigures

    @property
    def balance(self) -> int:
        return self.account.balance if self.account else 0


def dashboard(*, viewer: Viewer, organisation: Organisation) -> Dashboard:
    permissions.check(
        viewer, "timebank.take_part", organisation.pk, action="take part in the time bank"
    )
    account = own_account(viewer=viewer, organisation=organisation)
    membership = (
        account.membership
        if account is not None
        else own_membership(viewer=viewer, organisation=organisation)
    )
    mine = exchange_list_own(
        viewer=viewer, statuses=(*OPEN_STATUSES, ExchangeStatus.CLAIMED, ExchangeStatus.DISPUTED)
    ).filter(Q(provider__organisation=organisation) | Q(receiver__organisation=organisation))
    exchanges = list(mine[:50])
    return Dashboard(
        organisation=organisation,
        membership=membership,
        account=account,
        figures=_figures_for(account=account),
        listings=list(
            listing_list_own(viewer=viewer)
            .filter(organisation=organisation)
            .exclude(status=ListingStatus.CLOSED)[:20]
        ),
        upcoming=[e for e in exchanges if e.status in OPEN_STATUSES],
        to_confirm=[
            e
            for e in exchanges
            if e.status == ExchangeStatus.CLAIMED and e.claimed_by_id != viewer.person_id
        ],
        waiting=[
            e
            for e in exchanges
            if e.status == ExchangeStatus.DISPUTED
            or (e.status == ExchangeStatus.CLAIMED and e.claimed_by_id == viewer.person_id)
        ],
        recent=_recent_entries(account=account) if account else [],
    )


@dataclass(frozen=True)
class Statistics:
    minutes_exchanged: int
    exchanges: int
    active_members: int
    by_category: list[tuple[str, int]]
    by_area: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


EXCHANGE_KINDS = (TransferKind.EXCHANGE, TransferKind.GROUP, TransferKind.CROSS_BANK)


def _unreversed(organisation: Organisation, since: datetime) -> QuerySet[Transfer]:
    # Hours only: the same ledger carries pence (dividends, budgets), which are not time.
    return Transfer.objects.filter(
        organisation=organisation,
        unit=Unit.MINUTES,
        kind__in=EXCHANGE_KINDS,
        occurred_at__gte=since,
        reversed_by__isnull=True,
    )


def statistics(*, viewer: Viewer, organisation: Organisation, months: int = 12) -> Statistics:
    """Hours exchanged, exchanges and active members, by category, area and month.
    Coordinators and managers only (members see their own figures)."""
    permissions.check(
        viewer, "timebank.view_statistics", organisation.pk, action="see the statistics"
    )
    since = timezone.now() - timedelta(days=31 * months)
    transfers = _unreversed(organisation, since)
    totals = transfers.aggregate(minutes=Sum("amount"), count=Count("pk"))
    credits = Entry.objects.filter(
        transfer__in=transfers, amount__gt=0, account__kind=AccountKind.MEMBER
    )
    active = (
        Entry.objects.filter(transfer__in=transfers, account__kind=AccountKind.MEMBER)
        .values("account_id")
        .distinct()
        .count()
    )
    from coproduce.timebank.models import Category

    labels = dict(Category.choices)
    by_category = [
        (
            str(labels.get(row["transfer__listing__category"] or "", "Not from a listing")),
            int(row["minutes"] or 0),
        )
        for row in credits.values("transfer__listing__category")
        .annotate(minutes=Sum("amount"))
        .order_by("-minutes")
    ]
    by_area = [
        (
            row["account__membership__person__area__name"] or "Area not known",
            int(row["minutes"] or 0),
        )
        for row in credits.values("account__membership__person__area__name")
        .annotate(minutes=Sum("amount"))
        .order_by("-minutes")
    ]
    by_month = [
        (
            timezone.localtime(row["month"]).strftime("%b %Y") if row["month"] else "",
            int(row["minutes"] or 0),
        )
        for row in transfers.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(minutes=Sum("amount"))
        .order_by("month")
    ]
    return Statistics(
        minutes_exchanged=int(totals["minutes"] or 0),
        exchanges=int(totals["count"] or 0),
        active_members=active,
        by_category=by_category,
        by_area=by_area,
        by_month=by_month,
    )


def own_figures(*, viewer: Viewer, organisation: Organisation) -> OwnFigures:
    return _figures_for(account=own_account(viewer=viewer, organisation=organisation))


def _figures_for(*, account: Account | None) -> OwnFigures:
    """Hours given and received in exchanges and in time with the organisation (a staff
    member's weekly hours are agency transfers), leaving out reversed ones."""
    # Unscoped: its callers pass the viewer's own account, from ``own_account``.
    if account is None:
        return OwnFigures(0, 0, 0)
    rows = Entry.objects.filter(
        account=account,
        transfer__unit=Unit.MINUTES,
        transfer__kind__in=(*EXCHANGE_KINDS, TransferKind.AGENCY),
        transfer__reversed_by__isnull=True,
    ).aggregate(
        given=Sum("amount", filter=Q(amount__gt=0)),
        received=Sum("amount", filter=Q(amount__lt=0)),
        count=Count("pk"),
    )
    return OwnFigures(int(rows["given"] or 0), -int(rows["received"] or 0), int(rows["count"]))


@dataclass(frozen=True)
class Participation:
    membership: Membership
    given: int
    contracted: int
    target: int

    @property
    def met(self) -> bool:
        return self.given >= self.target

    @property
    def percent(self) -> float:
        return 100 * self.given / self.contracted if self.contracted else 0.0


def staff_participation(
    *, viewer: Viewer, organisation: Organisation, weeks: int = 4
) -> list[Participation]:
    """Each staff member's hours given in the time bank over ``weeks`` against their
    contracted hours, with the 10% line the Holy Cross staff keep to."""
    permissions.check(
        viewer, "timebank.view_statistics", organisation.pk, action="see staff participation"
    )
    since = timezone.now() - timedelta(weeks=weeks)
    staff = (
        Membership.objects.filter(
            organisation=organisation,
            status=MembershipStatus.ACTIVE,
            role__in=[Role.STAFF, Role.COORDINATOR, Role.MANAGER],
        )
        .select_related("person")
        .annotate(
            given=Sum(
                "timebank_accounts__entries__amount",
                filter=Q(
                    timebank_accounts__entries__amount__gt=0,
                    timebank_accounts__unit=Unit.MINUTES,
                    timebank_accounts__entries__transfer__occurred_at__gte=since,
                    timebank_accounts__entries__transfer__reversed_by__isnull=True,
                )
                & ~Q(timebank_accounts__entries__transfer__kind=TransferKind.REVERSAL),
            )
        )
        .order_by("person__full_name", "pk")
    )
    rows = []
    for membership in staff:
        contracted = (membership.contracted_minutes_per_week or 0) * weeks
        rows.append(
            Participation(
                membership=membership,
                given=int(getattr(membership, "given", 0) or 0),
                contracted=contracted,
                target=contracted // 10,
            )
        )
    return rows


# --- rewards, redemptions, agreements --------------------------------------------------------


def reward_list_for_member(*, viewer: Viewer) -> QuerySet[Reward]:
    return (
        Reward.objects.filter(
            bank_id__in=viewer.organisation_ids("timebank.take_part"), is_active=True
        )
        .select_related("partner", "bank")
        .order_by("partner__name", "credits", "name")
    )


def reward_list_for_partner(*, viewer: Viewer, partner: Organisation) -> QuerySet[Reward]:
    permissions.check(viewer, "timebank.redeem", partner.pk, action="see the rewards")
    return Reward.objects.filter(partner=partner).select_related("bank").order_by("name")


def reward_list_for_viewer(*, viewer: Viewer) -> QuerySet[Reward]:
    partners = viewer.organisation_ids("timebank.redeem")
    banks = viewer.organisation_ids("timebank.take_part")
    return (
        Reward.objects.filter(Q(partner_id__in=partners) | Q(bank_id__in=banks, is_active=True))
        .select_related("partner", "bank")
        .order_by("partner__name", "name")
    )


def reward_get(*, viewer: Viewer, reward_id: int) -> Reward:
    reward = Reward.objects.select_related("partner", "bank").filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    if permissions.may(viewer, "timebank.redeem", reward.partner_id):
        return reward
    if reward.is_active and permissions.may(viewer, "timebank.take_part", reward.bank_id):
        return reward
    permissions.check_any(
        viewer, "timebank.redeem", [reward.partner_id, reward.bank_id], action="see this"
    )
    raise NotFound()


def redemption_list_for_partner(*, viewer: Viewer, partner: Organisation) -> QuerySet[Redemption]:
    permissions.check(viewer, "timebank.redeem", partner.pk, action="see redemptions")
    return (
        Redemption.objects.filter(reward__partner=partner)
        .select_related("reward", "membership", "redeemed_by")
        .order_by("-redeemed_at", "-pk")
    )


def redemption_list_for_viewer(*, viewer: Viewer) -> QuerySet[Redemption]:
    """Your own redemptions, and those at the partners where you redeem."""
    partners = viewer.organisation_ids("timebank.redeem")
    return (
        Redemption.objects.filter(
            Q(membership__person_id=_me(viewer)) | Q(reward__partner_id__in=partners)
        )
        .select_related("reward__partner", "membership", "redeemed_by")
        .order_by("-redeemed_at", "-pk")
    )


def agreement_list(*, viewer: Viewer, organisation: Organisation) -> QuerySet[Agreement]:
    permissions.check(viewer, "timebank.coordinate", organisation.pk, action="see agreements")
    return (
        Agreement.objects.filter(Q(first=organisation) | Q(second=organisation))
        .select_related("first", "second", "proposer")
        .order_by("-proposed_at")
    )


def listing_browse_page(
    *,
    viewer: Viewer,
    request: HttpRequest,
    organisation_id: int,
    kind: str = "",
    search: str = "",
    category: str = "",
    area_id: int | None = None,
    needs_vetted_helper: bool | None = None,
) -> Page[Listing]:
    """The requested page of ``listing_browse``, fetched the way each database does it
    fastest."""
    filters: dict[str, Any] = {
        "organisation_id": organisation_id,
        "kind": kind,
        "search": search,
        "category": category,
        "area_id": area_id,
        "needs_vetted_helper": needs_vetted_helper,
    }
    if connection.vendor == "sqlite":
        # Bare ids for the page and its total in one query, so the FTS5 match runs once;
        # then the one page loaded with names and areas.
        listings = listing_browse(viewer=viewer, **filters)
        page = paginate(request, listings.select_related(None).only("pk"), one_query=True)
        ids = [row.pk for row in page.object_list]
        page.object_list = listing_page(viewer=viewer, listing_ids=ids)
        return page
    # PostgreSQL: a window count defeats the GIN index's bitmap plan (measured: 7x slower),
    # so it counts apart; the page comes with its names and areas in one query.
    return paginate(request, listing_browse(viewer=viewer, cards=True, **filters))


def listing_may_edit(*, viewer: Viewer, listing: Listing) -> bool:
    """Whether the viewer may change ``listing``: the rule ``listing_get_for_edit`` keeps."""
    return listing.membership.person_id == viewer.person_id or permissions.may(
        viewer, "timebank.coordinate", listing.organisation_id
    )


def listing_get_for_edit(*, viewer: Viewer, listing_id: int) -> Listing:
    """A listing the viewer may change: their own, or one in a bank they coordinate."""
    listing = listing_get(viewer=viewer, listing_id=listing_id)
    if listing.membership.person_id != viewer.person_id:
        permissions.check(
            viewer, "timebank.coordinate", listing.organisation_id, action="change this"
        )
    return listing


def exchange_get_for_coordinator(*, viewer: Viewer, exchange_id: int) -> Exchange:
    """An exchange in a bank the viewer coordinates (to resolve a dispute)."""
    exchange = exchange_get(viewer=viewer, exchange_id=exchange_id)
    permissions.check_any(
        viewer,
        "timebank.coordinate",
        [exchange.provider.organisation_id, exchange.receiver.organisation_id],
        action="resolve disputes",
    )
    return exchange


def listing_get_to_propose(*, viewer: Viewer, listing_id: int) -> Listing:
    """A listing the viewer may answer with a proposed exchange."""
    listing = listing_get(viewer=viewer, listing_id=listing_id)
    permissions.check(
        viewer, "timebank.take_part", listing.organisation_id, action="propose exchanges"
    )
    return listing
