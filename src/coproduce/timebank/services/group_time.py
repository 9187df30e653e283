"""Time given in a group session, time given with the organisation itself (its agency
account), and time credits the organisation issues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Membership, Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger import Leg, member_account, organisation_account, transfer_post
from coproduce.timebank.models import (
    AccountKind,
    GroupDirection,
    GroupExchange,
    Transfer,
    TransferKind,
)
from coproduce.timebank.services.exchanges import exchange_minutes_check


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
    exchange_minutes_check(minutes_each, field="minutes_each")
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
        books={organisation.pk},
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
    exchange_minutes_check(minutes)
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
        books={membership.organisation_id},
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
    exchange_minutes_check(minutes)
    transfer = transfer_post(
        legs=[
            Leg(organisation_account(membership.organisation, AccountKind.ISSUING), -minutes),
            Leg(member_account(membership), minutes),
        ],
        kind=TransferKind.AWARD,
        reason=reason,
        operator=viewer.person,
        books={membership.organisation_id},
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
