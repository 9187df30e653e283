"""The time bank's JSON API: the same selectors and services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.errors import InvalidInput, NotFound
from coproduce.framework.api_bounds import MAX_BIGINT, BodyId, Count, Flag, Id, Minutes
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.models import Membership, Organisation
from coproduce.people.permissions import Viewer
from coproduce.people.permissions import viewer_of as viewer
from coproduce.timebank import ledger, selectors, services
from coproduce.timebank.models import Exchange, Listing, Redemption, Reward, Transfer

router = Router(tags=["timebank"])


class AccountOut(Schema):
    id: int
    organisation_id: int
    kind: str
    unit: str
    membership_id: int | None
    name: str
    balance: int
    floor: int | None
    ceiling: int | None


class EntryOut(Schema):
    account_id: int
    amount: int


class TransferOut(Schema):
    id: int
    organisation_id: int
    kind: str
    unit: str
    amount: int
    reason: str
    operator_id: int | None
    on_behalf_of_id: int | None
    exchange_id: int | None
    listing_id: int | None
    reverses_id: int | None
    occurred_at: datetime
    entries: list[EntryOut]

    @staticmethod
    def resolve_entries(transfer: Transfer) -> list[dict[str, int]]:
        return [
            {"account_id": entry.account_id, "amount": entry.amount}
            for entry in transfer.entries.all()
        ]


class TransferIn(Schema):
    from_account: BodyId
    to_account: BodyId
    minutes: Minutes
    reason: str = Field(..., max_length=2000)


class ReverseIn(Schema):
    reason: str = Field(..., max_length=2000)


class ExchangeOut(Schema):
    id: int
    organisation_id: int
    listing_id: int | None
    provider_membership_id: int = Field(..., alias="provider_id")
    receiver_membership_id: int = Field(..., alias="receiver_id")
    minutes: int
    claimed_minutes: int | None
    description: str
    status: str
    scheduled_for: datetime | None
    created_at: datetime


class ExchangeIn(Schema):
    provider_membership: BodyId
    receiver_membership: BodyId
    minutes: Minutes
    description: str = Field(..., max_length=2000)
    listing: BodyId | None = None
    scheduled_for: datetime | None = None


class ExchangeActionIn(Schema):
    minutes: Minutes | None = None
    reason: str = Field("", max_length=2000)


class ResolveIn(Schema):
    outcome: str
    note: str = Field(..., max_length=2000)
    minutes: Minutes | None = None


class ListingOut(Schema):
    id: int
    organisation_id: int
    kind: str
    title: str
    description: str
    category: str
    area_id: int | None
    availability: str
    needs_vetted_helper: bool
    status: str
    created_at: datetime


class ListingIn(Schema):
    organisation_id: BodyId
    kind: str
    title: str = Field(..., max_length=120)
    category: str
    description: str = Field("", max_length=5000)
    availability: str = Field("", max_length=200)
    needs_vetted_helper: Flag = False


class RewardOut(Schema):
    id: int
    partner_id: int
    bank_id: int
    name: str
    credits: int
    restrictions: str
    off_peak_only: bool
    age_group: str
    monthly_cap: int | None
    is_active: bool


class RewardIn(Schema):
    partner_id: BodyId
    bank_id: BodyId
    name: str = Field(..., max_length=120)
    credits: Minutes
    restrictions: str = Field("", max_length=500)
    off_peak_only: Flag = False
    age_group: str = "anyone"
    monthly_cap: Count | None = None


class RedemptionOut(Schema):
    id: int
    reward_id: int
    membership_id: int
    transfer_id: int
    redeemed_at: datetime


class RedeemIn(Schema):
    membership_number: str = Field(..., max_length=20)
    code: str = Field(..., max_length=20, description="The member's one-time redemption code")


class RedemptionCodeIn(Schema):
    bank_id: BodyId


class RedemptionCodeOut(Schema):
    code: str = Field(..., description="Six digits, shown once: only a hash is kept")
    membership_number: str
    bank_id: int
    expires_at: datetime


def _membership(current: Viewer, membership_id: int, field: str) -> Membership:
    """A membership in an organisation the viewer belongs to; others are unknown."""
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(pk=membership_id, organisation_id__in=current.organisation_ids())
        .first()
    )
    if membership is None:
        raise NotFound(f"No such membership ({field}) in your organisations.")
    return membership


def _organisation(current: Viewer, organisation_id: int, ability: str) -> Organisation:
    return selectors.bank_get(viewer=current, organisation_id=organisation_id, ability=ability)


# --- accounts and transfers --------------------------------------------------------------------


@router.get(
    "/accounts", response=responses(list[AccountOut]), summary="My accounts (coordinators: all)"
)
@paginate(Pagination)
def account_list(
    request: HttpRequest,
    membership_id: int = Query(
        0, ge=0, le=MAX_BIGINT, description="Only this membership's accounts (0: all)"
    ),
) -> Any:
    accounts = selectors.account_list_for_viewer(viewer=viewer(request))
    return accounts.filter(membership_id=membership_id) if membership_id else accounts


@router.get("/accounts/{account_id}", response=responses(AccountOut))
def account_detail(request: HttpRequest, account_id: Id) -> Any:
    return selectors.account_get(viewer=viewer(request), account_id=account_id)


class LimitsIn(Schema):
    floor: Minutes | None = None
    ceiling: Minutes | None = None
    reason: str = Field(..., max_length=500)
    follow_organisation: Flag = False


@router.post(
    "/accounts/{account_id}/limits",
    response=responses(AccountOut),
    summary="Give an account its own limits, or return it to the bank's",
)
def account_limits(request: HttpRequest, account_id: Id, payload: LimitsIn) -> Any:
    selectors.account_get(viewer=viewer(request), account_id=account_id)
    return ledger.limits_set_for_account(
        viewer=viewer(request),
        account_id=account_id,
        floor=payload.floor,
        ceiling=payload.ceiling,
        reason=payload.reason,
        follow_organisation=payload.follow_organisation,
    )


@router.get("/transfers", response=responses(list[TransferOut]), summary="Transfers I can see")
@paginate(Pagination)
def transfer_list(request: HttpRequest) -> Any:
    return selectors.transfer_list_for_viewer(viewer=viewer(request)).prefetch_related("entries")


@router.post(
    "/transfers", response=responses(TransferOut, 201), summary="Give time or record a transfer"
)
def transfer_create(request: HttpRequest, payload: TransferIn) -> Any:
    transfer = services.transfer_record(
        viewer=viewer(request),
        from_account_id=payload.from_account,
        to_account_id=payload.to_account,
        amount=payload.minutes,
        reason=payload.reason,
    )
    return Status(201, transfer)


@router.get("/transfers/{transfer_id}", response=responses(TransferOut))
def transfer_detail(request: HttpRequest, transfer_id: Id) -> Transfer:
    return selectors.transfer_get(viewer=viewer(request), transfer_id=transfer_id)


@router.post("/transfers/{transfer_id}/reverse", response=responses(TransferOut, 201))
def transfer_reverse(request: HttpRequest, transfer_id: Id, payload: ReverseIn) -> Any:
    selectors.transfer_get(viewer=viewer(request), transfer_id=transfer_id)
    reversal = services.transfer_reverse(
        viewer=viewer(request), transfer_id=transfer_id, reason=payload.reason
    )
    return Status(201, reversal)


# --- exchanges -------------------------------------------------------------------------------


@router.get("/exchanges", response=responses(list[ExchangeOut]), summary="Exchanges I can see")
@paginate(Pagination)
def exchange_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.exchange_list_for_viewer(viewer=viewer(request), status=status)


@router.post("/exchanges", response=responses(ExchangeOut, 201), summary="Propose an exchange")
def exchange_create(request: HttpRequest, payload: ExchangeIn) -> Any:
    current = viewer(request)
    listing: Listing | None = None
    if payload.listing is not None:
        listing = selectors.listing_get(viewer=current, listing_id=payload.listing)
    exchange = services.exchange_propose(
        viewer=current,
        provider=_membership(current, payload.provider_membership, "provider_membership"),
        receiver=_membership(current, payload.receiver_membership, "receiver_membership"),
        minutes=payload.minutes,
        description=payload.description,
        listing=listing,
        scheduled_for=payload.scheduled_for,
    )
    return Status(201, exchange)


@router.get("/exchanges/{exchange_id}", response=responses(ExchangeOut))
def exchange_detail(request: HttpRequest, exchange_id: Id) -> Exchange:
    return selectors.exchange_get(viewer=viewer(request), exchange_id=exchange_id)


@router.post(
    "/exchanges/{exchange_id}/resolve", response=responses(ExchangeOut), summary="Resolve a dispute"
)
def exchange_resolve(request: HttpRequest, exchange_id: Id, payload: ResolveIn) -> Exchange:
    return services.exchange_resolve(
        viewer=viewer(request),
        exchange_id=exchange_id,
        outcome=payload.outcome,
        note=payload.note,
        minutes=payload.minutes,
    )


@router.post(
    "/exchanges/{exchange_id}/{action}",
    response=responses(ExchangeOut),
    summary="accept, decline, cancel, claim, confirm or dispute",
)
def exchange_act(
    request: HttpRequest, exchange_id: Id, action: str, payload: ExchangeActionIn
) -> Exchange:
    current = viewer(request)
    if action == "accept":
        return services.exchange_accept(viewer=current, exchange_id=exchange_id)
    if action == "decline":
        return services.exchange_decline(
            viewer=current, exchange_id=exchange_id, reason=payload.reason
        )
    if action == "cancel":
        return services.exchange_cancel(
            viewer=current, exchange_id=exchange_id, reason=payload.reason
        )
    if action == "claim":
        if payload.minutes is None:
            raise InvalidInput("minutes", "Give the minutes the exchange took.")
        return services.exchange_claim(
            viewer=current, exchange_id=exchange_id, minutes=payload.minutes
        )
    if action == "confirm":
        return services.exchange_confirm(viewer=current, exchange_id=exchange_id)
    if action == "dispute":
        return services.exchange_dispute(
            viewer=current, exchange_id=exchange_id, reason=payload.reason
        )
    raise NotFound()


# --- offers and requests ---------------------------------------------------------------------


@router.get(
    "/listings", response=responses(list[ListingOut]), summary="Browse and search offers, requests"
)
@paginate(Pagination)
def listing_list(
    request: HttpRequest,
    kind: str = "",
    q: str = "",
    category: str = "",
    area: int = Query(0, ge=0, le=MAX_BIGINT, description="An area id, or 0 for anywhere"),
) -> Any:
    return selectors.listing_browse(
        viewer=viewer(request), kind=kind, search=q, category=category, area_id=area
    )


@router.post("/listings", response=responses(ListingOut, 201), summary="Offer help or ask for it")
def listing_create(request: HttpRequest, payload: ListingIn) -> Any:
    current = viewer(request)
    organisation = _organisation(current, payload.organisation_id, "timebank.take_part")
    data = payload.dict(exclude={"organisation_id"})
    return Status(201, services.listing_create(viewer=current, organisation=organisation, **data))


@router.get("/listings/{listing_id}", response=responses(ListingOut))
def listing_detail(request: HttpRequest, listing_id: Id) -> Listing:
    return selectors.listing_get(viewer=viewer(request), listing_id=listing_id)


# --- rewards and redemptions -----------------------------------------------------------------


@router.get("/rewards", response=responses(list[RewardOut]), summary="Rewards I can use or redeem")
@paginate(Pagination)
def reward_list(request: HttpRequest) -> Any:
    return selectors.reward_list_for_viewer(viewer=viewer(request))


@router.post("/rewards", response=responses(RewardOut, 201), summary="A partner lists a reward")
def reward_create(request: HttpRequest, payload: RewardIn) -> Any:
    reward = services.reward_create(
        viewer=viewer(request),
        partner_id=payload.partner_id,
        bank_id=payload.bank_id,
        name=payload.name,
        credits=payload.credits,
        restrictions=payload.restrictions,
        off_peak_only=payload.off_peak_only,
        age_group=payload.age_group,
        monthly_cap=payload.monthly_cap,
    )
    return Status(201, reward)


@router.post(
    "/rewards/{reward_id}/redemptions",
    response=responses(RedemptionOut, 201),
    summary="Redeem a reward for a member, by membership number and their one-time code",
)
def reward_redeem(request: HttpRequest, reward_id: Id, payload: RedeemIn) -> Any:
    current = viewer(request)
    reward: Reward = selectors.reward_get(viewer=current, reward_id=reward_id)
    redemption: Redemption = services.reward_redeem(
        viewer=current,
        reward_id=reward.pk,
        membership_number=payload.membership_number,
        code=payload.code,
    )
    return Status(201, redemption)


@router.post(
    "/redemption-codes",
    response=responses(RedemptionCodeOut, 201),
    summary="Get my one-time code for spending credits at a partner",
)
def redemption_code_issue(request: HttpRequest, payload: RedemptionCodeIn) -> Any:
    row, code = services.redemption_code_issue(
        viewer=viewer(request), organisation_id=payload.bank_id
    )
    return Status(
        201,
        {
            "code": code,
            "membership_number": row.membership.number,
            "bank_id": row.membership.organisation_id,
            "expires_at": row.expires_at,
        },
    )


@router.get(
    "/redemptions", response=responses(list[RedemptionOut]), summary="My redemptions, or my venue's"
)
@paginate(Pagination)
def redemption_list(request: HttpRequest) -> Any:
    return selectors.redemption_list_for_viewer(viewer=viewer(request))
