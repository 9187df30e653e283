"""Reading pooled personal budgets.

Who sees what (issue 10, Privacy):

- coordinators and managers of the pool's organisation see every pool, and each
  contributor's share by name;
- a person who holds a share sees the pool's totals and their own share, never another
  contributor's by name (the fact that someone holds a personal budget is personal);
- a budget holder of the organisation (anyone with a personal budget account there) sees
  the totals of its open pools, so they can choose to join one;
- anyone else in the organisation is refused (403); anyone outside it gets a 404.

Money is whole pence everywhere; ``pounds`` writes it as £ with two decimals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from coproduce.coordination.models import Pool, PoolShare, PoolSpend, PoolStatus
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.framework.amounts import PENCE, amount_format
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Account, AccountKind, Entry, TransferKind, Unit

# How the viewer reads a pool (``pool_reader_kind``).
COORDINATOR, CONTRIBUTOR, BUDGET_HOLDER = "coordinator", "contributor", "budget_holder"


def pounds(pence: int) -> str:
    """``123450`` → ``£1234.50``: money on pool pages always shows its pence."""
    return amount_format(pence, PENCE)


# --- Personal budgets -----------------------------------------------------------------------


def budget_account_of(membership_id: int) -> Account | None:
    """The membership's personal budget account (its money account in the time bank's
    ledger), or None if no budget was ever allocated. Reads only; allocating opens it."""
    return Account.objects.filter(
        membership_id=membership_id, kind=AccountKind.MEMBER, unit=Unit.PENCE
    ).first()


def own_membership(viewer: Viewer, organisation_id: int) -> Membership | None:
    """The viewer's active membership of the organisation."""
    if viewer.person_id is None:
        return None
    return (
        Membership.objects.select_related("person", "organisation")
        .filter(
            person_id=viewer.person_id,
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )


def own_budget(*, viewer: Viewer, organisation_id: int) -> Account | None:
    """The viewer's own personal budget account in the organisation (None if they have
    none). Anyone taking part may read their own."""
    permissions.check(
        viewer, "coordination.take_part", organisation_id, action="see your personal budget"
    )
    membership = own_membership(viewer, organisation_id)
    return budget_account_of(membership.pk) if membership is not None else None


def budget_holders(*, viewer: Viewer, organisation_id: int) -> QuerySet[Account]:
    """Every personal budget account of the organisation, by name (coordinators up)."""
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="see personal budgets"
    )
    return (
        Account.objects.filter(
            organisation_id=organisation_id, kind=AccountKind.MEMBER, unit=Unit.PENCE
        )
        .select_related("membership__person")
        .order_by("membership__person__full_name", "pk")
    )


def membership_in(*, organisation_id: int, membership_id: int) -> Membership:
    """A membership of the organisation, or 404: an id from a form is never trusted."""
    found = (
        Membership.objects.select_related("person", "organisation")
        .filter(pk=membership_id, organisation_id=organisation_id)
        .first()
    )
    if found is None:
        raise NotFound("No such person in this organisation.")
    return found


# --- Pools ------------------------------------------------------------------------------------


def is_budget_holder(viewer: Viewer, organisation_id: int) -> bool:
    return (
        viewer.person_id is not None
        and Account.objects.filter(
            organisation_id=organisation_id,
            kind=AccountKind.MEMBER,
            unit=Unit.PENCE,
            membership__person_id=viewer.person_id,
            membership__status=MembershipStatus.ACTIVE,
        ).exists()
    )


def pool_reader_kind(viewer: Viewer, pool: Pool) -> str | None:
    """``coordinator``, ``contributor`` or ``budget_holder``: how the viewer may read the
    pool (None if they may not)."""
    if permissions.may(viewer, "coordination.coordinate", pool.organisation_id):
        return COORDINATOR
    person_id = viewer.person_id
    if person_id is None or not permissions.may(
        viewer, "coordination.take_part", pool.organisation_id
    ):
        return None
    if PoolShare.objects.filter(pool=pool, membership__person_id=person_id).exists():
        return CONTRIBUTOR
    if pool.status == PoolStatus.OPEN and is_budget_holder(viewer, pool.organisation_id):
        return BUDGET_HOLDER
    return None


def access_pool_by_id(
    *,
    viewer: Viewer,
    pool_id: int,
    ability: str | None = None,
    action: str = "do that",
    for_update: bool = False,
) -> tuple[Pool, str]:
    """Fetch and authorise a pool in one step (STYLE 5a), with how the viewer reads it.
    ``ability`` also requires that ability in the pool's organisation. ``for_update`` locks
    the pool row: every write to a pool takes it first, then the accounts in id order, so
    two writes to one pool run one after the other and cannot deadlock."""
    query = Pool.objects.select_related("organisation", "spend_account", "created_by")
    if for_update:
        query = query.select_for_update(of=("self",))
    pool = query.filter(pk=pool_id).first()
    if pool is None or viewer.role_in(pool.organisation_id) is None:
        raise NotFound()
    if ability is not None:
        permissions.check(viewer, ability, pool.organisation_id, action=action)
    kind = pool_reader_kind(viewer, pool)
    if kind is None:
        raise PermissionDenied(
            "Only the pool's contributors, its coordinators and, while it is open, people "
            "with a personal budget here can see this pool."
        )
    return pool, kind


def pools_visible(*, viewer: Viewer, organisation_id: int) -> QuerySet[Pool]:
    """The organisation's pools the viewer may see, open ones first, with the totals every
    reader may see: contributors, what remains in the shares and what has been spent."""
    permissions.check(viewer, "coordination.take_part", organisation_id, action="see pools")
    pools = Pool.objects.filter(organisation_id=organisation_id)
    person_id = viewer.person_id
    if person_id is None:
        return pools.none()
    if not permissions.may(viewer, "coordination.coordinate", organisation_id):
        mine = Exists(
            PoolShare.objects.filter(pool=OuterRef("pk"), membership__person_id=person_id)
        )
        if is_budget_holder(viewer, organisation_id):
            pools = pools.filter(mine | Q(status=PoolStatus.OPEN))
        else:
            pools = pools.filter(mine)
    shares = PoolShare.objects.filter(pool=OuterRef("pk")).values("pool")
    return (
        pools.select_related("spend_account")
        .annotate(
            contributors=Coalesce(Subquery(shares.annotate(n=Count("pk")).values("n")), Value(0)),
            remaining=Coalesce(
                Subquery(shares.annotate(total=Sum("account__balance")).values("total")),
                Value(0),
            ),
        )
        .order_by("-status", "name", "pk")
    )


# --- Each person's share --------------------------------------------------------------------


@dataclass
class ShareFigures:
    """One contributor's share: what they put in, their part of the spends, what was
    returned to their budget on close, and what remains (contributed less spent less returned,
    which is the share account's balance)."""

    share_id: int
    membership_id: int
    name: str
    contributed: int = 0
    spent: int = 0
    returned: int = 0
    remaining: int = 0


@dataclass
class PoolFigures:
    contributed: int
    spent: int
    returned: int
    remaining: int
    contributors: int
    # Every share, by name: only for readers who may see names (coordinators).
    shares: list[ShareFigures] = field(default_factory=list)
    # The viewer's own share, if they hold one.
    own: ShareFigures | None = None


def share_figures(pool: Pool) -> list[ShareFigures]:
    """Every share of the pool with its figures, in two queries however many shares.

    Worked out from the entries on the share accounts, so it follows the ledger exactly:
    a ``pool`` credit is a contribution and a ``pool`` debit a return to the budget on
    close; a ``pool_spend`` debit is the person's part of a spend. A reversal (made by a
    time-bank coordinator) counts against the kind it reverses."""
    shares = list(
        PoolShare.objects.filter(pool=pool)
        .select_related("membership__person", "account")
        .order_by("membership__person__full_name", "pk")
    )
    rows = (
        Entry.objects.filter(account_id__in=[share.account_id for share in shares])
        .values("account_id", "transfer__kind", "transfer__reverses__kind")
        .annotate(
            credits=Coalesce(
                Sum(Case(When(amount__gt=0, then="amount"), output_field=IntegerField())),
                Value(0),
            ),
            debits=Coalesce(
                Sum(Case(When(amount__lt=0, then="amount"), output_field=IntegerField())),
                Value(0),
            ),
        )
        .order_by()
    )
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        credits, debits = int(row["credits"]), int(row["debits"])
        account = totals[row["account_id"]]
        reversal = row["transfer__kind"] == TransferKind.REVERSAL
        kind = row["transfer__reverses__kind"] if reversal else row["transfer__kind"]
        if kind == TransferKind.POOL_SPEND:
            account["spent"] -= credits + debits
        elif reversal:
            # A reversed contribution debits the share; a reversed return credits it.
            account["contributed"] += debits
            account["returned"] -= credits
        else:
            account["contributed"] += credits
            account["returned"] -= debits
    figures = []
    for share in shares:
        sums = totals[share.account_id]
        figures.append(
            ShareFigures(
                share_id=share.pk,
                membership_id=share.membership_id,
                name=share.membership.person.display_name,
                contributed=sums["contributed"],
                spent=sums["spent"],
                returned=sums["returned"],
                remaining=share.account.balance,
            )
        )
    return figures


def pool_figures(*, viewer: Viewer, pool: Pool, kind: str) -> PoolFigures:
    """The pool's totals, with the shares by name only for a coordinator and the viewer's
    own share for a contributor (``kind`` from ``access_pool_by_id``)."""
    every = share_figures(pool)
    own_ids: set[int] = set()
    person_id = viewer.person_id
    if person_id is not None:
        own_ids = set(
            PoolShare.objects.filter(pool=pool, membership__person_id=person_id).values_list(
                "pk", flat=True
            )
        )
    own = next((share for share in every if share.share_id in own_ids), None)
    return PoolFigures(
        contributed=sum(share.contributed for share in every),
        spent=sum(share.spent for share in every),
        returned=sum(share.returned for share in every),
        remaining=sum(share.remaining for share in every),
        contributors=len(every),
        shares=every if kind == COORDINATOR else [],
        own=own,
    )


def pool_spends(pool: Pool) -> QuerySet[PoolSpend]:
    """What the pool spent, newest first, with the amount each spend moved."""
    return PoolSpend.objects.filter(pool=pool).select_related("transfer", "recorded_by")


# --- Splitting a spend between the shares ---------------------------------------------------


def spend_split(balances: Mapping[int, int], amount: int) -> dict[int, int]:
    """How ``amount`` pence is drawn from shares holding ``balances`` (share id → pence):
    pro rata to what each share still holds, rounded by largest remainder so the parts add
    up to ``amount`` exactly. Each share's exact part is ``amount * balance / total``; every
    share first takes the whole pence of it, then the pence left over go one each to the
    shares with the largest fractions (ties: the oldest share, by id). No share gives more
    than it holds. ``amount`` must be from 1 to the total held."""
    total = sum(balances.values())
    if not 0 < amount <= total:
        raise ValueError("amount must be more than 0 and no more than the shares hold")
    parts: dict[int, int] = {}
    fractions: list[tuple[int, int]] = []
    for share_id in sorted(balances):
        whole, fraction = divmod(amount * balances[share_id], total)
        parts[share_id] = whole
        fractions.append((fraction, share_id))
    left = amount - sum(parts.values())
    for _fraction, share_id in sorted(fractions, key=lambda item: (-item[0], item[1]))[:left]:
        parts[share_id] += 1
    return parts


@dataclass(frozen=True)
class SpendPart:
    share_id: int
    name: str
    holds: int
    part: int

    @property
    def after(self) -> int:
        return self.holds - self.part


def spend_preview(*, viewer: Viewer, pool_id: int, amount: int) -> tuple[Pool, list[SpendPart]]:
    """What a spend of ``amount`` would draw from each share now (coordinators up), for the
    confirmation. The spend itself splits again under the pool's lock."""
    pool, _kind = access_pool_by_id(
        viewer=viewer,
        pool_id=pool_id,
        ability="coordination.coordinate",
        action="record a spend from a pool",
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is closed; it can no longer spend.")
    shares = share_figures(pool)
    holds = {share.share_id: share.remaining for share in shares if share.remaining > 0}
    total = sum(holds.values())
    amount_check(amount=amount, total=total)
    split = spend_split(holds, amount)
    return pool, [
        SpendPart(share.share_id, share.name, share.remaining, split.get(share.share_id, 0))
        for share in shares
        if share.share_id in holds
    ]


def amount_check(*, amount: int, total: int) -> None:
    """The one wording for a spend the pool cannot make (the preview and the service)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", "Enter the amount spent: more than £0.00.")
    if amount > total:
        raise InvalidInput(
            "amount",
            f"The pool holds {pounds(total)}; a spend of {pounds(amount)} is more than that.",
        )


# --- What a person holds: budget and shares -------------------------------------------------


@dataclass
class BudgetSummary:
    """A budget holder's money: what was allocated to them, what they hold in pools, and
    what remains of their budget to use or pool (the budget account's balance)."""

    membership_id: int
    name: str
    number: str
    allocated: int
    in_pools: int
    remaining: int


def budget_summaries(accounts: list[Account]) -> list[BudgetSummary]:
    """Each budget account's figures, in two queries however many accounts (a page of
    ``budget_holders`` or the viewer's own)."""
    ids = [account.pk for account in accounts]
    memberships = [account.membership_id for account in accounts]
    allocated: dict[int, int] = defaultdict(int)
    rows = (
        Entry.objects.filter(account_id__in=ids)
        .filter(
            Q(transfer__kind=TransferKind.BUDGET)
            | Q(transfer__kind=TransferKind.REVERSAL, transfer__reverses__kind=TransferKind.BUDGET)
        )
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        allocated[row["account_id"]] = int(row["total"] or 0)
    pooled: dict[int, int] = defaultdict(int)
    share_rows = (
        PoolShare.objects.filter(membership_id__in=memberships)
        .values("membership_id")
        .annotate(total=Sum("account__balance"))
        .order_by()
    )
    for row in share_rows:
        pooled[row["membership_id"]] = int(row["total"] or 0)
    summaries = []
    for account in accounts:
        assert account.membership is not None and account.membership_id is not None
        summaries.append(
            BudgetSummary(
                membership_id=account.membership_id,
                name=account.membership.person.display_name,
                number=account.membership.number,
                allocated=allocated[account.pk],
                in_pools=pooled[account.membership_id],
                remaining=account.balance,
            )
        )
    return summaries


@dataclass(frozen=True)
class OwnShare:
    pool_id: int
    pool_name: str
    pool_status: str
    remaining: int


def own_shares(*, viewer: Viewer, organisation_id: int) -> list[OwnShare]:
    """The viewer's shares in the organisation's pools, with what remains of each."""
    person_id = viewer.person_id
    if person_id is None:
        return []
    shares = (
        PoolShare.objects.filter(
            pool__organisation_id=organisation_id, membership__person_id=person_id
        )
        .select_related("pool", "account")
        .order_by("pool__name", "pk")
    )
    return [
        OwnShare(share.pool_id, share.pool.name, share.pool.status, share.account.balance)
        for share in shares
    ]


def may_start_pool(viewer: Viewer, organisation_id: int) -> bool:
    """Coordinators start pools, and so may anyone with a personal budget here."""
    return permissions.may(viewer, "coordination.coordinate", organisation_id) or is_budget_holder(
        viewer, organisation_id
    )


def may_contribute(viewer: Viewer, pool: Pool, kind: str) -> bool:
    """Whether the pool takes a contribution from (or, for a coordinator, through) the
    viewer now."""
    if pool.status != PoolStatus.OPEN:
        return False
    return kind == COORDINATOR or is_budget_holder(viewer, pool.organisation_id)


def membership_by_number(*, organisation_id: int, number: str) -> Membership:
    """The organisation's member with this membership number (already normalised), or bad
    input naming the ``number`` field."""
    if not number:
        raise InvalidInput("number", "Give the person's membership number.")
    found = (
        Membership.objects.select_related("person", "organisation")
        .filter(organisation_id=organisation_id, number=number)
        .first()
    )
    if found is None:
        raise InvalidInput("number", f"No member of this organisation has the number “{number}”.")
    return found


def close_preview(*, viewer: Viewer, pool_id: int) -> tuple[Pool, list[ShareFigures]]:
    """What closing the pool would return to each contributor's budget (coordinators up)."""
    pool, _kind = access_pool_by_id(
        viewer=viewer, pool_id=pool_id, ability="coordination.coordinate", action="close a pool"
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is already closed.")
    return pool, [share for share in share_figures(pool) if share.remaining > 0]


def own_spend_parts(*, viewer: Viewer, pool: Pool) -> dict[int, int]:
    """Spend transfer id → what it drew from the viewer's own share (for their spends table)."""
    person_id = viewer.person_id
    if person_id is None:
        return {}
    rows = Entry.objects.filter(
        account__kind=AccountKind.POOL_SHARE,
        account_id__in=PoolShare.objects.filter(pool=pool, membership__person_id=person_id).values(
            "account_id"
        ),
        transfer__kind=TransferKind.POOL_SPEND,
    ).values_list("transfer_id", "amount")
    return {transfer_id: -amount for transfer_id, amount in rows}
