"""Writing assets: what an asset holds (``AssetData``), checking it, creating, editing and
confirming one, and the taxonomy terms assets are tagged with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf.locale import LANG_INFO
from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer
from coproduce.people.services import normalise_postcode

from .. import selectors
from ..models import (
    AccessibilityFeature,
    Asset,
    AssetCategory,
    AssetStatus,
    MappingSession,
    OrganisationIdentity,
    PostcodeCentroid,
    TaxonomyTerm,
)
from ..schedules import ScheduleSpec, check_schedule
from .opening_times import schedules_write
from .search_index import search_index_sync


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


def organisation_uuid(organisation: Organisation) -> uuid.UUID:
    """The organisation's Open Referral UK id, created on first use."""
    identity, _ = OrganisationIdentity.objects.get_or_create(organisation=organisation)
    return identity.uuid


def languages_clean(codes: list[str]) -> str:
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


def asset_apply(
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
        point = selectors.postcode_location(asset.postcode)
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
    asset.languages = languages_clean(data.languages)
    model_validate(asset, exclude=["organisation", "mapping_session", "updated_at"])


def _check_terms(ids: list[uuid.UUID]) -> list[TaxonomyTerm]:
    terms = list(TaxonomyTerm.objects.filter(pk__in=ids))
    if len(terms) != len(set(ids)):
        raise InvalidInput("taxonomy_term_ids", "One of the taxonomy terms does not exist.")
    return terms


def postcode_centroid_learn(asset: Asset) -> None:
    """Remember where a postcode is when someone gave both; postcode search builds on it."""
    if asset.postcode and asset.latitude is not None and asset.longitude is not None:
        PostcodeCentroid.objects.get_or_create(
            postcode=asset.postcode,
            defaults={"latitude": asset.latitude, "longitude": asset.longitude},
        )


@transaction.atomic
def taxonomy_term_create(
    *, name: str, taxonomy_name: str = "", description: str = "", code: str = ""
) -> TaxonomyTerm:
    """A term to tag assets with, in a named taxonomy (created on first use)."""
    from ..models import Taxonomy

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
    model_validate(term)
    term.save()
    return term


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
    asset_apply(asset, data)
    asset.updated_at = asset.last_checked_at = timezone.now()
    asset.last_checked_by = viewer.person
    asset.save()
    asset.taxonomy_terms.set(terms)
    schedules_write(asset=asset, specs=specs)
    postcode_centroid_learn(asset)
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
    asset_apply(locked, data)
    locked.updated_at = timezone.now()
    locked.save()
    locked.taxonomy_terms.set(terms)
    postcode_centroid_learn(locked)
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
