"""Coordination API: pooled personal budgets. The same services and selectors as the pages,
and the same privacy: a contributor gets the pool's totals, its spends and their own share;
only coordinators get every share by name. Money is whole pence (``amount_pence``).

No ``from __future__ import annotations`` here: ninja reads the paginated lists' query
parameters from their real annotations."""

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.coordination.models import Pool, PoolSpend
from coproduce.coordination.selectors import pools as selectors
from coproduce.coordination.services import pools as services
from coproduce.errors import InvalidInput
from coproduce.framework.api_bounds import MAX_PAGE, Flag, Id, Pence
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])

T = TypeVar("T")


def _pence_field(call: Callable[[], T]) -> T:
    """The services name the money ``amount``; the API's body calls it ``amount_pence``."""
    try:
        return call()
    except InvalidInput as error:
        if error.field == "amount":
            raise InvalidInput("amount_pence", error.message) from error
        raise


class PoolRow(Schema):
    id: int
    organisation_id: int
    name: str
    status: str
    contributors: int
    remaining_pence: int
    spent_pence: int

    @staticmethod
    def resolve_contributors(pool: Pool) -> int:
        return int(pool.contributors)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_remaining_pence(pool: Pool) -> int:
        return int(pool.remaining)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_spent_pence(pool: Pool) -> int:
        return pool.spend_account.balance


class ShareOut(Schema):
    membership_id: int
    name: str
    contributed_pence: int
    spent_pence: int
    returned_pence: int
    remaining_pence: int


class PoolOut(Schema):
    id: int
    organisation_id: int
    name: str
    purpose: str
    status: str
    created_at: datetime
    contributors: int
    contributed_pence: int
    spent_pence: int
    returned_pence: int
    remaining_pence: int
    # Every share by name: coordinators only (empty for anyone else).
    shares: list[ShareOut]
    # The caller's own share, if they hold one.
    own_share: ShareOut | None
    # How the caller reads the pool: coordinator, contributor or budget_holder.
    you_are: str


class SpendRow(Schema):
    id: int
    description: str
    spent_on: date
    amount_pence: int
    recorded_by: str

    @staticmethod
    def resolve_amount_pence(spend: PoolSpend) -> int:
        return spend.transfer.amount

    @staticmethod
    def resolve_recorded_by(spend: PoolSpend) -> str:
        return spend.recorded_by.display_name


class PersonalBudgetOut(Schema):
    membership_id: int
    name: str
    number: str
    allocated_pence: int
    in_pools_pence: int
    remaining_pence: int


class PoolIn(Schema):
    name: str = Field(..., max_length=200)
    purpose: str = Field(..., max_length=2000)


class ContributionIn(Schema):
    amount_pence: Pence
    # A coordinator contributes for the member with this number, who has agreed; empty:
    # from the caller's own budget.
    number: str = Field("", max_length=20)
    agreed: Flag = False


class SpendIn(Schema):
    amount_pence: Pence
    description: str = Field(..., max_length=300)
    spent_on: date


class PersonalBudgetIn(Schema):
    number: str = Field(..., max_length=20)
    amount_pence: Pence
    reason: str = Field("", max_length=300)


def _share(share: selectors.ShareFigures) -> dict[str, Any]:
    return {
        "membership_id": share.membership_id,
        "name": share.name,
        "contributed_pence": share.contributed,
        "spent_pence": share.spent,
        "returned_pence": share.returned,
        "remaining_pence": share.remaining,
    }


def _pool(request: HttpRequest, pool_id: int) -> dict[str, Any]:
    who = viewer(request)
    pool, kind = selectors.access_pool_by_id(viewer=who, pool_id=pool_id)
    figures = selectors.pool_figures(viewer=who, pool=pool, kind=kind)
    return {
        "id": pool.pk,
        "organisation_id": pool.organisation_id,
        "name": pool.name,
        "purpose": pool.purpose,
        "status": pool.status,
        "created_at": pool.created_at,
        "contributors": figures.contributors,
        "contributed_pence": figures.contributed,
        "spent_pence": figures.spent,
        "returned_pence": figures.returned,
        "remaining_pence": figures.remaining,
        "shares": [_share(share) for share in figures.shares],
        "own_share": _share(figures.own) if figures.own else None,
        "you_are": kind,
    }


def _budget(summary: selectors.BudgetSummary) -> dict[str, Any]:
    return {
        "membership_id": summary.membership_id,
        "name": summary.name,
        "number": summary.number,
        "allocated_pence": summary.allocated,
        "in_pools_pence": summary.in_pools,
        "remaining_pence": summary.remaining,
    }


@router.get(
    "/organisations/{organisation_id}/pools",
    response=responses(list[PoolRow]),
    summary="Pools I may see (coordinators: all; budget holders: open ones and their own)",
)
@paginate(Pagination)
def pool_list(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.pools_visible(viewer=viewer(request), organisation_id=organisation_id)


@router.post(
    "/organisations/{organisation_id}/pools",
    response=responses(PoolOut, 201),
    summary="Start a pool (a coordinator, or a budget holder)",
)
def pool_create(request: HttpRequest, organisation_id: Id, payload: PoolIn) -> Any:
    pool = services.pool_create(
        viewer=viewer(request),
        organisation_id=organisation_id,
        name=payload.name,
        purpose=payload.purpose,
    )
    return Status(201, _pool(request, pool.pk))


@router.get("/pools/{pool_id}", response=responses(PoolOut), summary="A pool and its shares")
def pool_get(request: HttpRequest, pool_id: Id) -> dict[str, Any]:
    return _pool(request, pool_id)


@router.get(
    "/pools/{pool_id}/spends",
    response=responses(list[SpendRow]),
    summary="What the pool spent, newest first",
)
@paginate(Pagination)
def pool_spends(request: HttpRequest, pool_id: Id) -> Any:
    pool, _kind = selectors.access_pool_by_id(viewer=viewer(request), pool_id=pool_id)
    return selectors.pool_spends(pool)


@router.post(
    "/pools/{pool_id}/contributions",
    response=responses(PoolOut, 201),
    summary="Put part of a personal budget into the pool (yours, or one who has agreed)",
)
def pool_contribute(request: HttpRequest, pool_id: Id, payload: ContributionIn) -> Any:
    _pence_field(
        lambda: services.pool_contribute(
            viewer=viewer(request),
            pool_id=pool_id,
            amount=payload.amount_pence,
            number=membership_number_normalise(payload.number),
            agreed=payload.agreed,
        )
    )
    return Status(201, _pool(request, pool_id))


@router.post(
    "/pools/{pool_id}/spends",
    response=responses(SpendRow, 201),
    summary="Record a spend, drawn from the shares pro rata (largest remainder)",
)
def pool_spend(request: HttpRequest, pool_id: Id, payload: SpendIn) -> Any:
    spend = _pence_field(
        lambda: services.pool_spend(
            viewer=viewer(request),
            pool_id=pool_id,
            amount=payload.amount_pence,
            description=payload.description,
            spent_on=payload.spent_on,
        )
    )
    return Status(201, spend)


@router.post(
    "/pools/{pool_id}/close",
    response=responses(PoolOut),
    summary="Close the pool: what remains of each share goes back to its budget",
)
def pool_close(request: HttpRequest, pool_id: Id) -> dict[str, Any]:
    services.pool_close(viewer=viewer(request), pool_id=pool_id)
    return _pool(request, pool_id)


class BudgetPage(Schema):
    items: list[PersonalBudgetOut]
    count: int
    page: int
    pages: int


@router.get(
    "/organisations/{organisation_id}/budgets",
    response=responses(BudgetPage),
    summary="Every budget holder's personal budget, by name (coordinators)",
)
def budget_list(
    request: HttpRequest,
    organisation_id: Id,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(25, ge=1, le=100),
) -> dict[str, Any]:
    holders = selectors.budget_holders(viewer=viewer(request), organisation_id=organisation_id)
    count = holders.count()
    start = (page - 1) * page_size
    accounts = list(holders[start : start + page_size])
    return {
        "items": [_budget(summary) for summary in selectors.budget_summaries(accounts)],
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / page_size)),
    }


@router.get(
    "/organisations/{organisation_id}/budgets/mine",
    response=responses(PersonalBudgetOut | None),
    summary="My own personal budget (null if none is recorded)",
)
def budget_mine(request: HttpRequest, organisation_id: Id) -> Any:
    account = selectors.own_budget(viewer=viewer(request), organisation_id=organisation_id)
    return _budget(selectors.budget_summaries([account])[0]) if account else None


@router.post(
    "/organisations/{organisation_id}/budgets",
    response=responses(PersonalBudgetOut, 201),
    summary="Record a personal budget allocated to a member (coordinators)",
)
def budget_allocate(request: HttpRequest, organisation_id: Id, payload: PersonalBudgetIn) -> Any:
    who = viewer(request)
    transfer = _pence_field(
        lambda: services.budget_allocate(
            viewer=who,
            organisation_id=organisation_id,
            number=membership_number_normalise(payload.number),
            amount=payload.amount_pence,
            reason=payload.reason,
        )
    )
    assert transfer.on_behalf_of is not None
    account = selectors.budget_holders(viewer=who, organisation_id=organisation_id).get(
        membership__person_id=transfer.on_behalf_of.pk
    )
    return Status(201, _budget(selectors.budget_summaries([account])[0]))
