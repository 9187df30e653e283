"""Areas and organisations (operators and admins)."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from coproduce.errors import Conflict, InvalidInput
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Area, Organisation, OrganisationKind, Person, Role, Sector
from coproduce.people.services.memberships import _membership_add


@transaction.atomic
def area_create(
    *,
    name: str,
    latitude: float | None = None,
    longitude: float | None = None,
    radius_km: float | None = None,
) -> Area:
    area = Area(
        name=name.strip(),
        slug=slugify(name),
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
    )
    model_validate(area)
    if Area.objects.filter(slug=area.slug).exists():
        raise Conflict(f"An area called “{area.name}” already exists.")
    area.save()
    return area


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    sector: str = "",
    parent: Organisation | None = None,
    area: Area | None = None,
    description: str = "",
    website: str = "",
    is_public: bool = True,
    founder: Person | None = None,
    slug: str = "",
) -> Organisation:
    """Create an organisation; ``founder`` becomes its first admin. The slug (its web address)
    is made from the name unless one is given; a taken slug gets a number."""
    if kind not in OrganisationKind.values:
        raise InvalidInput("kind", f"“{kind}” is not a kind of organisation.")
    if sector and sector not in Sector.values:
        raise InvalidInput("sector", f"“{sector}” is not a sector.")
    base = slugify(slug or name)[:100] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    organisation = Organisation(
        name=name.strip(),
        slug=slug,
        kind=kind,
        sector=sector,
        parent=parent,
        area=area,
        description=description,
        website=website,
        is_public=is_public,
    )
    model_validate(organisation)
    organisation.save()
    if founder is not None:
        _membership_add(
            person=founder, organisation=organisation, role=Role.ADMIN, decided_by=founder
        )
    history_record(actor=founder, action="organisation.created", subject=organisation)
    return organisation
