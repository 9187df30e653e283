"""Asset mapping: sessions where a community lists its assets, the quick bulk form, sheet
and feed uploads held for preview, and merging the duplicates they turn up."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Area, Organisation
from coproduce.people.permissions import Viewer

from .. import selectors
from ..importing import ImportRejected, RowError, read_sheet
from ..models import (
    AccessibilityFeature,
    Asset,
    AssetCategory,
    MappingSession,
    MappingSessionStatus,
    PendingImport,
    Resource,
    Schedule,
)
from ..schedules import parse_opening_times
from .assets import AssetData, asset_apply, asset_create, languages_clean
from .imports import RowCheck, openreferral_import, openreferral_preview
from .search_index import search_index_remove, search_index_sync


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
    model_validate(session)
    session.save()
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="mapping_session.created",
        subject=session,
    )
    return session


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
            asset_apply(probe, data)
        except InvalidInput as error:
            checked.append(
                RowCheck(
                    index, values, None, [RowError(index, error.field or "row", error.message)], []
                )
            )
            continue
        duplicates = [
            asset.name
            for asset in selectors.similar_assets(
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

    from ..importing import MAX_ROWS
    from ..openreferral import services_in

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
    kept.languages = languages_clean([*kept.language_codes, *gone.language_codes])
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
    search_index_remove(gone_id)
    search_index_sync([kept])
    return kept
