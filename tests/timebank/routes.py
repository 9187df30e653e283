"""Who may open each time-bank page and API operation (walked by
tests/web/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from coproduce.people.models import Membership
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Exchange, Listing, Transfer
from tests.matrix import COORDINATORS_UP, MEMBERS_UP, STAFF_UP, ApiRoute, Route


def _membership(world: Any, role: str) -> Membership:
    return Membership.objects.select_related("person", "organisation").get(
        organisation=world.org, person=world.people[role]
    )


def _bank(world: Any) -> dict[str, Any]:
    return {"organisation_id": world.org.pk}


def _listing(world: Any) -> int:
    existing = Listing.objects.filter(organisation=world.org, title="Matrix offer").first()
    if existing is not None:
        return existing.pk
    return services.listing_create(
        viewer=world.viewer("member"),
        organisation=world.org,
        kind="offer",
        title="Matrix offer",
        category="gardening",
    ).pk


def _exchange(world: Any) -> int:
    existing = Exchange.objects.filter(organisation=world.org, description="Matrix").first()
    if existing is not None:
        return existing.pk
    return services.exchange_propose(
        viewer=world.viewer("member"),
        provider=_membership(world, "staff"),
        receiver=_membership(world, "member"),
        minutes=60,
        description="Matrix",
    ).pk


def _disputed(world: Any) -> int:
    pk = _exchange(world)
    exchange = Exchange.objects.get(pk=pk)
    if exchange.status == "proposed":
        services.exchange_accept(viewer=world.viewer("staff"), exchange_id=pk)
        services.exchange_claim(viewer=world.viewer("staff"), exchange_id=pk, minutes=60)
    return pk


def _transfer(world: Any) -> int:
    existing = Transfer.objects.filter(organisation=world.org, reason="Matrix").first()
    if existing is not None:
        return existing.pk
    return services.member_transfer_record(
        viewer=world.viewer("coordinator"),
        payer=_membership(world, "member"),
        payee=_membership(world, "staff"),
        amount=30,
        reason="Matrix",
    ).pk


PARTIES_AND_COORDINATORS = COORDINATORS_UP | {"member", "staff"}

ROUTES = [
    Route("timebank:dashboard", _bank, allowed=MEMBERS_UP),
    Route("timebank:statement", _bank, allowed=MEMBERS_UP),
    Route("timebank:listing_browse", _bank, allowed=MEMBERS_UP),
    Route("timebank:listing_create", _bank, allowed=MEMBERS_UP),
    Route("timebank:rewards", _bank, allowed=MEMBERS_UP),
    Route("timebank:queue", _bank, allowed=COORDINATORS_UP),
    Route("timebank:record_transfer", _bank, allowed=COORDINATORS_UP),
    Route("timebank:exchange_arrange", _bank, allowed=COORDINATORS_UP),
    Route("timebank:record_group", _bank, allowed=STAFF_UP),
    Route("timebank:record_agency", _bank, allowed=STAFF_UP),
    Route("timebank:transfer_list", _bank, allowed=COORDINATORS_UP),
    Route("timebank:limits", _bank, allowed=COORDINATORS_UP),
    Route("timebank:statistics", _bank, allowed=COORDINATORS_UP),
    Route("timebank:agreements", _bank, allowed=COORDINATORS_UP),
    Route("timebank:partner_desk", _bank, allowed=STAFF_UP),
    Route("timebank:listing_detail", lambda w: {"pk": _listing(w)}, allowed=MEMBERS_UP),
    Route(
        "timebank:listing_edit",
        lambda w: {"pk": _listing(w)},
        allowed=COORDINATORS_UP | {"member"},
    ),
    Route("timebank:exchange_propose", lambda w: {"pk": _listing(w)}, allowed=MEMBERS_UP),
    Route(
        "timebank:exchange_detail",
        lambda w: {"pk": _exchange(w)},
        allowed=PARTIES_AND_COORDINATORS,
    ),
    Route(
        "timebank:exchange_action",
        lambda w: {"pk": _exchange(w), "action": "cancel"},
        allowed=PARTIES_AND_COORDINATORS,
    ),
    Route(
        "timebank:exchange_resolve",
        lambda w: {"pk": _disputed(w)},
        allowed=COORDINATORS_UP,
    ),
    Route(
        "timebank:transfer_reverse",
        lambda w: {"pk": _transfer(w)},
        allowed=COORDINATORS_UP,
    ),
]


def _fresh_transfer(world: Any) -> int:
    return services.member_transfer_record(
        viewer=world.viewer("coordinator"),
        payer=_membership(world, "member"),
        payee=_membership(world, "staff"),
        amount=5,
        reason="Matrix reversal",
    ).pk


def _fresh_exchange(world: Any, *, disputed: bool = False) -> int:
    pk = services.exchange_propose(
        viewer=world.viewer("member"),
        provider=_membership(world, "staff"),
        receiver=_membership(world, "member"),
        minutes=30,
        description="Matrix API",
    ).pk
    if disputed:
        services.exchange_accept(viewer=world.viewer("staff"), exchange_id=pk)
        services.exchange_claim(viewer=world.viewer("staff"), exchange_id=pk, minutes=30)
        services.exchange_dispute(viewer=world.viewer("member"), exchange_id=pk, reason="No")
    return pk


def _account(world: Any) -> int:
    from django.db import transaction

    with transaction.atomic():
        return ledger.member_account(_membership(world, "member")).pk


def _reward(world: Any) -> int:
    from coproduce.timebank.models import Reward

    existing = Reward.objects.filter(partner=world.org, name="Matrix swim").first()
    if existing is not None:
        return existing.pk
    return services.reward_create(
        viewer=world.viewer("staff"),
        partner_id=world.org.pk,
        bank_id=world.org.pk,
        name="Matrix swim",
        credits=1,
    ).pk


def _redemption(world: Any) -> dict[str, Any]:
    """A member with a credit to spend shows a fresh one-time code at the desk."""
    from coproduce.people.permissions import viewer_for

    member = _membership(world, "member")
    services.credit_award(viewer=world.viewer("admin"), membership=member, minutes=1, reason="x")
    _row, code = services.redemption_code_issue(
        viewer=viewer_for(member.person.user), organisation_id=world.org.pk
    )
    return {"membership_number": member.number, "code": code}


API = "/api/v1/timebank"

API_ROUTES = [
    ApiRoute("/timebank/accounts", lambda w: f"{API}/accounts", any_signed_in=True),
    ApiRoute(
        "/timebank/accounts/{account_id}",
        lambda w: f"{API}/accounts/{_account(w)}",
        allowed=COORDINATORS_UP | {"member"},
    ),
    ApiRoute(
        "/timebank/accounts/{account_id}/limits",
        lambda w: f"{API}/accounts/{_account(w)}/limits",
        method="post",
        allowed=COORDINATORS_UP,
        data=lambda w: {"floor": -1200, "ceiling": None, "reason": "Carer"},
    ),
    ApiRoute("/timebank/transfers", lambda w: f"{API}/transfers", any_signed_in=True),
    ApiRoute(
        "/timebank/transfers",
        lambda w: f"{API}/transfers",
        method="post",
        allowed=COORDINATORS_UP | {"member"},
        data=lambda w: {
            "from_account": _account(w),
            "to_account": ledger.member_account(_membership(w, "staff")).pk,
            "minutes": 10,
            "reason": "Matrix",
        },
        ok_status=201,
    ),
    ApiRoute(
        "/timebank/transfers/{transfer_id}",
        lambda w: f"{API}/transfers/{_transfer(w)}",
        allowed=PARTIES_AND_COORDINATORS,
    ),
    ApiRoute(
        "/timebank/transfers/{transfer_id}/reverse",
        lambda w: f"{API}/transfers/{_fresh_transfer(w)}/reverse",
        method="post",
        allowed=COORDINATORS_UP,
        data=lambda w: {"reason": "Matrix"},
        ok_status=201,
    ),
    ApiRoute("/timebank/exchanges", lambda w: f"{API}/exchanges", any_signed_in=True),
    ApiRoute(
        "/timebank/exchanges",
        lambda w: f"{API}/exchanges",
        method="post",
        allowed=MEMBERS_UP,
        data=lambda w: {
            "provider_membership": _membership(w, "staff").pk,
            "receiver_membership": _membership(w, "member").pk,
            "minutes": 60,
            "description": "Matrix",
        },
        ok_status=201,
    ),
    ApiRoute(
        "/timebank/exchanges/{exchange_id}",
        lambda w: f"{API}/exchanges/{_exchange(w)}",
        allowed=PARTIES_AND_COORDINATORS,
    ),
    ApiRoute(
        "/timebank/exchanges/{exchange_id}/{action}",
        lambda w: f"{API}/exchanges/{_fresh_exchange(w)}/cancel",
        method="post",
        allowed=PARTIES_AND_COORDINATORS,
        data=lambda w: {"reason": "Matrix"},
    ),
    ApiRoute(
        "/timebank/exchanges/{exchange_id}/resolve",
        lambda w: f"{API}/exchanges/{_fresh_exchange(w, disputed=True)}/resolve",
        method="post",
        allowed=COORDINATORS_UP,
        data=lambda w: {"outcome": "cancel", "note": "Matrix"},
    ),
    ApiRoute("/timebank/listings", lambda w: f"{API}/listings", any_signed_in=True),
    ApiRoute(
        "/timebank/listings",
        lambda w: f"{API}/listings",
        method="post",
        allowed=MEMBERS_UP,
        data=lambda w: {
            "organisation_id": w.org.pk,
            "kind": "request",
            "title": "Matrix request",
            "category": "company",
        },
        ok_status=201,
    ),
    ApiRoute(
        "/timebank/listings/{listing_id}",
        lambda w: f"{API}/listings/{_listing(w)}",
        allowed=MEMBERS_UP,
    ),
    ApiRoute("/timebank/rewards", lambda w: f"{API}/rewards", any_signed_in=True),
    ApiRoute(
        "/timebank/rewards",
        lambda w: f"{API}/rewards",
        method="post",
        allowed=STAFF_UP,
        data=lambda w: {
            "partner_id": w.org.pk,
            "bank_id": w.org.pk,
            "name": "Matrix film",
            "credits": 60,
        },
        ok_status=201,
    ),
    ApiRoute(
        "/timebank/rewards/{reward_id}/redemptions",
        lambda w: f"{API}/rewards/{_reward(w)}/redemptions",
        method="post",
        allowed=STAFF_UP,
        data=_redemption,
        ok_status=201,
    ),
    ApiRoute(
        "/timebank/redemption-codes",
        lambda w: f"{API}/redemption-codes",
        method="post",
        allowed=MEMBERS_UP,
        data=lambda w: {"bank_id": w.org.pk},
        ok_status=201,
    ),
    ApiRoute("/timebank/redemptions", lambda w: f"{API}/redemptions", any_signed_in=True),
]
