"""Every read of the directory, scoped to the viewer.

Visitors and members of other organisations see an asset when both it and its organisation
are public; members of the owning organisation see all of its assets.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from difflib import SequenceMatcher
from typing import overload

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
    Skill,
    Visibility,
)
from coproduce.people.permissions import Viewer
from coproduce.people.services import normalise_postcode

from .models import (
    HOLDING_STATUSES,
    AccessibilityFeature,
    Asset,
    Booking,
    BookingStatus,
    MappingSession,
    PendingImport,
    PostcodeCentroid,
    Resource,
    Schedule,
    Taxonomy,
    TaxonomyTerm,
)

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 100.0


def stale_after_days() -> int:
    """Entries not checked for this many days are flagged (setting read at call time)."""
    return int(getattr(settings, "COPRODUCE_DIRECTORY_STALE_DAYS", 365))


def is_stale(asset: Asset, *, now: datetime | None = None) -> bool:
    if asset.last_checked_at is None:
        return True
    now = now or timezone.now()
    return asset.last_checked_at < now - timedelta(days=stale_after_days())


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Unscoped: plain geometry on points its callers have already selected.
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# --- where things are -------------------------------------------------------------------------


def postcode_location(postcode: str) -> tuple[float, float] | None:
    """The postcode's centroid, else its district's (the mean of the postcodes we know there)."""
    # Unscoped: postcode centroids are public geography; services geocode with it too.
    if not postcode:
        return None
    exact = (
        PostcodeCentroid.objects.filter(postcode=postcode)
        .values_list("latitude", "longitude")
        .first()
    )
    if exact is not None:
        return exact
    outward = postcode.split(" ")[0]
    district = PostcodeCentroid.objects.filter(postcode__startswith=f"{outward} ").aggregate(
        latitude=Avg("latitude"), longitude=Avg("longitude")
    )
    if district["latitude"] is None:
        return None
    return float(district["latitude"]), float(district["longitude"])


def near_point(
    *,
    viewer: Viewer,
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> tuple[float, float]:
    """A point to search around: explicit coordinates win, else the postcode's centroid.
    Any viewer, signed in or not: postcodes are public geography."""
    if latitude is not None or longitude is not None:
        if latitude is None or longitude is None:
            raise InvalidInput("latitude", "Give both latitude and longitude.")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidInput("latitude", "That is not a point on Earth.")
        return latitude, longitude
    clean = normalise_postcode(postcode)
    if not clean:
        raise InvalidInput("postcode", "Enter a postcode, or a latitude and longitude.")
    point = postcode_location(clean)
    if point is None:
        raise InvalidInput(
            "postcode",
            f"We do not know where {clean} is yet. Try a nearby postcode, or give a latitude "
            "and longitude.",
        )
    return point


# --- finding assets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetFilters:
    text: str = ""
    category: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    area_id: int | None = None
    organisation_id: int | None = None
    open_day: str = ""
    open_at: time | None = None
    start_time: time | None = None
    end_time: time | None = None
    age: int | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    free: bool = False
    max_cost_pence: int | None = None
    accessibility: tuple[str, ...] = ()
    near: tuple[float, float] | None = None
    within_km: float = 2.0
    modified_after: datetime | None = None
    located: bool = False


@dataclass
class AssetHit:
    asset: Asset
    distance_km: float | None = None

    @property
    def stale(self) -> bool:
        return is_stale(self.asset)


@dataclass
class AssetPage:
    hits: list[AssetHit]
    total_items: int
    page_number: int
    per_page: int
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.per_page))

    @property
    def first_page(self) -> bool:
        return self.page_number == 1

    @property
    def last_page(self) -> bool:
        return self.page_number >= self.total_pages


def visible_assets(viewer: Viewer) -> QuerySet[Asset]:
    own = viewer.organisation_ids("directory.view")
    return Asset.objects.filter(
        Q(is_public=True, organisation__is_public=True) | Q(organisation_id__in=own)
    )


def _text_filter(queryset: QuerySet[Asset], text: str) -> QuerySet[Asset]:
    words = [word for word in text.replace('"', " ").split() if word]
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("name", weight="A", config="english") + SearchVector(
            "description", weight="B", config="english"
        )
        query = SearchQuery(" ".join(words), config="english", search_type="websearch")
        return queryset.annotate(search=vector).filter(search=query)
    if connection.vendor == "sqlite":
        # Each word quoted, so FTS5 operators typed by a visitor are just words.
        match = " ".join('"' + word.replace('"', "") + '"' for word in words)
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT asset_id FROM directory_asset_fts WHERE directory_asset_fts MATCH %s",
                (match,),
            )
        )
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(description__icontains=word)
    return queryset.filter(condition)


def filtered_assets(*, viewer: Viewer, filters: AssetFilters) -> QuerySet[Asset]:
    """The viewer's visible assets narrowed by every filter except distance."""
    queryset = visible_assets(viewer)
    if filters.text.strip():
        queryset = _text_filter(queryset, filters.text)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.organisation_id is not None:
        queryset = queryset.filter(organisation_id=filters.organisation_id)
    if filters.area_id is not None:
        queryset = queryset.filter(area_id=filters.area_id)
    if filters.taxonomy_term_id is not None:
        queryset = queryset.filter(
            pk__in=Asset.taxonomy_terms.through.objects.filter(
                taxonomyterm_id=filters.taxonomy_term_id
            ).values("asset_id")
        )
    if filters.taxonomy_id is not None:
        queryset = queryset.filter(
            pk__in=Asset.taxonomy_terms.through.objects.filter(
                taxonomyterm__taxonomy_id=filters.taxonomy_id
            ).values("asset_id")
        )
    schedules = Schedule.objects.all()
    schedule_filtered = False
    if filters.open_day:
        schedules = schedules.filter(byday__contains=filters.open_day.upper())
        schedule_filtered = True
    if filters.open_at is not None:
        schedules = schedules.filter(opens_at__lte=filters.open_at, closes_at__gt=filters.open_at)
        schedule_filtered = True
    if filters.start_time is not None:
        schedules = schedules.filter(opens_at__gte=filters.start_time)
        schedule_filtered = True
    if filters.end_time is not None:
        schedules = schedules.filter(closes_at__lte=filters.end_time)
        schedule_filtered = True
    if schedule_filtered:
        today = timezone.localdate()
        schedules = schedules.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        )
        # A correlated EXISTS probes each candidate's schedules by index; IN (subquery) would
        # scan every schedule in the directory first.
        queryset = queryset.filter(Exists(schedules.filter(asset_id=OuterRef("pk"))))
    if filters.age is not None:
        queryset = queryset.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=filters.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=filters.age),
        )
    if filters.minimum_age is not None:
        queryset = queryset.filter(minimum_age__gte=filters.minimum_age)
    if filters.maximum_age is not None:
        queryset = queryset.filter(maximum_age__lte=filters.maximum_age)
    if filters.free:
        queryset = queryset.filter(cost_pence=0)
    if filters.max_cost_pence is not None:
        queryset = queryset.filter(cost_pence__lte=filters.max_cost_pence)
    for feature in filters.accessibility:
        if feature not in AccessibilityFeature.values:
            raise InvalidInput("accessibility", f"“{feature}” is not an accessibility feature.")
        queryset = queryset.filter(**{feature: True})
    if filters.modified_after is not None:
        queryset = queryset.filter(updated_at__gte=filters.modified_after)
    if filters.located:
        queryset = queryset.filter(Q(latitude__isnull=False) | ~Q(postcode="") | ~Q(address=""))
    return queryset


def _page_assets(ids: list[uuid.UUID]) -> dict[uuid.UUID, Asset]:
    assets = Asset.objects.filter(pk__in=ids).select_related("organisation", "area")
    return {asset.pk: asset for asset in assets}


def asset_find(
    *, viewer: Viewer, filters: AssetFilters, page: int = 1, per_page: int = 25
) -> AssetPage:
    """One page of matching assets: by distance when ``near`` is set, else by name."""
    if page < 1:
        raise InvalidInput("page", "The page number must be 1 or more.")
    if not 1 <= per_page <= 200:
        raise InvalidInput("per_page", "Ask for between 1 and 200 results a page.")
    queryset = filtered_assets(viewer=viewer, filters=filters)
    start = (page - 1) * per_page
    if filters.near is None:
        total = queryset.count()
        assets = list(
            queryset.select_related("organisation", "area").order_by("name", "id")[
                start : start + per_page
            ]
        )
        return AssetPage([AssetHit(a) for a in assets], total, page, per_page)
    if not 0 < filters.within_km <= MAX_RADIUS_KM:
        raise InvalidInput("within_km", f"Choose a distance up to {MAX_RADIUS_KM:g} km.")
    lat, lon = filters.near
    # A bounding box in SQL (uses the latitude/longitude index), then the exact distance here.
    dlat = filters.within_km / 111.045
    dlon = filters.within_km / max(0.01, 111.32 * math.cos(math.radians(lat)))
    candidates = queryset.filter(
        latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)
    ).values_list("id", "latitude", "longitude", "name")
    # Nearest first; equally near ones by name, so the order is stable.
    ranked: list[tuple[float, str, uuid.UUID]] = []
    for pk, a_lat, a_lon, name in candidates:
        if a_lat is None or a_lon is None:
            continue
        distance = _haversine_km(lat, lon, a_lat, a_lon)
        if distance <= filters.within_km:
            ranked.append((distance, name, pk))
    ranked.sort()
    chosen = ranked[start : start + per_page]
    by_id = _page_assets([pk for _, _, pk in chosen])
    hits = [AssetHit(by_id[pk], round(distance, 3)) for distance, _, pk in chosen]
    return AssetPage(hits, len(ranked), page, per_page)


def asset_get(
    *,
    viewer: Viewer,
    asset_id: uuid.UUID | str,
    ability: str | None = None,
    action: str = "do that",
) -> Asset:
    """An asset the viewer may see (404 otherwise); with ``ability``, only to a viewer who
    holds it in the asset's organisation (404 outside it, 403 for a role too low to
    ``action``)."""
    try:
        pk = uuid.UUID(str(asset_id))
    except ValueError as error:
        raise NotFound() from error
    asset = (
        visible_assets(viewer)
        .select_related("organisation", "area", "last_checked_by", "mapping_session")
        .prefetch_related(
            "schedules",
            Prefetch("taxonomy_terms", queryset=TaxonomyTerm.objects.select_related("taxonomy")),
            Prefetch("resources", queryset=Resource.objects.filter(is_active=True)),
        )
        .filter(pk=pk)
        .first()
    )
    if asset is None:
        raise NotFound()
    if ability is not None:
        permissions.check(viewer, ability, asset.organisation_id, action=action)
    return asset


def asset_for_edit(*, viewer: Viewer, asset_id: uuid.UUID | str) -> Asset:
    """The asset if the viewer may edit it (404 outside its organisation, 403 too junior)."""
    return asset_get(
        viewer=viewer, asset_id=asset_id, ability="directory.edit", action="edit assets"
    )


def schedule_for_edit(*, viewer: Viewer, schedule_id: uuid.UUID) -> Schedule:
    schedule = Schedule.objects.select_related("asset").filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound()
    asset_for_edit(viewer=viewer, asset_id=schedule.asset_id)
    return schedule


def editable_organisations(*, viewer: Viewer) -> list[Organisation]:
    return list(
        Organisation.objects.filter(pk__in=viewer.organisation_ids("directory.edit")).order_by(
            "name"
        )
    )


def map_points(*, page: AssetPage) -> list[dict[str, object]]:
    """What the map draws: the same assets as the list beside it."""
    return [
        {
            "id": str(hit.asset.pk),
            "name": hit.asset.name,
            "lat": hit.asset.latitude,
            "lon": hit.asset.longitude,
            "url": hit.asset.get_absolute_url(),
        }
        for hit in page.hits
        if hit.asset.latitude is not None
    ]


def stale_assets(*, viewer: Viewer) -> QuerySet[Asset]:
    """The viewer's editable assets not checked within the stale period, oldest first."""
    cutoff = timezone.now() - timedelta(days=stale_after_days())
    return (
        Asset.objects.filter(organisation_id__in=viewer.organisation_ids("directory.edit"))
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .select_related("organisation")
        .order_by("last_checked_at", "name")
    )


def taxonomy_list(*, viewer: Viewer) -> QuerySet[Taxonomy]:
    """Any viewer, signed in or not: the taxonomies are published with the directory."""
    return Taxonomy.objects.order_by("name", "id")


def taxonomy_term_list(
    *, viewer: Viewer, taxonomy_id: uuid.UUID | None = None
) -> QuerySet[TaxonomyTerm]:
    """Any viewer, signed in or not: the terms are published with the directory."""
    queryset = TaxonomyTerm.objects.select_related("taxonomy").order_by("name", "id")
    if taxonomy_id is not None:
        queryset = queryset.filter(taxonomy_id=taxonomy_id)
    return queryset


# --- individuals' gifts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Gift:
    skill_id: int
    label: str
    description: str
    person_id: int
    name: str
    email: str
    phone: str


class GiftList:
    """The gifts a viewer may see, read a page at a time: ``Paginator`` asks for the count
    and one slice, so a county's skills are never loaded at once."""

    def __init__(self, viewer: Viewer, skills: QuerySet[Skill], organisations: list[int]):
        self.viewer = viewer
        self.skills = skills
        self.organisations = organisations
        self.coordinated = set(viewer.organisation_ids("people.view_member_record"))

    def count(self) -> int:
        return self.skills.count() if self.organisations else 0

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Gift]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, wanted: int) -> Gift: ...
    @overload
    def __getitem__(self, wanted: slice) -> list[Gift]: ...
    def __getitem__(self, wanted: int | slice) -> Gift | list[Gift]:
        if isinstance(wanted, int):
            found = self[wanted : wanted + 1]
            if not found:
                raise IndexError(wanted)
            return found[0]
        if not self.organisations:
            return []
        rows = list(self.skills.select_related("person")[wanted])
        shared: dict[int, set[int]] = {}
        for person_id, organisation_id in Membership.objects.filter(
            person_id__in={skill.person_id for skill in rows},
            organisation_id__in=self.organisations,
            status=MembershipStatus.ACTIVE,
        ).values_list("person_id", "organisation_id"):
            shared.setdefault(person_id, set()).add(organisation_id)
        return [self._gift(skill, shared.get(skill.person_id, set())) for skill in rows]

    def _gift(self, skill: Skill, organisations: set[int]) -> Gift:
        person: Person = skill.person
        is_self = self.viewer.person_id == person.pk
        coordinator = bool(organisations & self.coordinated)

        def shown(value: str, visibility: str) -> str:
            if is_self or visibility == Visibility.MEMBERS:
                return value
            if coordinator and visibility == Visibility.COORDINATORS:
                return value
            return ""

        return Gift(
            skill_id=skill.pk,
            label=skill.label,
            description=skill.description,
            person_id=person.pk,
            name=person.display_name,
            email=shown(person.email, person.email_visibility),
            phone=shown(person.phone, person.phone_visibility),
        )


def gift_list(*, viewer: Viewer, text: str = "") -> GiftList:
    """What fellow members offer. Only people sharing an active organisation with the viewer
    appear (never visitors or commissioners); contact details follow each person's choices."""
    organisations = viewer.organisation_ids("people.view_members")
    fellow = Membership.objects.filter(
        person_id=OuterRef("person_id"),
        organisation_id__in=organisations,
        status=MembershipStatus.ACTIVE,
    )
    skills = Skill.objects.filter(
        Exists(fellow), kind="offer", person__erased_at__isnull=True
    ).order_by("label", "person__full_name", "pk")
    if text.strip():
        skills = skills.filter(Q(label__icontains=text.strip()) | Q(description__icontains=text))
    return GiftList(viewer, skills, organisations)


# --- spare capacity ---------------------------------------------------------------------------


def resource_get(*, viewer: Viewer, resource_id: int) -> Resource:
    resource = (
        Resource.objects.select_related("asset", "asset__organisation")
        .filter(pk=resource_id, asset__in=visible_assets(viewer))
        .first()
    )
    if resource is None:
        raise NotFound()
    return resource


def resource_get_for_booking(*, viewer: Viewer, resource_id: int) -> Resource:
    """A resource the viewer may see, if they may book anything (a member somewhere)."""
    resource = resource_get(viewer=viewer, resource_id=resource_id)
    if not permissions.may_anywhere(viewer, "directory.book"):
        raise PermissionDenied("You need to be a member of an organisation to book.")
    return resource


def resource_list(*, viewer: Viewer) -> QuerySet[Resource]:
    return (
        Resource.objects.filter(is_active=True, asset__in=visible_assets(viewer))
        .select_related("asset", "asset__organisation")
        .order_by("name", "pk")
    )


def resource_bookings(
    *, viewer: Viewer, resource: Resource, since: datetime | None = None
) -> QuerySet[Booking]:
    """The slots taken, without who took them, for a viewer who may see the resource."""
    since = since or timezone.now()
    return Booking.objects.filter(
        resource=resource,
        resource__asset__in=visible_assets(viewer),
        status__in=HOLDING_STATUSES,
        ends_at__gt=since,
    ).order_by("starts_at")


def time_banks_of(*, viewer: Viewer) -> QuerySet[Organisation]:
    """The time banks whose credits the viewer could pay with."""
    return Organisation.objects.filter(
        kind=OrganisationKind.TIME_BANK, pk__in=viewer.organisation_ids("timebank.take_part")
    ).order_by("name")


def booking_get(*, viewer: Viewer, booking_id: int) -> Booking:
    """The requester or the resource's managers; anyone else 404."""
    booking = (
        Booking.objects.select_related(
            "resource", "resource__asset", "resource__asset__organisation", "requested_by"
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    if viewer.person_id is not None and booking.requested_by_id == viewer.person_id:
        return booking
    permissions.check(
        viewer,
        "directory.manage_bookings",
        booking.resource.asset.organisation_id,
        action="see this booking",
    )
    return booking


def booking_get_for_decision(*, viewer: Viewer, booking_id: int) -> Booking:
    """A booking the viewer may approve or decline: a manager of the resource's bookings;
    the requester, who may see it, may not decide it."""
    booking = booking_get(viewer=viewer, booking_id=booking_id)
    permissions.check(
        viewer,
        "directory.manage_bookings",
        booking.resource.asset.organisation_id,
        action="decide bookings",
    )
    return booking


def booking_list_mine(*, viewer: Viewer) -> QuerySet[Booking]:
    if viewer.person_id is None:
        return Booking.objects.none()
    return (
        Booking.objects.filter(requested_by_id=viewer.person_id)
        .select_related("resource", "resource__asset")
        .order_by("-starts_at")
    )


def booking_list_to_decide(*, viewer: Viewer) -> QuerySet[Booking]:
    organisations = viewer.organisation_ids("directory.manage_bookings")
    return (
        Booking.objects.filter(
            resource__asset__organisation_id__in=organisations, status=BookingStatus.REQUESTED
        )
        .select_related("resource", "resource__asset", "requested_by")
        .order_by("starts_at")
    )


# --- asset mapping ------------------------------------------------------------------------------


def mapping_session_list(*, viewer: Viewer) -> QuerySet[MappingSession]:
    return (
        MappingSession.objects.filter(
            organisation_id__in=viewer.organisation_ids("directory.map_assets")
        )
        .select_related("organisation", "area")
        .order_by("-held_on", "-pk")
    )


def mapping_session_get(*, viewer: Viewer, session_id: int) -> MappingSession:
    session = (
        MappingSession.objects.select_related("organisation", "area").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound()
    permissions.check(
        viewer, "directory.map_assets", session.organisation_id, action="run asset mapping"
    )
    return session


def pending_import_get(*, viewer: Viewer, import_id: int) -> PendingImport:
    pending = PendingImport.objects.select_related("session").filter(pk=import_id).first()
    if pending is None:
        raise NotFound()
    mapping_session_get(viewer=viewer, session_id=pending.session_id)
    return pending


@dataclass(frozen=True)
class DuplicatePair:
    keep: Asset
    duplicate: Asset
    similarity: float
    distance_km: float | None


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a.casefold().strip(), b.casefold().strip()).ratio()


def similar_assets(
    *,
    organisation_ids: list[int],
    name: str,
    latitude: float | None,
    longitude: float | None,
    postcode: str = "",
    within_km: float = 0.3,
    threshold: float = 0.8,
) -> list[Asset]:
    """Assets with a similar name close by (or at the same postcode when no point is known)."""
    # Unscoped: an import's service passes the one organisation it has already authorised.
    queryset = Asset.objects.filter(organisation__in=organisation_ids)
    if latitude is not None and longitude is not None:
        dlat = within_km / 111.045
        dlon = within_km / max(0.01, 111.32 * math.cos(math.radians(latitude)))
        queryset = queryset.filter(
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
    elif postcode:
        queryset = queryset.filter(postcode=postcode)
    else:
        return []
    return [asset for asset in queryset if _similar(asset.name, name) >= threshold]


def duplicate_suggestions(*, viewer: Viewer, within_km: float = 0.3) -> list[DuplicatePair]:
    """Pairs of the viewer's assets with similar names close together, to merge. Assets are
    bucketed by a grid cell about ``within_km`` wide (or by postcode when they have no point),
    so only neighbours are compared."""
    assets = list(
        Asset.objects.filter(
            organisation_id__in=viewer.organisation_ids("directory.map_assets")
        ).order_by("created_at", "id")
    )
    cell = within_km / 111.0
    grid: dict[tuple[int, int, int], list[int]] = {}
    by_postcode: dict[tuple[int, str], list[int]] = {}
    for index, asset in enumerate(assets):
        if asset.latitude is not None and asset.longitude is not None:
            key = (
                asset.organisation_id,
                math.floor(asset.latitude / cell),
                math.floor(asset.longitude / cell),
            )
            grid.setdefault(key, []).append(index)
        elif asset.postcode:
            by_postcode.setdefault((asset.organisation_id, asset.postcode), []).append(index)
    candidates: set[tuple[int, int]] = set()
    for (organisation, row, column), members in grid.items():
        for drow in (-1, 0, 1):
            for dcolumn in (-1, 0, 1):
                for other in grid.get((organisation, row + drow, column + dcolumn), []):
                    candidates.update((min(i, other), max(i, other)) for i in members if i != other)
    for members in by_postcode.values():
        candidates.update((a, b) for a in members for b in members if a < b)
    pairs: list[DuplicatePair] = []
    for i, j in sorted(candidates):
        first, second = assets[i], assets[j]
        distance = None
        if first.latitude is not None and second.latitude is not None:
            assert first.longitude is not None and second.longitude is not None
            distance = _haversine_km(
                first.latitude, first.longitude, second.latitude, second.longitude
            )
            if distance > within_km:
                continue
        score = _similar(first.name, second.name)
        if score >= 0.8:
            pairs.append(DuplicatePair(first, second, round(score, 2), distance))
    return pairs
