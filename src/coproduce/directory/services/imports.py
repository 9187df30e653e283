"""Importing Open Referral UK services as assets: checking a feed against the standard,
fitting each service to an asset, and writing them all or none."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Area, Organisation
from coproduce.people.permissions import Viewer
from coproduce.people.services import normalise_postcode

from .. import selectors
from ..importing import ImportRejected, RowError, RowWarning
from ..models import (
    Asset,
    AssetCategory,
    MappingSession,
    OrganisationIdentity,
    Schedule,
    TaxonomyTerm,
)
from .assets import AssetData, asset_apply, postcode_centroid_learn
from .opening_times import schedules_write
from .search_index import search_index_sync


@dataclass
class RowCheck:
    """One row of a bulk form or sheet, checked: its data or its errors, and lookalikes."""

    row: int
    values: dict[str, str]
    data: AssetData | None
    errors: list[RowError]
    duplicates: list[str]
    warnings: list[RowWarning] = field(default_factory=list)


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
            asset_apply(Asset(), data, geocode=False, any_postcode=True)
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
        point = selectors.postcode_location(normalise_postcode(data.postcode))
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
    from .. import openreferral

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
    from ..models import Taxonomy

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
        asset_apply(asset, data, geocode=False, any_postcode=True)
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
        schedules_write(
            asset=asset,
            specs=[spec for _schedule_id, spec in schedules],
            ids=[schedule_id for schedule_id, _spec in schedules],
        )
        postcode_centroid_learn(asset)
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
