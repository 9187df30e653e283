"""Every write to the directory. Each public function is one transaction that checks
permission, validates, writes and records what happened."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf.locale import LANG_INFO
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import Area, Organisation
from coproduce.people.permissions import Viewer
from coproduce.people.services import _validated, history_record, normalise_postcode

from . import notices, selectors
from .importing import ImportRejected, RowError, RowWarning, read_sheet
from .models import (
    BOOKING_HORIZON_DAYS,
    HOLDING_STATUSES,
    MEDIUM_TEXT,
    AccessibilityFeature,
    Asset,
    AssetCategory,
    AssetStatus,
    Booking,
    BookingStatus,
    MappingSession,
    MappingSessionStatus,
    OrganisationIdentity,
    PendingImport,
    PostcodeCentroid,
    Resource,
    ResourceKind,
    Schedule,
    TaxonomyTerm,
)
from .schedules import DAYS, ScheduleSpec, check_schedule, normalise_byday, parse_opening_times


@dataclass
class AssetData:
    """The editable fields of an asset, as a form, the API, a sheet row or a feed gives them."""

    name: str
    category: str
    description: str = ""
    status: str = AssetStatus.ACTIVE
    is_public: bool = True
    url: str = ""
    email: str = ""
    phone: str = ""
    contact_name: str = ""
    address: str = ""
    town: str = ""
    country: str = "GB"
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    area_id: int | None = None
    cost_pence: int = 0
    cost_description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility: str = ""
    accessibility: str = ""
    features: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    taxonomy_term_ids: list[uuid.UUID] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)


# --- helpers (run inside the caller's transaction) ------------------------------------------


def organisation_uuid(organisation: Organisation) -> uuid.UUID:
    """The organisation's Open Referral UK id, created on first use."""
    identity, _ = OrganisationIdentity.objects.get_or_create(organisation=organisation)
    return identity.uuid


def _clean_languages(codes: list[str]) -> str:
    cleaned: list[str] = []
    for code in codes:
        code = code.strip().lower()
        if not code:
            continue
        if code not in LANG_INFO:
            raise InvalidInput(
                "languages", f"“{code}” is not a language code we know, like en or pl."
            )
        if code not in cleaned:
            cleaned.append(code)
    return ",".join(cleaned)


def _apply(
    asset: Asset, data: AssetData, *, geocode: bool = True, any_postcode: bool = False
) -> None:
    """``any_postcode``: an import keeps a postal code that is not a UK postcode as written
    (the standard allows any); a form or the API still needs a UK one."""
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", "Enter the asset's name.")
    if data.category not in AssetCategory.values:
        raise InvalidInput("category", "Choose a category.")
    if data.category == AssetCategory.INDIVIDUAL_GIFT:
        raise InvalidInput(
            "category",
            "Individuals' gifts come from the skills people offer on their own profile, "
            "so they control what is shown. Ask them to add it there.",
        )
    if data.status not in AssetStatus.values:
        raise InvalidInput("status", "Choose a status.")
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput("latitude", "Give both latitude and longitude, or neither.")
    if data.cost_pence < 0:
        raise InvalidInput("cost_pence", "The cost cannot be negative.")
    for name_, age in (("minimum_age", data.minimum_age), ("maximum_age", data.maximum_age)):
        if age is not None and not 0 <= age <= 130:
            raise InvalidInput(name_, "Enter an age between 0 and 130.")
    if (
        data.minimum_age is not None
        and data.maximum_age is not None
        and data.minimum_age > data.maximum_age
    ):
        raise InvalidInput("maximum_age", "The maximum age must be at least the minimum age.")
    for feature in data.features:
        if feature not in AccessibilityFeature.values:
            raise InvalidInput("features", f"“{feature}” is not an accessibility feature.")
    asset.name = name
    asset.category = data.category
    asset.description = data.description.strip()
    asset.status = data.status
    asset.is_public = data.is_public
    asset.url = data.url.strip()
    asset.email = data.email.strip().lower()
    asset.phone = data.phone.strip()
    asset.contact_name = data.contact_name.strip()
    asset.address = data.address.strip()
    asset.town = data.town.strip()
    asset.country = data.country.strip() or "GB"
    try:
        asset.postcode = normalise_postcode(data.postcode)
    except InvalidInput:
        if not any_postcode:
            raise
        asset.postcode = " ".join(data.postcode.split())
    asset.latitude = data.latitude
    asset.longitude = data.longitude
    if geocode and asset.latitude is None and asset.postcode:
        point = selectors._postcode_location(asset.postcode)
        if point is not None:
            asset.latitude, asset.longitude = point
    if asset.latitude is not None:
        asset.needs_location = False
    asset.area_id = data.area_id
    asset.cost_pence = data.cost_pence
    asset.cost_description = data.cost_description.strip()
    asset.minimum_age = data.minimum_age
    asset.maximum_age = data.maximum_age
    asset.eligibility = data.eligibility.strip()
    asset.accessibility = data.accessibility.strip()
    for feature in AccessibilityFeature.values:
        setattr(asset, feature, feature in data.features)
    asset.languages = _clean_languages(data.languages)
    _validated(asset, exclude=["organisation", "mapping_session", "updated_at"])


def _check_terms(ids: list[uuid.UUID]) -> list[TaxonomyTerm]:
    terms = list(TaxonomyTerm.objects.filter(pk__in=ids))
    if len(terms) != len(set(ids)):
        raise InvalidInput("taxonomy_term_ids", "One of the taxonomy terms does not exist.")
    return terms


def _learn_centroid(asset: Asset) -> None:
    """Remember where a postcode is when someone gave both; postcode search builds on it."""
    if asset.postcode and asset.latitude is not None and asset.longitude is not None:
        PostcodeCentroid.objects.get_or_create(
            postcode=asset.postcode,
            defaults={"latitude": asset.latitude, "longitude": asset.longitude},
        )


def search_index_sync(assets: list[Asset]) -> None:
    """Keep SQLite's FTS5 table in step with the assets (PostgreSQL indexes an expression)."""
    if connection.vendor != "sqlite" or not assets:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(assets), 500):
            chunk = assets[start : start + 500]
            marks = ",".join("%s" for _ in chunk)
            cursor.execute(
                f"DELETE FROM directory_asset_fts WHERE asset_id IN ({marks})",  # noqa: S608
                [asset.pk.hex for asset in chunk],
            )
            cursor.executemany(
                "INSERT INTO directory_asset_fts (asset_id, name, body) VALUES (%s, %s, %s)",
                [(asset.pk.hex, asset.name, asset.description) for asset in chunk],
            )


def _search_index_remove(asset_id: uuid.UUID) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_asset_fts WHERE asset_id = %s", [asset_id.hex])


def search_index_rebuild() -> int:
    """Rebuild the whole SQLite index (after bulk loads); returns the number of assets."""
    if connection.vendor != "sqlite":
        return Asset.objects.count()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_asset_fts")
        count = 0
        batch: list[Asset] = []
        for asset in Asset.objects.only("id", "name", "description").iterator(chunk_size=2000):
            batch.append(asset)
            if len(batch) == 2000:
                search_index_sync(batch)
                count += len(batch)
                batch = []
        search_index_sync(batch)
        return count + len(batch)


def _write_schedules(asset: Asset, specs: list[ScheduleSpec]) -> None:
    Schedule.objects.bulk_create(
        [
            Schedule(
                asset=asset,
                freq=spec.freq,
                interval=spec.interval,
                byday=spec.byday,
                opens_at=spec.opens_at,
                closes_at=spec.closes_at,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                description=spec.description,
            )
            for spec in specs
        ]
    )


# --- taxonomy (operators: the demo, the command line and imports) -----------------------------


@transaction.atomic
def taxonomy_term_create(
    *, name: str, taxonomy_name: str = "", description: str = "", code: str = ""
) -> TaxonomyTerm:
    """A term to tag assets with, in a named taxonomy (created on first use)."""
    from .models import Taxonomy

    if not name.strip():
        raise InvalidInput("name", "Enter the term's name.")
    taxonomy = None
    if taxonomy_name.strip():
        taxonomy = Taxonomy.objects.filter(name=taxonomy_name.strip()).first()
        if taxonomy is None:
            taxonomy = Taxonomy.objects.create(name=taxonomy_name.strip())
    term = TaxonomyTerm(
        taxonomy=taxonomy, name=name.strip(), description=description.strip(), code=code.strip()
    )
    _validated(term)
    term.save()
    return term


# --- assets -----------------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    data: AssetData,
    mapping_session: MappingSession | None = None,
) -> Asset:
    permissions.check(viewer, "directory.edit", organisation.pk, action="add assets")
    specs = [check_schedule(spec) for spec in data.schedules]
    terms = _check_terms(data.taxonomy_term_ids)
    asset = Asset(organisation=organisation, mapping_session=mapping_session)
    _apply(asset, data)
    asset.updated_at = asset.last_checked_at = timezone.now()
    asset.last_checked_by = viewer.person
    asset.save()
    asset.taxonomy_terms.set(terms)
    _write_schedules(asset, specs)
    _learn_centroid(asset)
    organisation_uuid(organisation)
    search_index_sync([asset])
    history_record(
        actor=viewer.person, organisation=organisation, action="asset.created", subject=asset
    )
    return asset


@transaction.atomic
def asset_update(*, viewer: Viewer, asset: Asset, data: AssetData) -> Asset:
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="edit assets")
    terms = _check_terms(data.taxonomy_term_ids)
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    _apply(locked, data)
    locked.updated_at = timezone.now()
    locked.save()
    locked.taxonomy_terms.set(terms)
    _learn_centroid(locked)
    search_index_sync([locked])
    history_record(
        actor=viewer.person,
        organisation=locked.organisation,
        action="asset.updated",
        subject=locked,
    )
    return locked


@transaction.atomic
def asset_check(*, viewer: Viewer, asset: Asset) -> Asset:
    """Someone confirmed the entry is still right: it stops being stale."""
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="check assets")
    now = timezone.now()
    Asset.objects.filter(pk=asset.pk).update(last_checked_at=now, last_checked_by=viewer.person)
    asset.last_checked_at = now
    asset.last_checked_by = viewer.person
    history_record(
        actor=viewer.person, organisation=asset.organisation, action="asset.checked", subject=asset
    )
    return asset


@transaction.atomic
def schedule_add(*, viewer: Viewer, asset: Asset, spec: ScheduleSpec) -> Schedule:
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="edit assets")
    spec = check_schedule(spec)
    schedule = Schedule(
        asset=asset,
        freq=spec.freq,
        interval=spec.interval,
        byday=spec.byday,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        description=spec.description,
    )
    _validated(schedule)
    schedule.save()
    Asset.objects.filter(pk=asset.pk).update(updated_at=timezone.now())
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="asset.schedule_added",
        subject=asset,
        detail={"byday": spec.byday, "opens_at": f"{spec.opens_at:%H:%M}"},
    )
    return schedule


@transaction.atomic
def schedule_remove(*, viewer: Viewer, schedule: Schedule) -> None:
    asset = schedule.asset
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="edit assets")
    schedule.delete()
    Asset.objects.filter(pk=asset.pk).update(updated_at=timezone.now())
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="asset.schedule_removed",
        subject=asset,
    )


@transaction.atomic
def asset_merge(*, viewer: Viewer, keep: Asset, duplicate: Asset) -> Asset:
    """Fold a duplicate into the asset kept: its opening times, terms and bookable resources
    move across, blank fields are filled from it, and the duplicate goes."""
    permissions.check(viewer, "directory.map_assets", keep.organisation_id, action="merge assets")
    if duplicate.organisation_id != keep.organisation_id:
        raise InvalidInput(None, "Only assets of the same organisation can be merged.")
    if duplicate.pk == keep.pk:
        raise InvalidInput(None, "Choose two different assets to merge.")
    locked = {
        a.pk: a for a in Asset.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    kept, gone = locked[keep.pk], locked[duplicate.pk]
    for name in (
        "description",
        "url",
        "email",
        "phone",
        "contact_name",
        "address",
        "town",
        "postcode",
        "eligibility",
        "accessibility",
        "cost_description",
    ):
        if not getattr(kept, name) and getattr(gone, name):
            setattr(kept, name, getattr(gone, name))
    if kept.latitude is None and gone.latitude is not None:
        kept.latitude, kept.longitude = gone.latitude, gone.longitude
    for feature in AccessibilityFeature.values:
        setattr(kept, feature, getattr(kept, feature) or getattr(gone, feature))
    kept.languages = _clean_languages([*kept.language_codes, *gone.language_codes])
    kept.updated_at = timezone.now()
    kept.save()
    kept.taxonomy_terms.add(*gone.taxonomy_terms.all())
    Schedule.objects.filter(asset=gone).update(asset=kept)
    Resource.objects.filter(asset=gone).update(asset=kept)
    gone_id = gone.pk
    history_record(
        actor=viewer.person,
        organisation=kept.organisation,
        action="asset.merged",
        subject=kept,
        detail={"merged": str(gone_id), "name": gone.name},
    )
    gone.delete()
    _search_index_remove(gone_id)
    search_index_sync([kept])
    return kept


# --- spare capacity ---------------------------------------------------------------------------


@transaction.atomic
def resource_create(
    *,
    viewer: Viewer,
    asset: Asset,
    name: str,
    kind: str,
    available_from: time,
    available_until: time,
    available_days: str = "MO,TU,WE,TH,FR,SA,SU",
    description: str = "",
    capacity: int | None = None,
    credit_minutes: int = 0,
) -> Resource:
    permissions.check(
        viewer,
        "directory.manage_bookings",
        asset.organisation_id,
        action="offer spare capacity",
    )
    if kind not in ResourceKind.values:
        raise InvalidInput("kind", "Choose what kind of thing it is.")
    if available_until <= available_from:
        raise InvalidInput("available_until", "The end of the day must be after its start.")
    resource = Resource(
        asset=asset,
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        capacity=capacity,
        available_days=normalise_byday(available_days, field="available_days"),
        available_from=available_from,
        available_until=available_until,
        credit_minutes=credit_minutes,
    )
    if credit_minutes < 0:
        raise InvalidInput("credit_minutes", "The price cannot be negative.")
    _validated(resource)
    resource.save()
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="resource.created",
        subject=resource,
    )
    return resource


def booking_latest_date() -> date:
    """The last day a booking may be asked for today (bookings open two years ahead)."""
    return timezone.localdate() + timedelta(days=BOOKING_HORIZON_DAYS)


def booking_too_far_message(latest: date) -> str:
    return f"Bookings open two years ahead: choose a date up to {latest:%-d %B %Y}."


def _check_slot(resource: Resource, starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput("starts_at", "Give the time with its time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "The booking must end after it starts.")
    if starts_at < timezone.now():
        raise InvalidInput("starts_at", "Choose a time in the future.")
    # Before any conversion to local time: a date near year 9999 would overflow it.
    latest = booking_latest_date()
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.date() > latest or timezone.localtime(moment).date() > latest:
            raise InvalidInput(name, booking_too_far_message(latest))
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        raise InvalidInput("ends_at", "Book one day at a time.")
    day = DAYS[start.weekday()]
    if day not in resource.available_days.split(","):
        raise InvalidInput("starts_at", f"{resource.name} cannot be booked on {start:%A}s.")
    if start.time() < resource.available_from or end.time() > resource.available_until:
        raise InvalidInput(
            "starts_at",
            f"{resource.name} can be booked between {resource.available_from:%H:%M} and "
            f"{resource.available_until:%H:%M}.",
        )


@transaction.atomic
def booking_request(
    *,
    viewer: Viewer,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    bank: Organisation | None = None,
) -> Booking:
    """Ask for a slot. Takes a row lock on the resource so requests for it queue; the
    database's exclusion constraint (PostgreSQL) is the backstop. A priced resource is paid
    in time credits of ``bank`` (the requester's time bank) when the owner approves."""
    if viewer.person is None or not permissions.may_anywhere(viewer, "directory.book"):
        raise PermissionDenied("You need to be a member of an organisation to book.")
    if not resource.is_active:
        raise Conflict(f"{resource.name} is not taking bookings.")
    if not purpose.strip():
        raise InvalidInput("purpose", "Say what the booking is for.")
    if len(purpose.strip()) > 200:
        raise InvalidInput("purpose", "Say what the booking is for in at most 200 characters.")
    _check_slot(resource, starts_at, ends_at)
    paying_bank = _paying_bank(viewer, resource, bank) if resource.credit_minutes else None
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    clash = Booking.objects.filter(
        resource=resource,
        status__in=HOLDING_STATUSES,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).first()
    if clash is not None:
        raise Conflict(
            f"{resource.name} is already booked from {timezone.localtime(clash.starts_at):%H:%M} "
            f"to {timezone.localtime(clash.ends_at):%H:%M} that day. Choose another time."
        )
    booking = Booking(
        resource=resource,
        requested_by=viewer.person,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose.strip(),
        credit_minutes=resource.credit_minutes,
        bank=paying_bank,
    )
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        raise Conflict(f"{resource.name} has just been booked for that time.") from error
    history_record(
        actor=viewer.person,
        organisation=resource.asset.organisation,
        action="booking.requested",
        subject=booking,
    )
    notices.booking_requested_notify(booking=booking)
    return booking


@transaction.atomic
def booking_decide(*, viewer: Viewer, booking: Booking, approve: bool, reason: str = "") -> Booking:
    organisation = booking.resource.asset.organisation
    permissions.check(
        viewer, "directory.manage_bookings", organisation.pk, action="decide bookings"
    )
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != BookingStatus.REQUESTED:
        raise Conflict(f"This booking has already been {locked.get_status_display().lower()}.")
    if not approve and not reason.strip():
        raise InvalidInput("reason", "Say why you are declining, so they can try another time.")
    if len(reason.strip()) > MEDIUM_TEXT:
        raise InvalidInput("reason", f"Keep the reason to at most {MEDIUM_TEXT} characters.")
    if approve and locked.credit_minutes:
        locked.payment_transfer_id = _take_payment(viewer, locked)
    locked.status = BookingStatus.APPROVED if approve else BookingStatus.DECLINED
    locked.decline_reason = "" if approve else reason.strip()
    locked.decided_by = viewer.person
    locked.decided_at = timezone.now()
    locked.save()
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="booking.approved" if approve else "booking.declined",
        subject=locked,
    )
    notices.booking_decided_notify(booking=locked)
    return locked


@transaction.atomic
def booking_cancel(*, viewer: Viewer, booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if viewer.person_id != locked.requested_by_id:
        permissions.check(
            viewer,
            "directory.manage_bookings",
            booking.resource.asset.organisation_id,
            action="cancel this booking",
        )
    if locked.status not in HOLDING_STATUSES:
        raise Conflict("Only a booking that is waiting or approved can be cancelled.")
    if locked.payment_transfer_id is not None:
        _refund(viewer, locked)
    locked.status = BookingStatus.CANCELLED
    locked.save()
    history_record(
        actor=viewer.person,
        organisation=booking.resource.asset.organisation,
        action="booking.cancelled",
        subject=locked,
    )
    return locked


def _paying_bank(viewer: Viewer, resource: Resource, bank: Organisation | None) -> Organisation:
    """The time bank whose credits pay: the one asked for, or the requester's only one."""
    from coproduce.people.models import MembershipStatus, OrganisationKind

    banks = list(
        Organisation.objects.filter(
            kind=OrganisationKind.TIME_BANK,
            memberships__person=viewer.person,
            memberships__status=MembershipStatus.ACTIVE,
        ).order_by("name")
    )
    credits = f"{resource.credit_minutes / 60:g} time credit" + (
        "" if resource.credit_minutes == 60 else "s"
    )
    if not banks:
        raise InvalidInput("bank", f"{resource.name} costs {credits}: join a time bank to book it.")
    if bank is not None:
        if bank.pk not in {b.pk for b in banks}:
            raise InvalidInput("bank", "Choose a time bank you are an active member of.")
        return bank
    if len(banks) > 1:
        names = " or ".join(b.name for b in banks)
        raise InvalidInput("bank", f"Choose whose time credits to pay with: {names}.")
    return banks[0]


def _take_payment(viewer: Viewer, booking: Booking) -> int:
    """Move the booking's credits through the time-bank ledger's one door: from the
    requester's account in their bank to the owner (the bank's own agency account when the
    owner is that bank, else the owner's partner account in the bank's books)."""
    from coproduce.people.models import Membership, MembershipStatus
    from coproduce.timebank import services as timebank
    from coproduce.timebank.models import AccountKind, TransferKind

    assert booking.bank is not None
    membership = Membership.objects.filter(
        person=booking.requested_by, organisation=booking.bank, status=MembershipStatus.ACTIVE
    ).first()
    if membership is None:
        raise Conflict(
            f"{booking.requested_by.display_name} is no longer an active member of "
            f"{booking.bank.name}, so the booking cannot be paid."
        )
    owner = booking.resource.asset.organisation
    if owner.pk == booking.bank.pk:
        payee = timebank.organisation_account(booking.bank, AccountKind.AGENCY)
        kind = TransferKind.AGENCY
    else:
        payee = timebank.counterparty_account(booking.bank, AccountKind.PARTNER, owner)
        kind = TransferKind.REDEMPTION
    when = timezone.localtime(booking.starts_at)
    transfer = timebank.transfer_post(
        legs=[
            timebank.Leg(timebank.member_account(membership), -booking.credit_minutes),
            timebank.Leg(payee, booking.credit_minutes),
        ],
        kind=kind,
        reason=f"Booking of {booking.resource.name} on {when:%d %B %Y at %H:%M}",
        operator=viewer.person,
        # Both legs are in the paying bank's books (the owner's partner or agency account).
        books={booking.bank.pk},
        on_behalf_of=booking.requested_by,
    )
    return int(transfer.pk)


def _refund(viewer: Viewer, booking: Booking) -> None:
    """A cancelled paid booking gives the credits back by a reversing transfer."""
    from coproduce.timebank import services as timebank
    from coproduce.timebank.models import Transfer, TransferKind

    if booking.payment_transfer_id is None:
        return
    assert booking.bank_id is not None  # a paid booking names the bank that paid
    original = Transfer.objects.prefetch_related("entries__account").get(
        pk=booking.payment_transfer_id
    )
    timebank.transfer_post(
        legs=[timebank.Leg(entry.account, -entry.amount) for entry in original.entries.all()],
        kind=TransferKind.REVERSAL,
        reason=f"Booking of {booking.resource.name} cancelled",
        operator=viewer.person,
        books={booking.bank_id},
        on_behalf_of=booking.requested_by,
        reverses=original,
    )


# --- asset-mapping sessions -------------------------------------------------------------------


@transaction.atomic
def mapping_session_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    title: str,
    held_on: date,
    area: Area | None = None,
) -> MappingSession:
    permissions.check(viewer, "directory.map_assets", organisation.pk, action="run asset mapping")
    if not title.strip():
        raise InvalidInput("title", "Give the session a title, like “Riverside walkabout”.")
    session = MappingSession(
        organisation=organisation,
        title=title.strip(),
        held_on=held_on,
        area=area,
        created_by=viewer.person,
    )
    _validated(session)
    session.save()
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="mapping_session.created",
        subject=session,
    )
    return session


@dataclass
class RowCheck:
    """One row of a bulk form or sheet, checked: its data or its errors, and lookalikes."""

    row: int
    values: dict[str, str]
    data: AssetData | None
    errors: list[RowError]
    duplicates: list[str]
    warnings: list[RowWarning] = field(default_factory=list)


def _row_data(values: dict[str, str], area_id: int | None) -> AssetData:
    def number(name: str) -> float | None:
        text = values.get(name, "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError as error:
            raise InvalidInput(name, f"“{text}” is not a number.") from error

    category = values.get("category", "").strip().lower().replace(" ", "_")
    labels = {str(label).lower(): value for value, label in AssetCategory.choices}
    category = labels.get(values.get("category", "").strip().lower(), category)
    cost_text = values.get("cost", "").strip().lstrip("£")
    if cost_text.lower() in {"", "free", "0"}:
        cost_pence = 0
    else:
        try:
            cost_pence = round(float(cost_text) * 100)
        except ValueError as error:
            raise InvalidInput("cost", f"“{cost_text}” is not an amount in pounds.") from error
    return AssetData(
        name=values.get("name", ""),
        category=category or AssetCategory.PHYSICAL_SPACE,
        description=values.get("description", ""),
        address=values.get("address", ""),
        town=values.get("town", ""),
        postcode=values.get("postcode", ""),
        latitude=number("latitude"),
        longitude=number("longitude"),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        url=values.get("url", ""),
        cost_pence=cost_pence,
        area_id=area_id,
        schedules=parse_opening_times(values.get("opening_times", "")),
    )


def mapping_rows_check(*, session: MappingSession, rows: list[dict[str, str]]) -> list[RowCheck]:
    """Validate every row without writing; errors and lookalikes are per row."""
    checked: list[RowCheck] = []
    seen: dict[str, int] = {}
    for index, values in enumerate(rows, start=1):
        try:
            data = _row_data(values, session.area_id)
            probe = Asset(organisation=session.organisation)
            _apply(probe, data)
        except InvalidInput as error:
            checked.append(
                RowCheck(
                    index, values, None, [RowError(index, error.field or "row", error.message)], []
                )
            )
            continue
        duplicates = [
            asset.name
            for asset in selectors._similar_assets(
                organisation_ids=[session.organisation_id],
                name=probe.name,
                latitude=probe.latitude,
                longitude=probe.longitude,
                postcode=probe.postcode,
            )
        ]
        key = f"{probe.name.casefold()}|{probe.postcode}"
        errors = []
        if key in seen:
            errors.append(RowError(index, "name", f"Same name and postcode as row {seen[key]}."))
        seen.setdefault(key, index)
        checked.append(RowCheck(index, values, None if errors else data, errors, duplicates))
    return checked


def _create_rows(viewer: Viewer, session: MappingSession, checked: list[RowCheck]) -> list[Asset]:
    errors = [error for row in checked for error in row.errors]
    if errors:
        raise ImportRejected(errors)
    return [
        asset_create(
            viewer=viewer, organisation=session.organisation, data=row.data, mapping_session=session
        )
        for row in checked
        if row.data is not None
    ]


@transaction.atomic
def mapping_assets_add(
    *, viewer: Viewer, session: MappingSession, rows: list[dict[str, str]]
) -> list[Asset]:
    """The fast bulk form: every row is written, or none (ImportRejected lists the rows)."""
    permissions.check(
        viewer, "directory.map_assets", session.organisation_id, action="run asset mapping"
    )
    if session.status != MappingSessionStatus.OPEN:
        raise Conflict("This mapping session is closed.")
    rows = [row for row in rows if any(value.strip() for value in row.values())]
    if not rows:
        raise InvalidInput(None, "Fill in at least one asset.")
    assets = _create_rows(viewer, session, mapping_rows_check(session=session, rows=rows))
    history_record(
        actor=viewer.person,
        organisation=session.organisation,
        action="mapping_session.assets_added",
        subject=session,
        detail={"count": len(assets)},
    )
    return assets


@transaction.atomic
def mapping_import_stage(
    *, viewer: Viewer, session: MappingSession, filename: str, content: bytes
) -> PendingImport:
    """Read a sheet and hold its rows for preview; no asset is written yet."""
    permissions.check(
        viewer, "directory.map_assets", session.organisation_id, action="run asset mapping"
    )
    kind = PendingImport.Format.SHEET
    rows: list[Any]
    if filename.lower().endswith(".json"):
        kind = PendingImport.Format.OPENREFERRAL
        rows = _read_openreferral(content)
    else:
        rows = read_sheet(filename=filename, content=content)
        if not rows:
            raise InvalidInput("file", "The file has headings but no rows.")
    pending = PendingImport(
        session=session,
        uploaded_by=viewer.person,
        filename=filename[:200],
        format=kind,
        rows=rows,
    )
    pending.save()
    return pending


def _read_openreferral(content: bytes) -> list[Any]:
    """The services of an uploaded Open Referral UK file, held as the feed gave them."""
    import json

    from .importing import MAX_ROWS
    from .openreferral import services_in

    try:
        items = services_in(json.loads(content.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        raise InvalidInput("file", "Save the file as UTF-8 and upload it again.") from error
    except json.JSONDecodeError as error:
        raise InvalidInput(
            "file", f"This is not JSON (line {error.lineno}): {error.msg}."
        ) from error
    except ValueError as error:
        raise InvalidInput("file", str(error)) from error
    if not items:
        raise InvalidInput("file", "The file has no services.")
    if len(items) > MAX_ROWS:
        raise InvalidInput("file", f"Import at most {MAX_ROWS} services at a time.")
    return items


def pending_import_check(*, pending: PendingImport) -> list[RowCheck]:
    """The rows of a held import as the preview shows them; nothing is written."""
    if pending.format == PendingImport.Format.OPENREFERRAL:
        return openreferral_preview(items=pending.rows)
    return mapping_rows_check(session=pending.session, rows=pending.rows)


@transaction.atomic
def mapping_import_confirm(*, viewer: Viewer, pending: PendingImport) -> list[Asset]:
    """Write every row of a previewed sheet or feed file, or none."""
    session = pending.session
    permissions.check(
        viewer, "directory.map_assets", session.organisation_id, action="run asset mapping"
    )
    locked = PendingImport.objects.select_for_update().get(pk=pending.pk)
    if locked.confirmed_at is not None:
        raise Conflict("This file has already been imported.")
    if locked.format == PendingImport.Format.OPENREFERRAL:
        result = openreferral_import(
            viewer=viewer,
            items=locked.rows,
            organisation=session.organisation,
            mapping_session=session,
        )
        assets = list(Asset.objects.filter(pk__in=result.asset_ids).order_by("name", "id"))
    else:
        checked = mapping_rows_check(session=session, rows=locked.rows)
        assets = _create_rows(viewer, session, checked)
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["confirmed_at"])
    history_record(
        actor=viewer.person,
        organisation=session.organisation,
        action="mapping_session.imported",
        subject=session,
        detail={"file": locked.filename, "count": len(assets)},
    )
    return assets


def asset_data_from(asset: Asset) -> dict[str, Any]:
    """An asset's current fields as AssetData keyword arguments (for edit forms)."""
    return {
        "name": asset.name,
        "category": asset.category,
        "description": asset.description,
        "status": asset.status,
        "is_public": asset.is_public,
        "url": asset.url,
        "email": asset.email,
        "phone": asset.phone,
        "contact_name": asset.contact_name,
        "address": asset.address,
        "town": asset.town,
        "country": asset.country,
        "postcode": asset.postcode,
        "latitude": asset.latitude,
        "longitude": asset.longitude,
        "area_id": asset.area_id,
        "cost_pence": asset.cost_pence,
        "cost_description": asset.cost_description,
        "minimum_age": asset.minimum_age,
        "maximum_age": asset.maximum_age,
        "eligibility": asset.eligibility,
        "accessibility": asset.accessibility,
        "features": [f for f in AccessibilityFeature.values if getattr(asset, f)],
        "languages": asset.language_codes,
        "taxonomy_term_ids": [term.pk for term in asset.taxonomy_terms.all()],
    }


# --- Open Referral UK import --------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    # What was imported differently from the feed, service by service (the import report).
    warnings: tuple[RowWarning, ...] = ()
    asset_ids: tuple[uuid.UUID, ...] = ()

    @property
    def flagged(self) -> int:
        return sum(1 for w in self.warnings if UNPLACED in w.message)


UNPLACED = "could not be placed on the map"
# Where an asset field comes from in a service, so a warning names the feed's own path.
SERVICE_PATHS = {
    "url": "url",
    "email": "email",
    "phone": "contacts[0].phones[0].number",
    "contact_name": "contacts[0].name",
    "address": "service_at_locations[0].location.addresses[0].address_1",
    "town": "service_at_locations[0].location.addresses[0].city",
    "postcode": "service_at_locations[0].location.addresses[0].postal_code",
    "latitude": "service_at_locations[0].location.latitude",
    "longitude": "service_at_locations[0].location.longitude",
    "cost_pence": "cost_options[0].amount",
    "cost_description": "cost_options[0].option",
    "eligibility": "eligibility_description",
    "accessibility": "service_at_locations[0].location.accessibility",
    "features": "service_at_locations[0].location.accessibility",
    "languages": "languages",
}


def _fit(service: Any) -> AssetData:
    """The service as asset fields the asset accepts: a field the asset refuses though the
    standard allows it (an email Django rejects, say) is left out with a warning."""
    data = AssetData(**service.fields)
    spec = AssetData.__dataclass_fields__
    for _ in range(len(spec)):
        try:
            _apply(Asset(), data, geocode=False, any_postcode=True)
        except InvalidInput as error:
            if error.field not in SERVICE_PATHS:
                raise
            service.warn(SERVICE_PATHS[error.field], f"{error.message} It was left out.")
            default = spec[error.field]
            factory = default.default_factory
            setattr(data, error.field, factory() if callable(factory) else default.default)
            if error.field in {"latitude", "longitude"}:
                data.latitude = data.longitude = None
            continue
        return data
    raise InvalidInput("service", "could not be fitted to an asset.")


def _place(service: Any, data: AssetData) -> bool:
    """Find the point of a service that stated a place but no coordinates; True when it
    stays unlocated (flagged), with a warning saying so."""
    if data.latitude is not None or not service.wants_location:
        return False
    point = None
    with contextlib.suppress(InvalidInput):  # another country's postal code: never placed
        point = selectors._postcode_location(normalise_postcode(data.postcode))
    if point is not None:
        data.latitude, data.longitude = point
        return False
    where = f"“{data.postcode}”" if data.postcode else "its address (no postal code)"
    service.warn(
        SERVICE_PATHS["postcode"],
        f"{where} {UNPLACED}, so the service was imported without a location and flagged "
        "for someone to place it.",
    )
    return True


@dataclass
class CheckedFeed:
    services: list[tuple[Any, AssetData, bool]]
    errors: list[RowError]
    warnings: list[RowWarning]
    rows: list[RowCheck]


def _check_feed(items: list[Any]) -> CheckedFeed:
    """Everything the standard refuses, and how each accepted service will be imported;
    nothing is written."""
    from . import openreferral

    feed = openreferral.parse_services(items)
    errors = list(feed.errors)
    warnings = list(feed.skipped)
    checked: list[tuple[Any, AssetData, bool]] = []
    rows: dict[int, RowCheck] = {}
    for error in feed.errors:
        item = items[error.row - 1]
        name = str(item.get("name") or "") if isinstance(item, dict) else ""
        rows.setdefault(error.row, RowCheck(error.row, {"name": name}, None, [], []))
        rows[error.row].errors.append(error)
    for skipped in feed.skipped:
        rows[skipped.row] = RowCheck(skipped.row, {}, None, [], [], [skipped])
    for service in feed.services:
        try:
            data = _fit(service)
        except InvalidInput as error:
            problem = RowError(service.row, error.field or "service", error.message, path=True)
            errors.append(problem)
            rows[service.row] = RowCheck(service.row, {}, None, [problem], [])
            continue
        unplaced = _place(service, data)
        row_warnings = service.row_warnings()
        warnings.extend(row_warnings)
        checked.append((service, data, unplaced))
        values = {
            "name": data.name,
            "postcode": data.postcode,
            "category": str(AssetCategory(data.category).label),
        }
        rows[service.row] = RowCheck(service.row, values, data, [], [], row_warnings)
    return CheckedFeed(
        services=checked,
        errors=sorted(errors, key=lambda e: e.row),
        warnings=sorted(warnings, key=lambda w: w.row),
        rows=[rows[index] for index in sorted(rows)],
    )


def openreferral_preview(*, items: list[Any]) -> list[RowCheck]:
    """Each service of a feed with what the standard refuses in it, or the warnings its
    import will carry; nothing is written."""
    return _check_feed(items).rows


@transaction.atomic
def openreferral_import(
    *,
    viewer: Viewer | None,
    items: list[Any],
    organisation: Organisation | None = None,
    mapping_session: MappingSession | None = None,
    progress: Any = None,
) -> ImportResult:
    """Import Open Referral UK services: every one the standard's schema accepts, or none
    (ImportRejected names each refused service and the path in it). What the asset cannot
    hold as given is imported differently and said in ``warnings``; a place we cannot find
    on the map leaves the asset unlocated and flagged (``needs_location``).

    With a viewer (a page or the API) every service joins ``organisation``, where they must be
    able to edit; without one (the operator's command line) the feed's organisations are
    matched by their UUID or created.
    """
    from .models import Taxonomy

    if viewer is not None:
        if organisation is None:
            raise InvalidInput("organisation", "Choose the organisation to import into.")
        permissions.check(viewer, "directory.edit", organisation.pk, action="import assets")
    feed = _check_feed(items)
    if feed.errors:
        raise ImportRejected(feed.errors)
    created = updated = 0
    organisations: dict[uuid.UUID, Organisation] = {}
    touched: dict[int, Organisation] = {}
    counts: dict[int, int] = {}
    asset_ids: list[uuid.UUID] = []
    extra_warnings: list[RowWarning] = []
    areas = {area.name: area for area in Area.objects.all()}
    for service, data, unplaced in feed.services:
        owner = organisation
        if owner is None:
            owner = organisations.get(service.organisation_uuid)
            if owner is None:
                owner = _import_organisation(service)
                organisations[service.organisation_uuid] = owner
        if service.area_name:
            area = areas.get(service.area_name) or _import_area(service.area_name)
            if area is None:
                extra_warnings.append(
                    RowWarning(
                        service.row,
                        "service_areas[0].name",
                        f"“{service.area_name}” cannot be an area here, so it was left out.",
                        path=True,
                    )
                )
            else:
                areas[service.area_name] = area
                data.area_id = area.pk
        asset = Asset.objects.filter(pk=service.id).first()
        if asset is not None and asset.organisation_id != owner.pk:
            raise Conflict(f"Service {service.id} belongs to another organisation here.")
        if asset is None:
            asset = Asset(id=service.id, organisation=owner)
            created += 1
        else:
            updated += 1
        if mapping_session is not None:
            asset.mapping_session = mapping_session
        _apply(asset, data, geocode=False, any_postcode=True)
        asset.needs_location = unplaced
        asset.updated_at = service.updated_at or timezone.now()
        if service.checked_on is not None:
            asset.last_checked_at = timezone.make_aware(
                datetime.combine(service.checked_on, time(12, 0))
            )
        asset.save()
        terms = []
        for term in service.terms:
            taxonomy = None
            if term.get("taxonomy_id") or term.get("taxonomy"):
                taxonomy_id = uuid.UUID(
                    str(term.get("taxonomy_id") or uuid.uuid5(uuid.NAMESPACE_URL, term["taxonomy"]))
                )
                taxonomy, _ = Taxonomy.objects.get_or_create(
                    pk=taxonomy_id, defaults={"name": term.get("taxonomy") or str(taxonomy_id)}
                )
            obj, _ = TaxonomyTerm.objects.update_or_create(
                pk=uuid.UUID(term["id"]),
                defaults={
                    "name": term["name"],
                    "description": term.get("description") or "",
                    "code": term.get("code") or "",
                    "taxonomy": taxonomy,
                    "term_uri": (term.get("term_uri") or "")[:200],
                },
            )
            terms.append(obj)
        asset.taxonomy_terms.set(terms)
        Schedule.objects.filter(asset=asset).delete()
        schedules = list(service.schedules)
        taken = set(
            Schedule.objects.filter(id__in=[sid for sid, _spec in schedules]).values_list(
                "id", flat=True
            )
        )
        for position, (schedule_id, spec) in enumerate(schedules):
            if schedule_id in taken:
                # Another asset here already has an opening time with this id.
                fresh = uuid.uuid5(asset.pk, f"schedule:{schedule_id}")
                extra_warnings.append(
                    RowWarning(
                        service.row,
                        f"schedules[{position}].id",
                        f"{schedule_id} is another service's opening time here, so this one "
                        f"was given the id {fresh}.",
                        path=True,
                    )
                )
                schedules[position] = (fresh, spec)
        Schedule.objects.bulk_create(
            [
                Schedule(
                    id=schedule_id,
                    asset=asset,
                    freq=spec.freq,
                    interval=spec.interval,
                    byday=spec.byday,
                    opens_at=spec.opens_at,
                    closes_at=spec.closes_at,
                    valid_from=spec.valid_from,
                    valid_to=spec.valid_to,
                    description=spec.description,
                )
                for schedule_id, spec in schedules
            ]
        )
        _learn_centroid(asset)
        search_index_sync([asset])
        asset_ids.append(asset.pk)
        if progress is not None:
            progress.update(1)
        touched[owner.pk] = owner
        counts[owner.pk] = counts.get(owner.pk, 0) + 1
    warnings = sorted([*feed.warnings, *extra_warnings], key=lambda w: w.row)
    for pk, owner in touched.items():
        history_record(
            actor=viewer.person if viewer is not None else None,
            organisation=owner,
            action="directory.imported",
            subject=owner,
            detail={"services": counts[pk], "warnings": len(warnings)},
        )
    return ImportResult(
        created=created, updated=updated, warnings=tuple(warnings), asset_ids=tuple(asset_ids)
    )


def _import_area(name: str) -> Area | None:
    """The area of that name (or slug), created when new; None when no area can have it."""
    from django.utils.text import slugify

    from coproduce.people.services import area_create

    existing = Area.objects.filter(slug=slugify(name)).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return area_create(name=name)
    except (InvalidInput, Conflict):
        return None


def _import_organisation(service: Any) -> Organisation:
    identity = (
        OrganisationIdentity.objects.select_related("organisation")
        .filter(uuid=service.organisation_uuid)
        .first()
    )
    if identity is not None:
        return identity.organisation
    from coproduce.people.services import organisation_create

    organisation = organisation_create(
        name=service.organisation_name,
        kind="partner",
        description=service.organisation_description,
        website=service.organisation_website,
    )
    OrganisationIdentity.objects.create(organisation=organisation, uuid=service.organisation_uuid)
    return organisation
