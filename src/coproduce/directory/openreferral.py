"""Open Referral UK 3.0: an asset as the standard's service (at one location), and back.

Nested records the standard gives ids (location, address, contact, cost option, language,
service area, attribute) are not tables here; their ids are UUIDv5 of the asset's id, so the
same asset always exports the same document and a round trip keeps every id.
"""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.conf.locale import LANG_INFO
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from jsonschema import Draft202012Validator, ValidationError

from coproduce.errors import InvalidInput
from coproduce.people.permissions import Viewer
from coproduce.people.services import normalise_postcode

from .importing import RowError, RowWarning
from .models import (
    Asset,
    AssetCategory,
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
                "country": asset.country,
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
    """One service of a feed, checked against the standard and mapped onto the asset model.
    ``warnings`` say what the import could not keep as given (field path, message)."""

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
    # The feed stated a place (an address or postal code) but gave no coordinates.
    wants_location: bool = False
    warnings: list[tuple[str, str]] = field(default_factory=list)
    row: int = 0

    def warn(self, path: str, message: str) -> None:
        self.warnings.append((path, message))

    def row_warnings(self) -> list[RowWarning]:
        return [RowWarning(self.row, where, message, path=True) for where, message in self.warnings]


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


SCHEMA_PATH = Path(__file__).with_name("data") / "openreferral-uk-3.0" / "service.json"
MAX_PROBLEMS_PER_SERVICE = 10


@functools.cache
def _service_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def json_path(parts: Iterable[str | int]) -> str:
    """A path into a service as the standard's documents write it: ``schedules[0].opens_at``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
}
_FORMAT_WORDS = {
    "uuid": "a UUID",
    "email": "an email address",
    "uri": "a URI",
    "date-time": "a date and time like 2025-01-31T09:00:00Z",
    "date": "a date like 2025-01-31",
}


def _schema_message(error: ValidationError) -> tuple[str, str]:
    path = json_path(error.absolute_path) or "(the service)"
    shown = error.instance if isinstance(error.instance, str) else json.dumps(error.instance)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return json_path([*error.absolute_path, missing]), "is required."
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)  # type: ignore[union-attr]
        return path, f"“{shown}” is not one of {allowed}."
    if error.validator == "format":
        wanted = _FORMAT_WORDS.get(str(error.validator_value), f"a valid {error.validator_value}")
        return path, f"“{shown}” is not {wanted}."
    if error.validator == "type":
        kinds = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        words = [_TYPE_WORDS.get(str(kind), str(kind)) for kind in kinds]
        return path, "must be " + " or ".join(words) + "."
    return path, error.message


def schema_problems(item: Any) -> list[tuple[str, str]]:
    """What the Open Referral UK 3.0 service schema refuses in ``item``: (path, message)."""
    errors = sorted(
        _service_validator().iter_errors(item), key=lambda e: [str(p) for p in e.absolute_path]
    )
    return [_schema_message(error) for error in errors[:MAX_PROBLEMS_PER_SERVICE]]


def _limit(service: ImportedService, key: str, value: str, path: str) -> str:
    """Text longer than the asset keeps is cut to fit, and the report says so."""
    value = value.strip()
    limit = getattr(Asset._meta.get_field(key), "max_length", None)
    if limit is not None and len(value) > limit:
        service.warn(path, f"was {len(value)} characters; the first {limit} were kept.")
        return value[:limit].rstrip()
    return value


def _age(service: ImportedService, item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if not 0 <= value <= 130:
        service.warn(key, f"{value} is not an age between 0 and 130, so it was left out.")
        return None
    if value != int(value):
        service.warn(key, f"{value} was rounded down to {int(value)} years.")
    return int(value)


def _date(service: ImportedService, value: Any, path: str) -> date | None:
    if not value:
        return None
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        service.warn(path, f"“{value}” is not a date like 2025-01-31, so it was left out.")
    return parsed


def _organisation(item: dict[str, Any]) -> tuple[uuid.UUID, str, str, str, list[str]]:
    organization = item.get("organization")
    notes: list[str] = []
    if organization:
        org_uuid = uuid.UUID(organization["id"])
        name = str(organization["name"]).strip()
        if not name:
            name = f"Organisation {org_uuid}"
            notes.append(f"organization.name is empty, so it is called “{name}”.")
        return (
            org_uuid,
            name[:200],
            str(organization.get("description") or ""),
            str(organization.get("website") or "")[:200],
            notes,
        )
    if item.get("organization_id"):
        org_uuid = uuid.UUID(item["organization_id"])
    else:
        org_uuid = UNKNOWN_ORGANISATION_ID
    name = f"Organisation {org_uuid}" if item.get("organization_id") else UNKNOWN_ORGANISATION
    notes.append(f"has no organization record, so the service was put in “{name}”.")
    return org_uuid, name, "", "", notes


UNKNOWN_ORGANISATION_ID = uuid.uuid5(NAMESPACE, "organisation:unknown")
UNKNOWN_ORGANISATION = "Services without an organisation (Open Referral UK import)"
FEATURES = {"step_free", "accessible_toilet", "hearing_loop", "quiet_space"}


def _map_location(service: ImportedService, item: dict[str, Any]) -> None:
    fields = service.fields
    locations = item.get("service_at_locations") or []
    for index in range(1, len(locations)):
        service.warn(
            f"service_at_locations[{index}]",
            "an asset has one location here; only the first was kept.",
        )
    if not locations or not locations[0].get("location"):
        return
    base = "service_at_locations[0].location"
    location = locations[0]["location"]
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if latitude is not None or longitude is not None:
        if latitude is None or longitude is None:
            service.warn(base, "has only one of latitude and longitude, so neither was kept.")
        elif not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            service.warn(
                base, f"{latitude}, {longitude} is not a point on Earth, so it was left out."
            )
        else:
            fields["latitude"], fields["longitude"] = float(latitude), float(longitude)
    addresses = location.get("addresses") or []
    if addresses:
        address = addresses[0]
        path = f"{base}.addresses[0]"
        fields["address"] = _limit(service, "address", address["address_1"], f"{path}.address_1")
        fields["town"] = _limit(service, "town", address["city"], f"{path}.city")
        fields["country"] = _limit(service, "country", address["country"], f"{path}.country")
        raw = " ".join(str(address["postal_code"]).split())
        try:
            fields["postcode"] = normalise_postcode(raw)
        except InvalidInput:
            fields["postcode"] = _limit(service, "postcode", raw, f"{path}.postal_code")
            service.warn(
                f"{path}.postal_code",
                f"“{raw}” is not a UK postcode, so it was kept as written.",
            )
        for extra in range(1, len(addresses)):
            service.warn(f"{base}.addresses[{extra}]", "only the first address was kept.")
    service.wants_location = bool(fields.get("address") or fields.get("postcode"))
    for access in location.get("accessibility") or []:
        fields["accessibility"] = _limit(
            service, "accessibility", str(access.get("description") or ""), f"{base}.accessibility"
        )
        details = str(access.get("details") or "")
        fields["features"] = [f for f in details.split(",") if f in FEATURES]


def _map_schedules(service: ImportedService, item: dict[str, Any]) -> None:
    seen: set[uuid.UUID] = set()
    for index, schedule in enumerate(item.get("schedules") or []):
        prefix = f"schedules[{index}]"
        sched_id = uuid.UUID(schedule["id"])
        if sched_id in seen:
            service.warn(f"{prefix}.id", f"{sched_id} appears twice, so this one was left out.")
            continue
        try:
            interval = schedule.get("interval") or 1
            if interval != int(interval) or interval < 1:
                raise InvalidInput(f"{prefix}.interval", "must be a whole number from 1.")
            spec = ScheduleSpec(
                freq=str(schedule.get("freq") or "WEEKLY"),
                interval=int(interval),
                byday=str(schedule.get("byday") or ""),
                opens_at=parse_time(
                    str(schedule.get("opens_at") or ""), field=f"{prefix}.opens_at"
                ),
                closes_at=parse_time(
                    str(schedule.get("closes_at") or ""), field=f"{prefix}.closes_at"
                ),
                valid_from=_date(service, schedule.get("valid_from"), f"{prefix}.valid_from"),
                valid_to=_date(service, schedule.get("valid_to"), f"{prefix}.valid_to"),
                description=str(schedule.get("description") or "")[:200],
            )
            spec = check_schedule(spec, field_prefix=f"{prefix}.")
        except InvalidInput as error:
            service.warn(error.field or prefix, f"{error.message} This opening time was left out.")
            continue
        seen.add(sched_id)
        service.schedules.append((sched_id, spec))


def _map_attributes(service: ImportedService, item: dict[str, Any]) -> None:
    for index, attribute in enumerate(item.get("attributes") or []):
        path = f"attributes[{index}]"
        term = attribute.get("taxonomy_term") or {}
        term_id = str(attribute.get("taxonomy_term_id") or term.get("id") or "")
        if term_id in CATEGORY_BY_TERM:
            service.fields["category"] = CATEGORY_BY_TERM[term_id]
            continue
        name = str(term.get("name") or "").strip()
        if not term_id or not name:
            service.warn(
                f"{path}.taxonomy_term",
                "has no term name we can show, so this attribute was left out.",
            )
            continue
        service.terms.append(
            {
                **term,
                "id": term_id,
                "name": name[:200],
                "code": str(term.get("code") or "")[:80],
                "taxonomy": str(term.get("taxonomy") or "")[:200],
            }
        )


def _parse_one(item: dict[str, Any]) -> ImportedService:
    """Map a service the schema accepts; what the asset cannot hold becomes a warning."""
    org_uuid, org_name, org_description, org_website, notes = _organisation(item)
    service = ImportedService(
        id=uuid.UUID(item["id"]),
        organisation_uuid=org_uuid,
        organisation_name=org_name,
        organisation_description=org_description,
        organisation_website=org_website,
        fields={},
    )
    for note in notes:
        service.warn("organization", note)
    name = _limit(service, "name", item["name"], "name")
    if not name:
        name = f"Service {service.id}"
        service.warn("name", f"is empty, so the service is called “{name}”.")
    fields: dict[str, Any] = {
        "name": name,
        "description": _limit(service, "description", item.get("description") or "", "description"),
        "status": item["status"],
        "url": _limit(service, "url", item.get("url") or "", "url"),
        "email": _limit(service, "email", item.get("email") or "", "email"),
        "minimum_age": _age(service, item, "minimum_age"),
        "maximum_age": _age(service, item, "maximum_age"),
        "eligibility": _limit(
            service,
            "eligibility",
            item.get("eligibility_description") or "",
            "eligibility_description",
        ),
        "category": AssetCategory.INSTITUTION,
        "cost_pence": 0,
        "cost_description": "",
        "languages": [],
        "features": [],
    }
    service.fields = fields
    if (
        fields["minimum_age"] is not None
        and fields["maximum_age"] is not None
        and fields["minimum_age"] > fields["maximum_age"]
    ):
        service.warn("maximum_age", "is below minimum_age, so both were left out.")
        fields["minimum_age"] = fields["maximum_age"] = None
    fees = (item.get("fees") or "").strip()
    costs = item.get("cost_options") or []
    if costs:
        amount = costs[0].get("amount") or 0
        if amount < 0 or amount > 1_000_000:
            service.warn("cost_options[0].amount", f"{amount} is not a price we can keep.")
        else:
            fields["cost_pence"] = round(amount * 100)
        option = str(costs[0].get("option") or "")
        if option not in {"Free", "Charge"}:
            fields["cost_description"] = _limit(
                service, "cost_description", option, "cost_options[0].option"
            )
    elif fees and fees != "Free":
        fields["cost_description"] = _limit(service, "cost_description", fees, "fees")
    for index, language in enumerate(item.get("languages") or []):
        code = str(language.get("code") or "").strip().lower()
        if not code:
            continue
        if code not in LANG_INFO:
            service.warn(
                f"languages[{index}].code", f"“{code}” is not a language code we know; left out."
            )
        elif code not in fields["languages"]:
            fields["languages"].append(code)
    contacts = item.get("contacts") or []
    if contacts:
        fields["contact_name"] = _limit(
            service, "contact_name", str(contacts[0].get("name") or ""), "contacts[0].name"
        )
        phones = contacts[0].get("phones") or []
        if phones:
            fields["phone"] = _limit(
                service, "phone", str(phones[0].get("number") or ""), "contacts[0].phones[0].number"
            )
    _map_location(service, item)
    _map_schedules(service, item)
    _map_attributes(service, item)
    areas = item.get("service_areas") or []
    if areas:
        service.area_name = str(areas[0].get("name") or "").strip()[:100]
    if item.get("last_modified"):
        modified = None
        with contextlib.suppress(ValueError):  # well-formed but impossible, like 2025-02-30
            modified = parse_datetime(str(item["last_modified"]))
        if modified is None:
            service.warn("last_modified", "is not a date and time we can read; now was used.")
        elif timezone.is_naive(modified):
            modified = timezone.make_aware(modified, UTC)
        service.updated_at = modified
    if item.get("assured_date"):
        service.checked_on = _date(service, item["assured_date"], "assured_date")
    return service


@dataclass
class FeedCheck:
    """A feed checked: the services to import, what the standard refuses (nothing is
    imported while there is any), and services left out because their id came earlier."""

    services: list[ImportedService]
    errors: list[RowError]
    skipped: list[RowWarning]


def parse_services(items: list[Any]) -> FeedCheck:
    """Check every service of a feed; problems name the service's position and the path."""
    check = FeedCheck([], [], [])
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items, start=1):
        problems = schema_problems(item)
        if problems:
            check.errors.extend(
                RowError(index, where, message, path=True) for where, message in problems
            )
            continue
        service = _parse_one(item)
        service.row = index
        if service.id in seen:
            check.skipped.append(
                RowWarning(
                    index,
                    "id",
                    f"{service.id} appears earlier in the feed, so this one was left out.",
                    path=True,
                )
            )
            continue
        seen.add(service.id)
        check.services.append(service)
    return check


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
