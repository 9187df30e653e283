"""Open Referral UK 3.0: an asset as the standard's service (at one location), and back.

Nested records the standard gives ids (location, address, contact, cost option, language,
service area, attribute) are not tables here; their ids are UUIDv5 of the asset's id, so the
same asset always exports the same document and a round trip keeps every id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf.locale import LANG_INFO
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from coproduce.errors import InvalidInput
from coproduce.people.permissions import Viewer

from .importing import RowError
from .models import (
    Asset,
    AssetCategory,
    AssetStatus,
    OrganisationIdentity,
    Schedule,
    TaxonomyTerm,
)
from .schedules import ScheduleSpec, check_schedule, parse_time

NAMESPACE = uuid.UUID("5b0f1f7e-3c55-4f0e-9a43-2f2b8f4b8f10")
ABCD_TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:abcd")
ABCD_TAXONOMY_NAME = "Asset-based community development categories"
SERVICE_LINK = "service"


def nested_id(asset_id: uuid.UUID, kind: str) -> str:
    return str(uuid.uuid5(asset_id, kind))


def category_term_id(category: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"abcd:{category}")


CATEGORY_BY_TERM = {str(category_term_id(value)): value for value in AssetCategory.values}


def export_queryset(queryset: QuerySet[Asset]) -> QuerySet[Asset]:
    """Everything serialising an asset touches, fetched in a fixed number of queries."""
    return queryset.select_related(
        "organisation", "organisation__openreferral_identity", "area"
    ).prefetch_related(
        Prefetch("schedules", queryset=Schedule.objects.order_by("opens_at", "id")),
        Prefetch(
            "taxonomy_terms",
            queryset=TaxonomyTerm.objects.select_related("taxonomy").order_by("id"),
        ),
    )


def organisation_id(asset: Asset) -> str:
    try:
        identity: OrganisationIdentity = asset.organisation.openreferral_identity
    except OrganisationIdentity.DoesNotExist:
        # Organisations never given an identity get a stable derived one.
        return str(uuid.uuid5(NAMESPACE, f"organisation:{asset.organisation_id}"))
    return str(identity.uuid)


def organization_json(asset: Asset) -> dict[str, Any]:
    organisation = asset.organisation
    data: dict[str, Any] = {
        "id": organisation_id(asset),
        "name": organisation.name,
        "description": organisation.description,
    }
    if organisation.website:
        data["website"] = organisation.website
    return data


def _time(value: time) -> str:
    return value.strftime("%H:%M:%S")


def _money(pence: int) -> float | int:
    return pence // 100 if pence % 100 == 0 else pence / 100


def service_list_json(asset: Asset) -> dict[str, Any]:
    """The one-to-one fields of a service (the standard's service_list shape)."""
    sid = str(asset.pk)
    data: dict[str, Any] = {
        "id": sid,
        "organization_id": organisation_id(asset),
        "name": asset.name,
        "description": asset.description,
        "status": asset.status,
        "fees": asset.cost_description or ("Free" if asset.cost_pence == 0 else ""),
        "last_modified": asset.updated_at.isoformat(),
        "organization": organization_json(asset),
    }
    if asset.url:
        data["url"] = asset.url
    if asset.email:
        data["email"] = asset.email
    if asset.minimum_age is not None:
        data["minimum_age"] = asset.minimum_age
    if asset.maximum_age is not None:
        data["maximum_age"] = asset.maximum_age
    if asset.last_checked_at is not None:
        data["assured_date"] = timezone.localtime(asset.last_checked_at).date().isoformat()
    return data


def _attribute(asset: Asset, term_id: str, term: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": nested_id(asset.pk, f"attribute:{term_id}"),
        "link_id": str(asset.pk),
        "link_type": SERVICE_LINK,
        "taxonomy_term_id": term_id,
        "taxonomy_term": term,
    }


def term_json(term: TaxonomyTerm) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(term.pk), "name": term.name, "description": term.description}
    if term.code:
        data["code"] = term.code
    if term.parent_id:
        data["parent_id"] = str(term.parent_id)
    if term.taxonomy is not None:
        data["taxonomy"] = term.taxonomy.name
        data["taxonomy_id"] = str(term.taxonomy.pk)
    if term.term_uri:
        data["term_uri"] = term.term_uri
    return data


def location_json(asset: Asset) -> dict[str, Any]:
    lid = nested_id(asset.pk, "location")
    location: dict[str, Any] = {
        "id": lid,
        "location_type": "physical",
        "name": asset.name,
        "addresses": [
            {
                "id": nested_id(asset.pk, "address"),
                "location_id": lid,
                "address_1": asset.address,
                "city": asset.town,
                "state_province": "",
                "postal_code": asset.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }
    if asset.latitude is not None:
        location["latitude"] = asset.latitude
        location["longitude"] = asset.longitude
    features = ",".join(
        f
        for f in ("step_free", "accessible_toilet", "hearing_loop", "quiet_space")
        if getattr(asset, f)
    )
    if asset.accessibility or features:
        location["accessibility"] = [
            {
                "id": nested_id(asset.pk, "accessibility"),
                "location_id": lid,
                "description": asset.accessibility,
                "details": features,
            }
        ]
    return location


def _has_location(asset: Asset) -> bool:
    return bool(asset.latitude is not None or asset.address or asset.postcode)


def _schedule_json(asset: Asset, schedule: Schedule) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(schedule.pk),
        "service_id": str(asset.pk),
        "freq": schedule.freq,
        "interval": schedule.interval,
        "byday": schedule.byday,
        "opens_at": _time(schedule.opens_at),
        "closes_at": _time(schedule.closes_at),
        "description": schedule.description,
    }
    if schedule.valid_from:
        data["valid_from"] = schedule.valid_from.isoformat()
    if schedule.valid_to:
        data["valid_to"] = schedule.valid_to.isoformat()
    return data


def service_json(
    asset: Asset,
    *,
    schedules: list[Schedule] | None = None,
    terms: list[TaxonomyTerm] | None = None,
) -> dict[str, Any]:
    """A fully nested service (the standard's service shape). ``schedules`` and ``terms``
    save a query each when the caller fetched them in bulk."""
    sid = str(asset.pk)
    if schedules is None:
        schedules = list(asset.schedules.all())
    if terms is None:
        terms = list(asset.taxonomy_terms.all())
    data = service_list_json(asset)
    data["schedules"] = [_schedule_json(asset, s) for s in schedules]
    data["service_areas"] = (
        [
            {
                "id": str(uuid.uuid5(NAMESPACE, f"area:{asset.area.name}")),
                "service_id": sid,
                "name": asset.area.name,
            }
        ]
        if asset.area is not None
        else []
    )
    data["service_at_locations"] = (
        [
            {
                "id": nested_id(asset.pk, "service_at_location"),
                "service_id": sid,
                "location_id": nested_id(asset.pk, "location"),
                "location": location_json(asset),
            }
        ]
        if _has_location(asset)
        else []
    )
    data["languages"] = [
        {
            "id": nested_id(asset.pk, f"language:{code}"),
            "service_id": sid,
            "name": LANG_INFO.get(code, {}).get("name", code),
            "code": code,
        }
        for code in asset.language_codes
    ]
    data["cost_options"] = [
        {
            "id": nested_id(asset.pk, "cost_option"),
            "service_id": sid,
            "option": asset.cost_description or ("Free" if asset.cost_pence == 0 else "Charge"),
            "amount": _money(asset.cost_pence),
            "currency": "GBP",
        }
    ]
    data["contacts"] = []
    if asset.contact_name or asset.phone:
        contact: dict[str, Any] = {
            "id": nested_id(asset.pk, "contact"),
            "service_id": sid,
            "name": asset.contact_name,
        }
        if asset.phone:
            contact["phones"] = [{"id": nested_id(asset.pk, "phone"), "number": asset.phone}]
        data["contacts"].append(contact)
    if asset.eligibility:
        data["eligibility_description"] = asset.eligibility
    category = {
        "id": str(category_term_id(asset.category)),
        "name": asset.get_category_display(),
        "description": f"ABCD category: {asset.get_category_display()}",
        "code": asset.category,
        "taxonomy": ABCD_TAXONOMY_NAME,
        "taxonomy_id": str(ABCD_TAXONOMY_ID),
    }
    data["attributes"] = [_attribute(asset, category["id"], category)] + [
        _attribute(asset, str(term.pk), term_json(term)) for term in terms
    ]
    return data


def service_at_location_list_json(asset: Asset) -> dict[str, Any]:
    return {
        "id": nested_id(asset.pk, "service_at_location"),
        "service_id": str(asset.pk),
        "location_id": nested_id(asset.pk, "location"),
        "location": {
            key: value
            for key, value in location_json(asset).items()
            if key not in {"addresses", "accessibility"}
        },
        "service": service_list_json(asset),
    }


def service_at_location_json(asset: Asset) -> dict[str, Any]:
    full = service_json(asset)
    return {
        "id": nested_id(asset.pk, "service_at_location"),
        "service_id": str(asset.pk),
        "location_id": nested_id(asset.pk, "location"),
        "location": location_json(asset),
        "service": {k: v for k, v in full.items() if k != "service_at_locations"},
    }


def stream_array(
    items: Iterable[Asset | ExportItem], *, form: str = "package", progress: Any = None
) -> Iterator[str]:
    """The export as chunks of one JSON array: a service each (package) or its one-to-one
    fields (list). Memory stays flat when ``items`` comes from ``iterate``."""
    yield "["
    first = True
    for item in items:
        if isinstance(item, ExportItem):
            asset, schedules, terms = item.asset, item.schedules, item.terms
        else:
            asset, schedules, terms = item, None, None
        if form == "package":
            data = service_json(asset, schedules=schedules, terms=terms)
        else:
            data = service_list_json(asset)
        yield ("" if first else ",\n") + json.dumps(data, ensure_ascii=False)
        first = False
        if progress is not None:
            progress.update(1)
    yield "]\n"


# --- reading a feed -----------------------------------------------------------------------------


@dataclass
class ImportedService:
    """One service of a feed, checked and mapped onto the asset model."""

    id: uuid.UUID
    organisation_uuid: uuid.UUID
    organisation_name: str
    organisation_description: str
    organisation_website: str
    fields: dict[str, Any]
    schedules: list[tuple[uuid.UUID, ScheduleSpec]] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)
    area_name: str = ""
    updated_at: datetime | None = None
    checked_on: date | None = None


def services_in(document: Any) -> list[Any]:
    """The services of a file or feed page: an array, a page's ``contents`` or one service."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return list(document["contents"])
    if isinstance(document, dict) and "id" in document and "name" in document:
        return [document]
    raise ValueError(
        "This is not Open Referral UK: expected an array of services, a page with "
        "“contents”, or one service."
    )


class _RowProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError) as error:
        raise _RowProblem(field, f"“{value}” is not a UUID.") from error


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _RowProblem(key, "must be text.")
    return value


def _age(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _RowProblem(key, "must be a number of years.")
    return int(value)


def _parse_one(item: Any) -> ImportedService:
    if not isinstance(item, dict):
        raise _RowProblem("service", "is not an object.")
    for key in ("id", "name", "status"):
        if key not in item:
            raise _RowProblem(key, "is required.")
    sid = _uuid(item["id"], "id")
    if item["status"] not in AssetStatus.values:
        allowed = ", ".join(AssetStatus.values)
        raise _RowProblem("status", f"“{item['status']}” is not one of {allowed}.")
    organization = item.get("organization") or {}
    if not isinstance(organization, dict) or "id" not in organization:
        raise _RowProblem("organization", "is required, with an id and a name.")
    org_id = _uuid(organization["id"], "organization.id")
    if not organization.get("name"):
        raise _RowProblem("organization.name", "is required.")
    fields: dict[str, Any] = {
        "name": _text(item, "name"),
        "description": _text(item, "description"),
        "status": item["status"],
        "url": _text(item, "url"),
        "email": _text(item, "email"),
        "minimum_age": _age(item, "minimum_age"),
        "maximum_age": _age(item, "maximum_age"),
        "eligibility": _text(item, "eligibility_description"),
        "category": AssetCategory.INSTITUTION,
        "cost_pence": 0,
        "cost_description": "",
        "languages": [],
        "features": [],
    }
    fees = _text(item, "fees")
    costs = item.get("cost_options") or []
    if costs:
        first = costs[0]
        amount = first.get("amount", 0) or 0
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise _RowProblem("cost_options.amount", "must be an amount of pounds.")
        fields["cost_pence"] = round(amount * 100)
        option = str(first.get("option") or "")
        fields["cost_description"] = "" if option in {"Free", "Charge"} else option
    elif fees and fees != "Free":
        fields["cost_description"] = fees
    for language in item.get("languages") or []:
        code = str(language.get("code") or "").lower()
        if code:
            fields["languages"].append(code)
    contacts = item.get("contacts") or []
    if contacts:
        fields["contact_name"] = str(contacts[0].get("name") or "")
        phones = contacts[0].get("phones") or []
        if phones:
            fields["phone"] = str(phones[0].get("number") or "")
    locations = item.get("service_at_locations") or []
    if locations:
        location = locations[0].get("location") or {}
        if location.get("latitude") is not None or location.get("longitude") is not None:
            try:
                fields["latitude"] = float(location["latitude"])
                fields["longitude"] = float(location["longitude"])
            except (KeyError, TypeError, ValueError) as error:
                raise _RowProblem("location", "needs both latitude and longitude.") from error
        addresses = location.get("addresses") or []
        if addresses:
            fields["address"] = str(addresses[0].get("address_1") or "")
            fields["town"] = str(addresses[0].get("city") or "")
            fields["postcode"] = str(addresses[0].get("postal_code") or "")
        for access in location.get("accessibility") or []:
            fields["accessibility"] = str(access.get("description") or "")
            details = str(access.get("details") or "")
            fields["features"] = [
                f
                for f in details.split(",")
                if f in {"step_free", "accessible_toilet", "hearing_loop", "quiet_space"}
            ]
    service = ImportedService(
        id=sid,
        organisation_uuid=org_id,
        organisation_name=str(organization["name"]),
        organisation_description=str(organization.get("description") or ""),
        organisation_website=str(organization.get("website") or ""),
        fields=fields,
    )
    for index, schedule in enumerate(item.get("schedules") or []):
        prefix = f"schedules[{index}]."
        try:
            spec = ScheduleSpec(
                freq=str(schedule.get("freq") or "WEEKLY"),
                interval=int(schedule.get("interval") or 1),
                byday=str(schedule.get("byday") or ""),
                opens_at=parse_time(str(schedule.get("opens_at") or ""), field=f"{prefix}opens_at"),
                closes_at=parse_time(
                    str(schedule.get("closes_at") or ""), field=f"{prefix}closes_at"
                ),
                valid_from=parse_date(schedule["valid_from"])
                if schedule.get("valid_from")
                else None,
                valid_to=parse_date(schedule["valid_to"]) if schedule.get("valid_to") else None,
                description=str(schedule.get("description") or ""),
            )
            spec = check_schedule(spec, field_prefix=prefix)
        except (ValueError, TypeError) as error:
            raise _RowProblem(prefix.rstrip("."), str(error)) from error
        except InvalidInput as error:
            raise _RowProblem(error.field or prefix.rstrip("."), error.message) from error
        sched_id = _uuid(schedule.get("id"), f"{prefix}id")
        service.schedules.append((sched_id, spec))
    for attribute in item.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        term_id = str(attribute.get("taxonomy_term_id") or term.get("id") or "")
        if term_id in CATEGORY_BY_TERM:
            fields["category"] = CATEGORY_BY_TERM[term_id]
            continue
        if not term.get("name"):
            raise _RowProblem("attributes.taxonomy_term", "needs an id and a name.")
        _uuid(term_id, "attributes.taxonomy_term_id")
        service.terms.append({**term, "id": term_id})
    areas = item.get("service_areas") or []
    if areas:
        service.area_name = str(areas[0].get("name") or "")
    if item.get("last_modified"):
        modified = parse_datetime(str(item["last_modified"]))
        if modified is None:
            raise _RowProblem("last_modified", "is not a date and time.")
        service.updated_at = modified
    if item.get("assured_date"):
        checked = parse_date(str(item["assured_date"]))
        if checked is None:
            raise _RowProblem("assured_date", "is not a date (YYYY-MM-DD).")
        service.checked_on = checked
    return service


def parse_services(items: list[Any]) -> tuple[list[ImportedService], list[RowError]]:
    """Check every service of a feed; the errors name the service's position and field."""
    parsed: list[ImportedService] = []
    errors: list[RowError] = []
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items, start=1):
        try:
            service = _parse_one(item)
        except _RowProblem as problem:
            errors.append(RowError(index, problem.field, problem.message))
            continue
        if service.id in seen:
            errors.append(RowError(index, "id", f"{service.id} appears twice in the feed."))
            continue
        seen.add(service.id)
        parsed.append(service)
    return parsed, errors


# --- export and reading sources -----------------------------------------------------------------


def export_assets(*, viewer: Viewer) -> QuerySet[Asset]:
    """What the open feed publishes to this viewer, in a stable order."""
    from .selectors import visible_assets

    return export_queryset(visible_assets(viewer).order_by("id"))


@dataclass
class ExportItem:
    """An asset with its opening times and terms, fetched in bulk for a batch of assets."""

    asset: Asset
    schedules: list[Schedule]
    terms: list[TaxonomyTerm]


def iterate(
    queryset: QuerySet[Asset], *, chunk_size: int = 1000, limit: int | None = None
) -> Iterator[ExportItem]:
    """Assets in id order, a chunk at a time (keyset paging, so memory stays flat however
    many there are), with three queries a chunk for their schedules and terms."""
    base = queryset.prefetch_related(None).order_by("id")
    through = Asset.taxonomy_terms.through
    last: uuid.UUID | None = None
    sent = 0
    while limit is None or sent < limit:
        size = chunk_size if limit is None else min(chunk_size, limit - sent)
        page = base if last is None else base.filter(id__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        ids = [asset.pk for asset in batch]
        schedules: dict[uuid.UUID, list[Schedule]] = {}
        for schedule in Schedule.objects.filter(asset_id__in=ids).order_by("opens_at", "id"):
            schedules.setdefault(schedule.asset_id, []).append(schedule)
        terms: dict[uuid.UUID, list[TaxonomyTerm]] = {}
        links = (
            through.objects.filter(asset_id__in=ids)
            .select_related("taxonomyterm__taxonomy")
            .order_by("taxonomyterm_id")
        )
        for link in links:
            terms.setdefault(link.asset_id, []).append(link.taxonomyterm)
        for asset in batch:
            yield ExportItem(asset, schedules.get(asset.pk, []), terms.get(asset.pk, []))
        sent += len(batch)
        last = batch[-1].pk


def read_source(source: str, *, max_pages: int = 1000) -> list[Any]:
    """The services in a file path, or at a feed URL (every page of ``/services``)."""
    if source.startswith(("http://", "https://")):
        return _read_feed(source, max_pages=max_pages)
    if "://" in source:
        raise ValueError("Give a file path, or a feed URL starting http:// or https://.")
    with open(source, encoding="utf-8") as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"This is not JSON (line {error.lineno}): {error.msg}.") from error
    return services_in(document)


def _fetch_json(url: str) -> Any:
    from urllib.request import Request, urlopen

    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310 - http(s) only
    with urlopen(request, timeout=30) as response:  # noqa: S310 - read_source checks the scheme
        return json.load(response)


def _read_feed(url: str, *, max_pages: int) -> list[Any]:
    """Every page of a feed's /services; list-shaped items (no nested arrays) are fetched
    again from /services/{id} so nothing nested is lost."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    base = urlunsplit(parts._replace(query="")).rstrip("/")
    items: list[Any] = []
    page = int(query.get("page", "1"))
    for _ in range(max_pages):
        query["page"] = str(page)
        document = _fetch_json(urlunsplit(parts._replace(query=urlencode(query))))
        for item in services_in(document):
            if isinstance(item, dict) and "schedules" not in item and "id" in item:
                item = _fetch_json(f"{base}/{item['id']}")
            items.append(item)
        if not isinstance(document, dict) or document.get("last_page", True):
            break
        page += 1
    return items
