"""Social prescribing referrals: received from a GP or another professional (typed in from a
letter, or sent by their system through the API), triaged (accepted and linked to the
person's membership, or declined with a reason), held by a link worker who records the
support offered and the outcomes, and closed. The dataset is checked by ``prsb``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.coordination import prsb
from coproduce.coordination.models import PeerGroup, Referral, ReferralStatus
from coproduce.coordination.selectors.referrals import access_referral_by_id
from coproduce.coordination.services.plans import coordinator_membership
from coproduce.directory.models import Asset
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people import services as people_services
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import ContactMethod, Membership, MembershipStatus, Organisation
from coproduce.people.permissions import Viewer

REFERENCE_LIMIT = 80
REASON_LIMIT = 2000
OPEN_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.SUPPORTING)


def _reference(value: str) -> str:
    reference = value.strip()
    if not reference:
        raise InvalidInput("reference", "Enter the referrer's reference for this referral.")
    if len(reference) > REFERENCE_LIMIT:
        raise InvalidInput("reference", f"Keep the reference under {REFERENCE_LIMIT} characters.")
    return reference


def _own_membership(viewer: Viewer, organisation_id: int) -> Membership | None:
    return Membership.objects.filter(
        person_id=viewer.person_id or 0,
        organisation_id=organisation_id,
        status=MembershipStatus.ACTIVE,
    ).first()


@transaction.atomic
def referral_receive(
    *,
    viewer: Viewer,
    organisation_id: int,
    reference: str,
    referrer: Any,
    demographics: Any,
    needs: Any,
    link_worker_membership_id: int | None = None,
    take_it: bool = False,
    received_at: datetime | None = None,
) -> Referral:
    """Receive a referral holding the dataset (``prsb.RECEIVED_GROUPS``). A required item
    missing is bad input naming it, and nothing is written. ``link_worker_membership_id``
    (a coordinator of the service) holds it from the start — or the viewer, with
    ``take_it``; without one the service's managers triage it."""
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="receive a referral"
    )
    reference = _reference(reference)
    referrer_data, demographics_data, needs_data = prsb.referral_dataset_clean(
        referrer=referrer, demographics=demographics, needs=needs
    )
    if Referral.objects.filter(organisation_id=organisation_id, reference=reference).exists():
        raise Conflict(f"A referral with the reference “{reference}” is already here.")
    link_worker = None
    if take_it:
        own = _own_membership(viewer, organisation_id)
        link_worker_membership_id = own.pk if own is not None else None
    if link_worker_membership_id is not None:
        link_worker = coordinator_membership(
            organisation_id=organisation_id, membership_id=link_worker_membership_id
        )
    now = timezone.now()
    when = received_at or now
    if when > now + timedelta(minutes=5):
        raise InvalidInput("received_at", "A referral cannot be received in the future.")
    assert viewer.person is not None
    organisation = Organisation.objects.get(pk=organisation_id)
    referral = Referral(
        organisation=organisation,
        reference=reference,
        received_at=when,
        referrer=referrer_data,
        demographics=demographics_data,
        needs=needs_data,
        link_worker=link_worker,
        created_by=viewer.person,
    )
    model_validate(referral, exclude=["created_by", "organisation", "support", "outcomes"])
    referral.save()
    history_record(
        actor=viewer.person,
        action="coordination.referral_receive",
        subject=referral,
        organisation=organisation,
        detail={"consent_to_share": True, "link_worker": link_worker.pk if link_worker else None},
    )
    return referral


def _writable(viewer: Viewer, referral_id: int) -> Referral:
    return access_referral_by_id(viewer=viewer, referral_id=referral_id, write=True, log=False)


@transaction.atomic
def referral_link_worker_set(*, viewer: Viewer, referral_id: int, membership_id: int) -> Referral:
    """Give the referral to a link worker (a coordinator or manager of the service): its
    managers, or the link worker handing it on."""
    referral = _writable(viewer, referral_id)
    if referral.status in (ReferralStatus.CLOSED, ReferralStatus.DECLINED):
        raise Conflict("This referral is finished: it has no link worker to change.")
    link_worker = coordinator_membership(
        organisation_id=referral.organisation_id, membership_id=membership_id
    )
    if referral.membership is not None and link_worker.person_id == referral.membership.person_id:
        raise InvalidInput("membership_id", "A person cannot be their own link worker.")
    if referral.link_worker_id != link_worker.pk:
        before = referral.link_worker_id
        referral.link_worker = link_worker
        referral.save(update_fields=["link_worker", "updated_at"])
        history_record(
            actor=viewer.person,
            action="coordination.referral_link_worker_set",
            subject=referral,
            organisation=referral.organisation,
            detail={"from": before, "to": link_worker.pk},
        )
    return referral


def _membership_of_number(organisation_id: int, number: str) -> int:
    from coproduce.people.numbers import membership_number_normalise

    found = (
        Membership.objects.filter(
            organisation_id=organisation_id, number=membership_number_normalise(number)
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise InvalidInput("number", f"No member of this organisation has the number “{number}”.")
    return found


def _new_member(viewer: Viewer, referral: Referral) -> Membership:
    """The referred person added as a member through the people app, from the referral's
    demographics (their address stays on the referral: the person adds it to their profile
    if they wish)."""
    data = referral.demographics
    email = str(data.get("email", ""))
    phone = str(data.get("phone", ""))
    contact_by = (
        ContactMethod.EMAIL if email else ContactMethod.PHONE if phone else ContactMethod.POST
    )
    born = data.get("date_of_birth")
    person = people_services.person_create_for(
        viewer=viewer,
        organisation=referral.organisation,
        full_name=str(data.get("full_name", "")),
        email=email,
        phone=phone,
        postcode=str(data.get("postcode", "")),
        date_of_birth=date.fromisoformat(born) if born else None,
        contact_by=contact_by,
    )
    return Membership.objects.select_related("person").get(
        person=person, organisation=referral.organisation
    )


@transaction.atomic
def referral_accept(
    *,
    viewer: Viewer,
    referral_id: int,
    membership_id: int | None = None,
    number: str = "",
    create_member: bool = False,
) -> Referral:
    """Accept the referral and link it to the person: an existing member of the service
    (by ``membership_id`` or membership ``number``), or — ``create_member`` — a new member
    made from the referral's demographics. A viewer who coordinates and accepts a referral
    nobody holds becomes its link worker."""
    referral = _writable(viewer, referral_id)
    if referral.status != ReferralStatus.RECEIVED:
        raise Conflict(f"This referral is already {referral.get_status_display().lower()}.")
    chosen = sum([membership_id is not None, bool(number.strip()), create_member])
    if chosen != 1:
        raise InvalidInput(
            "membership_id",
            "Choose the person's membership, or type their membership number, or add them "
            "as a new member — one of the three.",
        )
    if create_member:
        membership = _new_member(viewer, referral)
    else:
        if number.strip():
            membership_id = _membership_of_number(referral.organisation_id, number)
        found = (
            Membership.objects.select_related("person")
            .filter(pk=membership_id or 0, organisation_id=referral.organisation_id)
            .first()
        )
        if found is None:
            raise NotFound("No such person in this organisation.")
        membership = found
        if membership.status != MembershipStatus.ACTIVE:
            raise InvalidInput(
                "membership_id", f"{membership.person.display_name} is not an active member."
            )
    if referral.link_worker is not None and referral.link_worker.person_id == membership.person_id:
        raise InvalidInput("membership_id", "A person cannot be their own link worker.")
    if referral.link_worker is None and permissions.may(
        viewer, "coordination.coordinate", referral.organisation_id
    ):
        own = _own_membership(viewer, referral.organisation_id)
        if own is not None and own.person_id != membership.person_id:
            referral.link_worker = own
    referral.membership = membership
    referral.status = ReferralStatus.ACCEPTED
    referral.save(update_fields=["membership", "link_worker", "status", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.referral_accept",
        subject=referral,
        organisation=referral.organisation,
        detail={"membership": membership.pk, "new_member": create_member},
    )
    return referral


def _reason(value: str, field: str, what: str, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(field, f"Write {what}.")
    if len(text) > REASON_LIMIT:
        raise InvalidInput(field, f"Keep it under {REASON_LIMIT} characters.")
    return text


@transaction.atomic
def referral_decline(*, viewer: Viewer, referral_id: int, reason: str) -> Referral:
    """Decline a referral not yet accepted, saying why (the referrer is told)."""
    referral = _writable(viewer, referral_id)
    reason = _reason(reason, "reason", "why the referral is declined, for the referrer")
    if referral.status != ReferralStatus.RECEIVED:
        raise Conflict(f"This referral is already {referral.get_status_display().lower()}.")
    referral.status = ReferralStatus.DECLINED
    referral.save(update_fields=["status", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.referral_decline",
        subject=referral,
        organisation=referral.organisation,
        detail={"reason": reason},
    )
    return referral


def _open(referral: Referral) -> None:
    if referral.status == ReferralStatus.RECEIVED:
        raise Conflict("Accept the referral first: support and outcomes follow acceptance.")
    if referral.status not in OPEN_STATUSES:
        raise Conflict(f"This referral is {referral.get_status_display().lower()}.")


def _today_or(day: date | None) -> date:
    return day or timezone.localdate()


@transaction.atomic
def referral_support_add(
    *,
    viewer: Viewer,
    referral_id: int,
    description: str,
    kind: str,
    asset_id: str | None = None,
    group_id: int | None = None,
    offered_on: date | None = None,
) -> Referral:
    """Record support offered: an activity, group, place or service introduced (free text,
    optionally linked to a directory asset or a peer group of the service)."""
    referral = _writable(viewer, referral_id)
    _open(referral)
    asset = group = None
    if asset_id:
        try:
            asset_uuid = uuid.UUID(str(asset_id))
        except ValueError as error:
            raise InvalidInput(
                "asset_id", "Choose a place or service in this directory."
            ) from error
        found_asset = Asset.objects.filter(
            pk=asset_uuid, organisation_id=referral.organisation_id
        ).first()
        if found_asset is None:
            raise InvalidInput("asset_id", "Choose a place or service in this directory.")
        asset = (str(found_asset.pk), found_asset.name)
    if group_id is not None:
        found_group = PeerGroup.objects.filter(
            pk=group_id, organisation_id=referral.organisation_id
        ).first()
        if found_group is None:
            raise InvalidInput("group_id", "Choose one of this service's peer groups.")
        group = (found_group.pk, found_group.name)
    entry = prsb.support_entry_clean(
        description=description,
        kind=kind,
        offered_on=_today_or(offered_on),
        asset=asset,
        group=group,
    )
    referral.support = [*referral.support, entry]
    referral.status = ReferralStatus.SUPPORTING
    referral.save(update_fields=["support", "status", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.referral_support_add",
        subject=referral,
        organisation=referral.organisation,
        detail={"kind": entry["kind"]},
    )
    return referral


@transaction.atomic
def referral_outcome_add(
    *,
    viewer: Viewer,
    referral_id: int,
    text: str,
    recorded_on: date | None = None,
    measure: str | None = None,
    score: int | None = None,
) -> Referral:
    """Record an outcome in words, optionally scored on a wellbeing measure registered in
    ``prsb.WELLBEING_MEASURES`` (the impact app's seam)."""
    referral = _writable(viewer, referral_id)
    _open(referral)
    entry = prsb.outcome_entry_clean(
        text=text, recorded_on=_today_or(recorded_on), measure=measure, score=score
    )
    referral.outcomes = [*referral.outcomes, entry]
    referral.save(update_fields=["outcomes", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.referral_outcome_add",
        subject=referral,
        organisation=referral.organisation,
        detail={"measure": entry.get("measure")},
    )
    return referral


@transaction.atomic
def referral_close(*, viewer: Viewer, referral_id: int, summary: str = "") -> Referral:
    """Close an accepted referral: social prescribing has ended for now. ``summary`` goes
    in the message back."""
    referral = _writable(viewer, referral_id)
    _open(referral)
    summary = _reason(summary, "summary", "a summary", required=False)
    referral.status = ReferralStatus.CLOSED
    referral.save(update_fields=["status", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.referral_close",
        subject=referral,
        organisation=referral.organisation,
        detail={"summary": summary},
    )
    return referral
