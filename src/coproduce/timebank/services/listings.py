"""Offers and requests: what members can give and what they would like help with."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Area, Membership, MembershipStatus, Organisation
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Category, Listing, ListingKind, ListingStatus


def _active_membership(viewer: Viewer, organisation: Organisation) -> Membership:
    permissions.check(
        viewer, "timebank.take_part", organisation.pk, action="take part in the time bank"
    )
    if viewer.person is None:
        raise NotFound()
    membership = (
        Membership.objects.select_related("person", "organisation")
        .filter(
            person=viewer.person,
            organisation=organisation,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def _listing_fields(
    *, kind: str, title: str, category: str, availability: str
) -> tuple[str, str, str]:
    if kind not in ListingKind.values:
        raise InvalidInput("kind", "Choose an offer or a request.")
    title = title.strip()
    if not title:
        raise InvalidInput("title", "Enter a short title, like “Help with the garden”.")
    if len(title) > 120:
        raise InvalidInput("title", "Keep the title under 120 characters.")
    if category not in Category.values:
        raise InvalidInput("category", "Choose a category.")
    if len(availability) > 200:
        raise InvalidInput("availability", "Keep availability under 200 characters.")
    return kind, title, category


@transaction.atomic
def listing_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    kind: str,
    title: str,
    category: str,
    description: str = "",
    area: Area | None = None,
    availability: str = "",
    needs_vetted_helper: bool = False,
    created_at: datetime | None = None,
) -> Listing:
    membership = _active_membership(viewer, organisation)
    kind, title, category = _listing_fields(
        kind=kind, title=title, category=category, availability=availability
    )
    listing = Listing.objects.create(
        membership=membership,
        organisation=organisation,
        kind=kind,
        title=title,
        description=description.strip(),
        category=category,
        area=area,
        availability=availability.strip(),
        needs_vetted_helper=needs_vetted_helper,
        created_at=created_at or timezone.now(),
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="timebank.listing_created",
        subject=listing,
    )
    return listing


def _locked_listing_for_owner(viewer: Viewer, listing_id: int) -> Listing:
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("membership", "organisation")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound()
    if viewer.person_id != listing.membership.person_id:
        permissions.check(
            viewer,
            "timebank.coordinate",
            listing.organisation_id,
            action="change someone else's offer or request",
        )
    return listing


@transaction.atomic
def listing_update(
    *,
    viewer: Viewer,
    listing_id: int,
    title: str,
    category: str,
    description: str = "",
    area: Area | None = None,
    availability: str = "",
    needs_vetted_helper: bool = False,
) -> Listing:
    listing = _locked_listing_for_owner(viewer, listing_id)
    _, title, category = _listing_fields(
        kind=listing.kind, title=title, category=category, availability=availability
    )
    listing.title, listing.category = title, category
    listing.description = description.strip()
    listing.area = area
    listing.availability = availability.strip()
    listing.needs_vetted_helper = needs_vetted_helper
    listing.save()
    history_record(
        actor=viewer.person,
        organisation=listing.organisation,
        action="timebank.listing_updated",
        subject=listing,
    )
    return listing


@transaction.atomic
def listing_status_set(*, viewer: Viewer, listing_id: int, status: str) -> Listing:
    listing = _locked_listing_for_owner(viewer, listing_id)
    if status not in ListingStatus.values:
        raise InvalidInput("status", "Choose active, paused or closed.")
    if listing.status == ListingStatus.CLOSED:
        raise Conflict("This has been closed. Post a new one instead.")
    listing.status = status
    listing.save(update_fields=["status", "updated_at"])
    history_record(
        actor=viewer.person,
        organisation=listing.organisation,
        action="timebank.listing_status_set",
        subject=listing,
        detail={"status": status},
    )
    return listing


@transaction.atomic
def listing_edit(
    *,
    viewer: Viewer,
    listing_id: int,
    title: str,
    category: str,
    status: str,
    description: str = "",
    area: Area | None = None,
    availability: str = "",
    needs_vetted_helper: bool = False,
) -> Listing:
    """The listing's edit page in one transaction: its fields and, if it changed, its status
    (a refused status change leaves the fields as they were)."""
    listing = listing_update(
        viewer=viewer,
        listing_id=listing_id,
        title=title,
        category=category,
        description=description,
        area=area,
        availability=availability,
        needs_vetted_helper=needs_vetted_helper,
    )
    if status != listing.status:
        listing = listing_status_set(viewer=viewer, listing_id=listing_id, status=status)
    return listing
