"""Pooled personal budgets: budget holders put part of their personal budget into a pool for
a shared activity (a weekly allotment club with a sessional worker, say), the pool spends,
and when it closes what is left goes back to each person's budget.

The money is whole pence in the time bank's ledger, posted only through its one door
(``transfer_post``), and never in the same transfer as hours (the door refuses mixed units):

- allocating a budget (kind ``budget``): the organisation's *personal budgets allocated*
  account → the person's money account (their budget; floor zero);
- a contribution (kind ``pool``): the person's budget → their share account in the pool
  (one per contributor, floor zero);
- a spend (kind ``pool_spend``): the shares → the pool's spending account. It is drawn
  from the shares pro rata to what each still holds, whole pence by largest remainder, so
  the parts always add up to the spend (``selectors.pools.spend_split``);
- closing (kind ``pool``): every share still holding money → its contributor's budget, in
  one transfer.

Every write to a pool locks the pool's row first (``access_pool_by_id(for_update=True)``),
then the door locks the accounts in id order: two writes to one pool run one after the
other. The door's floors are the backstop for a balance read before the lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from coproduce.coordination.models import Pool, PoolShare, PoolSpend, PoolStatus
from coproduce.coordination.selectors.pools import (
    COORDINATOR,
    access_pool_by_id,
    amount_check,
    budget_account_of,
    is_budget_holder,
    membership_by_number,
    own_membership,
    pounds,
    spend_split,
)
from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Membership, MembershipStatus, Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger import (
    Leg,
    delivery_account_open,
    member_account,
    organisation_account,
    transfer_post,
)
from coproduce.timebank.models import Account, AccountKind, Transfer, TransferKind, Unit

NAME_LIMIT = 200
PURPOSE_LIMIT = 2000
DESCRIPTION_LIMIT = 300
REASON_LIMIT = 300
# A spend may be recorded late, but not from before anyone could remember it.
SPEND_BACK_DAYS = 2 * 366


def _text(value: str, field: str, missing: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, missing)
    if len(value) > limit:
        raise InvalidInput(field, f"Keep it to {limit} characters or fewer.")
    return value


def _positive_pence(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("amount", "Enter an amount in pounds and pence, like 12.50.")
    if amount <= 0:
        raise InvalidInput("amount", "Enter an amount more than £0.00.")
    return amount


def _active(membership: Membership) -> Membership:
    if membership.status != MembershipStatus.ACTIVE or membership.person.erased_at is not None:
        raise InvalidInput(
            "number", f"{membership.person.display_name} is not an active member here."
        )
    return membership


# --- Personal budgets -----------------------------------------------------------------------


@transaction.atomic
def budget_allocate(
    *,
    viewer: Viewer,
    organisation_id: int,
    amount: int,
    number: str = "",
    membership_id: int | None = None,
    reason: str = "",
    occurred_at: datetime | None = None,
) -> Transfer:
    """Record a personal budget allocated to a member (coordinators and managers), by
    membership number or id: ``amount`` pence into their budget. ``occurred_at`` dates an
    allocation recorded late."""
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="record personal budgets"
    )
    if membership_id is not None:
        membership = (
            Membership.objects.select_related("person", "organisation")
            .filter(pk=membership_id, organisation_id=organisation_id)
            .first()
        )
        if membership is None:
            raise InvalidInput("number", "No such person in this organisation.")
    else:
        membership = membership_by_number(organisation_id=organisation_id, number=number)
    _active(membership)
    amount = _positive_pence(amount)
    name = membership.person.display_name
    reason = reason.strip() or f"Personal budget for {name}"
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("reason", f"Keep it to {REASON_LIMIT} characters or fewer.")
    organisation = membership.organisation
    budget = member_account(membership, Unit.PENCE)
    source = organisation_account(organisation, AccountKind.PERSONAL_BUDGETS, Unit.PENCE)
    transfer = transfer_post(
        legs=[Leg(source, -amount), Leg(budget, amount)],
        kind=TransferKind.BUDGET,
        reason=reason,
        operator=viewer.person,
        on_behalf_of=membership.person,
        books={organisation_id},
        occurred_at=occurred_at,
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="coordination.budget_allocate",
        subject=membership,
        detail={"amount_pence": amount, "transfer_id": transfer.pk},
    )
    return transfer


# --- Pools ----------------------------------------------------------------------------------


@transaction.atomic
def pool_create(*, viewer: Viewer, organisation_id: int, name: str, purpose: str) -> Pool:
    """Start a pool: a coordinator (having agreed it with the people who will pool), or a
    budget holder of the organisation. Nothing is contributed yet."""
    permissions.check(viewer, "coordination.take_part", organisation_id, action="start a pool")
    if not permissions.may(
        viewer, "coordination.coordinate", organisation_id
    ) and not is_budget_holder(viewer, organisation_id):
        raise PermissionDenied(
            "Only coordinators, or people with a personal budget here, can start a pool."
        )
    name = _text(name, "name", "Give the pool a name.", NAME_LIMIT)
    purpose = _text(purpose, "purpose", "Say what the pool is for.", PURPOSE_LIMIT)
    same = (
        Pool.objects.filter(
            organisation_id=organisation_id, name__iexact=name, status=PoolStatus.OPEN
        )
        .values_list("name", flat=True)
        .first()
    )
    if same is not None:
        raise Conflict(f"There is already an open pool called “{same}”.")
    organisation = Organisation.objects.get(pk=organisation_id)
    assert viewer.person is not None
    spend_account = delivery_account_open(
        organisation=organisation, name=f"{name} (pooled budget spending)"
    )
    pool = Pool.objects.create(
        organisation=organisation,
        name=name,
        purpose=purpose,
        spend_account=spend_account,
        created_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="coordination.pool_create",
        subject=pool,
    )
    return pool


def _contributor(
    viewer: Viewer, pool: Pool, kind: str, number: str, agreed: bool
) -> tuple[Membership, bool]:
    """Whose budget a contribution comes from, and whether a coordinator is acting for them.
    Without a number it is the viewer's own."""
    if not number:
        own = own_membership(viewer, pool.organisation_id)
        if own is None or budget_account_of(own.pk) is None:
            field = "number" if kind == COORDINATOR else "amount"
            raise InvalidInput(
                field,
                "Give the membership number of the person contributing."
                if kind == COORDINATOR
                else "You have no personal budget here to contribute from.",
            )
        return own, False
    membership = membership_by_number(organisation_id=pool.organisation_id, number=number)
    if membership.person_id == viewer.person_id:
        return membership, False
    if kind != COORDINATOR:
        raise PermissionDenied("Only a coordinator can contribute from someone else's budget.")
    _active(membership)
    if not agreed:
        raise InvalidInput(
            "agreed",
            f"Confirm that {membership.person.display_name} has agreed to put this part of "
            "their budget into the pool.",
        )
    return membership, True


@transaction.atomic
def pool_contribute(
    *,
    viewer: Viewer,
    pool_id: int,
    amount: int,
    number: str = "",
    agreed: bool = False,
    occurred_at: datetime | None = None,
) -> Transfer:
    """Put ``amount`` pence of a personal budget into the pool: the viewer's own (no
    ``number``), or, for a coordinator, the budget of the member with that number, who has
    ``agreed``. More than the budget has left is refused and nothing is written. Locks the
    pool's row."""
    pool, kind = access_pool_by_id(
        viewer=viewer, pool_id=pool_id, action="contribute to a pool", for_update=True
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is closed; it takes no more contributions.")
    membership, for_someone = _contributor(viewer, pool, kind, number, agreed)
    amount = _positive_pence(amount)
    name = membership.person.display_name
    budget = budget_account_of(membership.pk)
    if budget is None or budget.balance <= 0:
        raise InvalidInput(
            "amount",
            f"{name} has no personal budget left to contribute."
            if for_someone
            else "You have no personal budget left to contribute.",
        )
    if amount > budget.balance:
        left = pounds(budget.balance)
        raise InvalidInput(
            "amount",
            (f"{name} has {left}" if for_someone else f"You have {left}")
            + f" left of the personal budget: a contribution of {pounds(amount)} is more "
            "than that.",
        )
    share = (
        PoolShare.objects.select_related("account").filter(pool=pool, membership=membership).first()
    )
    if share is None:
        # Named by membership number, not name: erasure renames member accounts, not these.
        account = Account.objects.create(
            organisation_id=pool.organisation_id,
            kind=AccountKind.POOL_SHARE,
            unit=Unit.PENCE,
            name=f"{pool.name[:170]}: share of {membership.number}",
            floor=0,
            own_limits=True,
        )
        share = PoolShare.objects.create(pool=pool, membership=membership, account=account)
    transfer = transfer_post(
        legs=[Leg(budget, -amount), Leg(share.account, amount)],
        kind=TransferKind.POOL,
        reason=f"Contribution to {pool.name}",
        operator=viewer.person,
        on_behalf_of=membership.person if for_someone else None,
        books={pool.organisation_id},
        occurred_at=occurred_at,
    )
    history_record(
        actor=viewer.person,
        organisation=pool.organisation,
        action="coordination.pool_contribute",
        subject=pool,
        detail={
            "membership_id": membership.pk,
            "amount_pence": amount,
            "transfer_id": transfer.pk,
            "for_someone": for_someone,
        },
    )
    return transfer


def _spent_on(value: date | None) -> date:
    today = timezone.localdate()
    if value is None:
        raise InvalidInput("spent_on", "Give the date the money was spent.")
    if value > today:
        raise InvalidInput("spent_on", "A spend cannot be in the future.")
    if value < today - timedelta(days=SPEND_BACK_DAYS):
        raise InvalidInput("spent_on", "Record spends from the last two years only.")
    return value


def _shares_holding(pool: Pool) -> list[PoolShare]:
    return [
        share
        for share in PoolShare.objects.select_related("account").filter(pool=pool).order_by("pk")
        if share.account.balance > 0
    ]


@transaction.atomic
def pool_spend(
    *, viewer: Viewer, pool_id: int, amount: int, description: str, spent_on: date | None
) -> PoolSpend:
    """Record what the pool spent (coordinators up): ``amount`` pence drawn from the shares
    pro rata to what each holds (largest remainder: the parts add up to the amount to the
    penny). More than the pool holds is refused. Locks the pool's row."""
    pool, _kind = access_pool_by_id(
        viewer=viewer,
        pool_id=pool_id,
        ability="coordination.coordinate",
        action="record a spend from a pool",
        for_update=True,
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is closed; it can no longer spend.")
    description = _text(
        description, "description", "Say what the money was spent on.", DESCRIPTION_LIMIT
    )
    day = _spent_on(spent_on)
    amount = _positive_pence(amount)
    shares = _shares_holding(pool)
    amount_check(amount=amount, total=sum(share.account.balance for share in shares))
    parts = spend_split({share.pk: share.account.balance for share in shares}, amount)
    legs = [Leg(share.account, -parts[share.pk]) for share in shares if parts[share.pk] > 0]
    legs.append(Leg(pool.spend_account, amount))
    occurred = timezone.make_aware(datetime.combine(day, time(12)))
    transfer = transfer_post(
        legs=legs,
        kind=TransferKind.POOL_SPEND,
        reason=f"{pool.name}: {description}",
        operator=viewer.person,
        books={pool.organisation_id},
        occurred_at=min(occurred, timezone.now()),
    )
    assert viewer.person is not None
    spend = PoolSpend.objects.create(
        pool=pool,
        transfer=transfer,
        description=description,
        spent_on=day,
        recorded_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        organisation=pool.organisation,
        action="coordination.pool_spend",
        subject=pool,
        detail={"amount_pence": amount, "transfer_id": transfer.pk},
    )
    return spend


@transaction.atomic
def pool_close(*, viewer: Viewer, pool_id: int) -> Pool:
    """Close the pool (coordinators up): every share still holding money goes back to its
    contributor's budget, in one transfer; the pool then takes no more contributions or
    spends. Locks the pool's row."""
    pool, _kind = access_pool_by_id(
        viewer=viewer,
        pool_id=pool_id,
        ability="coordination.coordinate",
        action="close a pool",
        for_update=True,
    )
    if pool.status != PoolStatus.OPEN:
        raise Conflict("This pool is already closed.")
    legs: list[Leg] = []
    returned = 0
    for share in PoolShare.objects.select_related("account", "membership__person").filter(
        pool=pool
    ):
        if share.account.balance > 0:
            legs.append(Leg(share.account, -share.account.balance))
            legs.append(Leg(member_account(share.membership, Unit.PENCE), share.account.balance))
            returned += share.account.balance
    transfer_id = None
    if legs:
        transfer_id = transfer_post(
            legs=legs,
            kind=TransferKind.POOL,
            reason=f"{pool.name} closed: what remained of each share returned to the budget",
            operator=viewer.person,
            books={pool.organisation_id},
        ).pk
    pool.status = PoolStatus.CLOSED
    pool.save(update_fields=["status"])
    history_record(
        actor=viewer.person,
        organisation=pool.organisation,
        action="coordination.pool_close",
        subject=pool,
        detail={"returned_pence": returned, "transfer_id": transfer_id},
    )
    return pool
