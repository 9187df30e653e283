"""The time bank's JSON API: the same selectors and services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.api.auth import viewer
from coproduce.api.pagination import Pagination
from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank import selectors, services
from coproduce.timebank.models import Exchange, Listing, Redemption, Reward, Transfer

router = Router(tags=["timebank"])


class AccountOut(Schema):
    id: int
    organisation_id: int
    kind: str
    unit: str
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
    from_account: int
    to_account: int
    minutes: int
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
    provider_membership: int
    receiver_membership: int
    minutes: int
    description: str = Field(..., max_length=2000)
    listing: int | None = None
    scheduled_for: datetime | None = None


class ExchangeActionIn(Schema):
    minutes: int | None = None
    reason: str = Field("", max_length=2000)


class ResolveIn(Schema):
    outcome: str
    note: str = Field(..., max_length=2000)
    minutes: int | None = None


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
    organisation_id: int
    kind: str
    title: str = Field(..., max_length=120)
    category: str
    description: str = Field("", max_length=5000)
    availability: str = Field("", max_length=200)
    needs_vetted_helper: bool = False


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
    partner_id: int
    bank_id: int
    name: str = Field(..., max_length=120)
    credits: int
    restrictions: str = Field("", max_length=500)
    off_peak_only: bool = False
    age_group: str = "anyone"
    monthly_cap: int | None = None


class RedemptionOut(Schema):
    id: int
    reward_id: int
    membership_id: int
    transfer_id: int
    redeemed_at: datetime


class RedeemIn(Schema):
    membership_number: str = Field(..., max_length=20)


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


@router.get("/accounts", response=list[AccountOut], summary="My accounts (coordinators: all)")
@paginate(Pagination)
def account_list(request: HttpRequest) -> Any:
    return selectors.account_list_for_viewer(viewer=viewer(request))


@router.get("/accounts/{account_id}", response=AccountOut)
def account_detail(request: HttpRequest, account_id: int) -> Any:
    return selectors.account_get(viewer=viewer(request), account_id=account_id)


class LimitsIn(Schema):
    floor: int | None = None
    ceiling: int | None = None
    reason: str = Field(..., max_length=500)
    follow_organisation: bool = False


@router.post(
    "/accounts/{account_id}/limits",
    response=AccountOut,
    summary="Give an account its own limits, or return it to the bank's",
)
def account_limits(request: HttpRequest, account_id: int, payload: LimitsIn) -> Any:
    selectors.account_get(viewer=viewer(request), account_id=account_id)
    return services.limits_set_for_account(
        viewer=viewer(request),
        account_id=account_id,
        floor=payload.floor,
        ceiling=payload.ceiling,
        reason=payload.reason,
        follow_organisation=payload.follow_organisation,
    )


@router.get("/transfers", response=list[TransferOut], summary="Transfers I can see")
@paginate(Pagination)
def transfer_list(request: HttpRequest) -> Any:
    return selectors.transfer_list_for_viewer(viewer=viewer(request)).prefetch_related("entries")


@router.post("/transfers", response={201: TransferOut}, summary="Give time or record a transfer")
def transfer_create(request: HttpRequest, payload: TransferIn) -> Any:
    transfer = services.transfer_record(
        viewer=viewer(request),
        from_account_id=payload.from_account,
        to_account_id=payload.to_account,
        amount=payload.minutes,
        reason=payload.reason,
    )
    return Status(201, transfer)


@router.get("/transfers/{transfer_id}", response=TransferOut)
def transfer_detail(request: HttpRequest, transfer_id: int) -> Transfer:
    return selectors.transfer_get(viewer=viewer(request), transfer_id=transfer_id)


@router.post("/transfers/{transfer_id}/reverse", response={201: TransferOut})
def transfer_reverse(request: HttpRequest, transfer_id: int, payload: ReverseIn) -> Any:
    selectors.transfer_get(viewer=viewer(request), transfer_id=transfer_id)
    reversal = services.transfer_reverse(
        viewer=viewer(request), transfer_id=transfer_id, reason=payload.reason
    )
    return Status(201, reversal)


# --- exchanges -------------------------------------------------------------------------------


@router.get("/exchanges", response=list[ExchangeOut], summary="Exchanges I can see")
@paginate(Pagination)
def exchange_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.exchange_list_for_viewer(viewer=viewer(request), status=status)


@router.post("/exchanges", response={201: ExchangeOut}, summary="Propose an exchange")
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


@router.get("/exchanges/{exchange_id}", response=ExchangeOut)
def exchange_detail(request: HttpRequest, exchange_id: int) -> Exchange:
    return selectors.exchange_get(viewer=viewer(request), exchange_id=exchange_id)


@router.post("/exchanges/{exchange_id}/resolve", response=ExchangeOut, summary="Resolve a dispute")
def exchange_resolve(request: HttpRequest, exchange_id: int, payload: ResolveIn) -> Exchange:
    return services.exchange_resolve(
        viewer=viewer(request),
        exchange_id=exchange_id,
        outcome=payload.outcome,
        note=payload.note,
        minutes=payload.minutes,
    )


@router.post(
    "/exchanges/{exchange_id}/{action}",
    response=ExchangeOut,
    summary="accept, decline, cancel, claim, confirm or dispute",
)
def exchange_act(
    request: HttpRequest, exchange_id: int, action: str, payload: ExchangeActionIn
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


@router.get("/listings", response=list[ListingOut], summary="Browse and search offers, requests")
@paginate(Pagination)
def listing_list(
    request: HttpRequest, kind: str = "", q: str = "", category: str = "", area: int = 0
) -> Any:
    return selectors.listing_browse(
        viewer=viewer(request), kind=kind, search=q, category=category, area_id=area or None
    )


@router.post("/listings", response={201: ListingOut}, summary="Offer help or ask for it")
def listing_create(request: HttpRequest, payload: ListingIn) -> Any:
    current = viewer(request)
    organisation = _organisation(current, payload.organisation_id, "timebank.take_part")
    data = payload.dict(exclude={"organisation_id"})
    return Status(201, services.listing_create(viewer=current, organisation=organisation, **data))


@router.get("/listings/{listing_id}", response=ListingOut)
def listing_detail(request: HttpRequest, listing_id: int) -> Listing:
    return selectors.listing_get(viewer=viewer(request), listing_id=listing_id)


# --- rewards and redemptions -----------------------------------------------------------------


@router.get("/rewards", response=list[RewardOut], summary="Rewards I can use or redeem")
@paginate(Pagination)
def reward_list(request: HttpRequest) -> Any:
    return selectors.reward_list_for_viewer(viewer=viewer(request))


@router.post("/rewards", response={201: RewardOut}, summary="A partner lists a reward")
def reward_create(request: HttpRequest, payload: RewardIn) -> Any:
    current = viewer(request)
    partner = Organisation.objects.filter(pk=payload.partner_id).first()
    bank = Organisation.objects.filter(pk=payload.bank_id).first()
    if partner is None:
        raise NotFound()
    permissions.check(current, "timebank.manage_rewards", partner.pk, action="list rewards")
    if bank is None:
        raise InvalidInput("bank_id", "No such time bank.")
    reward = services.reward_create(
        viewer=current,
        partner=partner,
        bank=bank,
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
    response={201: RedemptionOut},
    summary="Redeem a reward for a member, by membership number",
)
def reward_redeem(request: HttpRequest, reward_id: int, payload: RedeemIn) -> Any:
    current = viewer(request)
    reward: Reward = selectors.reward_get(viewer=current, reward_id=reward_id)
    redemption: Redemption = services.reward_redeem(
        viewer=current, reward_id=reward.pk, membership_number=payload.membership_number
    )
    return Status(201, redemption)


@router.get("/redemptions", response=list[RedemptionOut], summary="My redemptions, or my venue's")
@paginate(Pagination)
def redemption_list(request: HttpRequest) -> Any:
    return selectors.redemption_list_for_viewer(viewer=viewer(request))
