"""Exchanges between two members: proposed, accepted, claimed, confirmed (one transfer) or
disputed and resolved; reminders for claims left unconfirmed; what a viewer may do next."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.framework.amounts import amount_format
from coproduce.framework.forms import DateWindow
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Membership, MembershipStatus, Person
from coproduce.people.permissions import Viewer
from coproduce.timebank import notices, selectors
from coproduce.timebank.ledger import Leg, counterparty_account, member_account, transfer_post
from coproduce.timebank.models import (
    MAX_EXCHANGE_MINUTES,
    AccountKind,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingKind,
    ListingStatus,
    Transfer,
    TransferKind,
)
from coproduce.timebank.services.agreements import agreement_between, no_agreement

# An exchange is arranged for the coming year, or recorded up to a year after it happened.
EXCHANGE_DATES = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=365),
    latest=lambda: timezone.localdate() + timedelta(days=365),
    message="Choose a date from {earliest} to {latest}.",
)
REMIND_AFTER = timedelta(days=3)


def exchange_minutes_check(minutes: int, *, field: str = "minutes") -> int:
    """``minutes`` if one exchange (or one person's share of a session) may carry them."""
    if minutes <= 0:
        raise InvalidInput(field, "The hours must be more than zero.")
    if minutes > MAX_EXCHANGE_MINUTES:
        raise InvalidInput(field, "One exchange cannot be more than 24 hours.")
    return minutes


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
    exchange_minutes_check(minutes)
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
        raise no_agreement(receiver.organisation, provider.organisation)
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
    part = _exchange_part(viewer, exchange)
    if part is not None:
        return exchange, part
    orgs = [exchange.provider.organisation_id, exchange.receiver.organisation_id]
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
    if not _exchange_may("accept", exchange, part, viewer.person_id):
        other = _other_party(exchange, viewer.person_id)
        raise PermissionDenied(f"{other.display_name} needs to accept this exchange.")
    exchange.status = ExchangeStatus.ACCEPTED
    return _finish(exchange, viewer, "accepted")


@transaction.atomic
def exchange_decline(*, viewer: Viewer, exchange_id: int, reason: str = "") -> Exchange:
    exchange, part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.PROPOSED)
    if not _exchange_may("decline", exchange, part, viewer.person_id):
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
    """Either side says it happened and how long it took, and the other side confirms; a
    coordinator brokering the exchange may record it for them and confirm it too."""
    exchange, _part = _locked_exchange(viewer, exchange_id)
    _require_status(exchange, ExchangeStatus.ACCEPTED)
    exchange.claimed_minutes = exchange_minutes_check(minutes)
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
            raise no_agreement(receiver.organisation, provider.organisation)
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
    if not _exchange_may("confirm", exchange, part, viewer.person_id):
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
    if not _exchange_may("dispute", exchange, part, viewer.person_id):
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
        exchange.claimed_minutes = exchange_minutes_check(minutes)
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


# The order the exchange page offers them in.
EXCHANGE_ACTIONS = ("accept", "decline", "cancel", "claim", "confirm", "dispute", "resolve")


def _exchange_part(viewer: Viewer, exchange: Exchange) -> str | None:
    """The viewer's part in an exchange: provider or receiver (a party still in their bank),
    coordinator (of either bank), or None."""
    for side, membership in (("provider", exchange.provider), ("receiver", exchange.receiver)):
        if viewer.person_id == membership.person_id and viewer.role_in(membership.organisation_id):
            return side
    orgs = [exchange.provider.organisation_id, exchange.receiver.organisation_id]
    if any(permissions.may(viewer, "timebank.coordinate", org) for org in orgs):
        return "coordinator"
    return None


def _exchange_may(action: str, exchange: Exchange, part: str, person_id: int | None) -> bool:
    """Whether the viewer (``part`` of the exchange, ``person_id``) may do ``action`` to it
    in its current state: the one rule the services enforce and the page offers."""
    status = exchange.status
    if action in {"accept", "decline"}:
        return status == ExchangeStatus.PROPOSED and (
            part == "coordinator" or person_id != exchange.proposed_by_id
        )
    if action == "cancel":
        return status in {ExchangeStatus.PROPOSED, ExchangeStatus.ACCEPTED}
    if action == "claim":
        # Either person says it happened, or a coordinator brokering it records it for them.
        return status == ExchangeStatus.ACCEPTED
    if action in {"confirm", "dispute"}:
        return status == ExchangeStatus.CLAIMED and (
            part == "coordinator" or person_id != exchange.claimed_by_id
        )
    if action == "resolve":
        return status == ExchangeStatus.DISPUTED and part == "coordinator"
    return False


def exchange_actions_for(*, viewer: Viewer, exchange: Exchange) -> list[str]:
    """What the viewer may do next to this exchange (of ``EXCHANGE_ACTIONS``), as the
    services will allow it: the page offers these and no others."""
    part = _exchange_part(viewer, exchange)
    if part is None:
        return []
    return [
        action
        for action in EXCHANGE_ACTIONS
        if _exchange_may(action, exchange, part, viewer.person_id)
    ]


@transaction.atomic
def exchange_propose_on_listing(
    *,
    viewer: Viewer,
    listing_id: int,
    minutes: int,
    description: str,
    scheduled_for: datetime | None = None,
) -> Exchange:
    """The viewer answers an offer (they receive) or a request (they give)."""
    listing = selectors.listing_get_to_propose(viewer=viewer, listing_id=listing_id)
    mine = selectors.own_membership(viewer=viewer, organisation=listing.organisation)
    if mine is None:
        raise PermissionDenied("Join this time bank to propose exchanges.")
    owner = listing.membership
    provider, receiver = (owner, mine) if listing.kind == ListingKind.OFFER else (mine, owner)
    return exchange_propose(
        viewer=viewer,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        description=description,
        scheduled_for=scheduled_for,
        listing=listing,
    )
