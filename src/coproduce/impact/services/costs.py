"""Unit costs and the deflator series: writes.

The starter table ships as ``impact/data/unit-costs-gmca-starter.csv`` (GMCA / New Economy Unit
Cost Database v1.4, March 2015; see ``data/SOURCES.md``) and is loaded, with no organisation,
by migration 0002. Managers add their organisation's own costs and keep its deflator series:
imported whole from a CSV, or edited a year at a time (the first edit copies the default
series). No default deflator values are shipped: HM Treasury's figures could not be checked
when this was written, so each organisation imports the release it works to.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from coproduce.errors import InvalidInput
from coproduce.framework.amounts import decimal_parse
from coproduce.impact import costs
from coproduce.impact.models import Agency, CostKind, DeflatorYear, UnitCost
from coproduce.impact.selectors.costs import MANAGE_COSTS
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer

STARTER_CSV = Path(__file__).resolve().parent.parent / "data" / "unit-costs-gmca-starter.csv"
STARTER_COLUMNS = [
    "code",
    "description",
    "unit",
    "fiscal_cost_gbp",
    "price_year",
    "agency",
    "agency_detail",
    "source",
]
# The starter file's agency, then (agency, agency detail) where the detail names a different
# budget holder. An agency not here stops the load rather than being guessed.
STARTER_AGENCIES = {
    "nhs": Agency.NHS,
    "local authority": Agency.LOCAL_AUTHORITY,
    "police": Agency.POLICE,
    "criminal justice system": Agency.CRIMINAL_JUSTICE,
    "dwp": Agency.DWP,
    "multiple": Agency.OTHER,
}
STARTER_AGENCY_DETAILS = {
    ("local authority", "social services"): Agency.SOCIAL_CARE,
    ("local authority", "rsl"): Agency.HOUSING,  # registered social landlord
}
MAX_VALUE = Decimal(10) ** 12  # the column holds 14 digits, 2 after the point
LIMITS = {
    "code": 40,
    "description": 300,
    "unit": 80,
    "agency_detail": 120,
    "source": 300,
}
AGENCIES = ", ".join(str(label) for label in Agency.labels)
KINDS = ", ".join(str(label).lower() for label in CostKind.labels)
HMT_SOURCE = "HM Treasury, GDP deflators at market prices"


@dataclass(frozen=True)
class StarterCost:
    code: str
    description: str
    unit: str
    value: Decimal
    price_year: str
    agency: str
    agency_detail: str
    source: str


def starter_cost_rows(path: Path = STARTER_CSV) -> list[StarterCost]:
    """The shipped starter table, agencies mapped to budget holders. ValueError, naming the
    row, if the file breaks a rule an organisation's own cost must keep."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != STARTER_COLUMNS:
            raise ValueError(f"{path.name}: expected the columns {', '.join(STARTER_COLUMNS)}")
        return [_starter_cost(row, reader.line_num, path) for row in reader]


def _starter_cost(row: dict[str, str], line: int, path: Path) -> StarterCost:
    where = f"{path.name} row {line}"
    cells = {name: (row[name] or "").strip() for name in STARTER_COLUMNS}
    agency_name, detail = cells["agency"].lower(), cells["agency_detail"]
    agency = STARTER_AGENCY_DETAILS.get((agency_name, detail.lower()))
    if agency is None:
        agency = STARTER_AGENCIES.get(agency_name)
    if agency is None:
        raise ValueError(f"{where}: no budget holder for the agency '{cells['agency']}'")
    if agency == Agency.OTHER:
        # "Multiple" is not a budget holder: keep it in the detail so it is not lost.
        detail = f"{cells['agency']}: {detail}" if detail else cells["agency"]
    try:
        price_year = costs.price_year_label(costs.financial_year(cells["price_year"]))
        value = Decimal(cells["fiscal_cost_gbp"]).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation) as error:
        raise ValueError(f"{where}: {error}") from error
    if value < 0 or not cells["source"] or not cells["code"]:
        raise ValueError(f"{where}: a cost needs a code, a value of 0 or more and a source")
    return StarterCost(
        code=cells["code"],
        description=cells["description"],
        unit=cells["unit"],
        value=value,
        price_year=price_year,
        agency=agency.value,
        agency_detail=detail,
        source=cells["source"],
    )


@transaction.atomic
def starter_costs_load(*, model: Any = UnitCost) -> int:
    """Bring the shipped starter rows (no organisation) into line with the file and return how
    many were created: a missing row is created, a changed one updated, and a row the file no
    longer has is kept. Safe to run again. ``model`` is the migration's historical UnitCost
    when a migration calls it."""
    existing = {cost.code: cost for cost in model.objects.filter(organisation__isnull=True)}
    created: list[Any] = []
    for row in starter_cost_rows():
        values = {
            "description": row.description,
            "unit": row.unit,
            "value_pence": int(row.value * 100),
            "price_year": row.price_year,
            "agency": row.agency,
            "agency_detail": row.agency_detail,
            "kind": CostKind.FISCAL.value,
            "source": row.source,
        }
        cost = existing.get(row.code)
        if cost is None:
            created.append(model(organisation=None, code=row.code, **values))
            continue
        changed = [name for name, value in values.items() if getattr(cost, name) != value]
        for name in changed:
            setattr(cost, name, values[name])
        if changed:
            cost.save(update_fields=changed)
    model.objects.bulk_create(created)
    return len(created)


def _text(
    value: str, *, field: str, label: str, required: bool = True, of: str = "the unit cost's"
) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, f"Give {of} {label}.")
    limit = LIMITS[field]
    if len(value) > limit:
        raise InvalidInput(field, f"The {label} can be at most {limit:,} characters.")
    return value


def _price_year(text: str, *, field: str) -> str:
    if not text.strip():
        raise InvalidInput(field, "Give the price year: the financial year, like 2013/14.")
    try:
        return costs.price_year_label(costs.financial_year(text))
    except ValueError as error:
        raise InvalidInput(field, f"The price year {error}.") from error


def _value(value: Decimal | int | str) -> Decimal:
    return decimal_parse(
        value,
        field="value",
        unreadable="Give the value in pounds, like 109.50.",
        negative="A unit cost can't be negative.",
        too_big=f"A unit cost must be below £{MAX_VALUE:,}.",
        places="Give the value to the penny (at most 2 decimal places).",
        below=MAX_VALUE,
    )


@transaction.atomic
def unit_cost_add(
    *,
    viewer: Viewer,
    organisation_id: int,
    code: str,
    description: str,
    unit: str,
    value: Decimal | int | str,
    price_year: str,
    agency: str,
    kind: str,
    source: str,
    agency_detail: str = "",
) -> UnitCost:
    """Add one of the organisation's own unit costs (managers). A code the organisation or the
    starter table already uses is refused, so a code names one cost."""
    permissions.check(viewer, MANAGE_COSTS, organisation_id, action="add unit costs")
    code = _text(code, field="code", label="code")
    description = _text(description, field="description", label="description")
    unit = _text(unit, field="unit", label="unit (per incident, per week…)")
    amount = _value(value)
    year = _price_year(price_year, field="price_year")
    if agency not in Agency.values:
        raise InvalidInput("agency", f"Choose the budget holder that bears the cost: {AGENCIES}.")
    agency_detail = _text(agency_detail, field="agency_detail", label="detail", required=False)
    if kind not in CostKind.values:
        raise InvalidInput("kind", f"Choose the kind of cost: {KINDS}.")
    source = _text(source, field="source", label="source (where the figure comes from)")
    # Lock the organisation so two managers adding the same code at once get a message,
    # not a database error.
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    owners = set(
        UnitCost.objects.filter(
            Q(organisation__isnull=True) | Q(organisation_id=organisation_id), code=code
        ).values_list("organisation_id", flat=True)
    )
    if owners:
        whose = "the starter table" if None in owners else "your organisation"
        raise InvalidInput(
            "code", f"{code} is already a unit cost of {whose}; choose another code."
        )
    cost = UnitCost(
        organisation=organisation,
        code=code,
        description=description,
        unit=unit,
        value_pence=int(amount * 100),
        price_year=year,
        agency=agency,
        agency_detail=agency_detail,
        kind=kind,
        source=source,
    )
    model_validate(cost)
    cost.save()
    history_record(
        actor=viewer.person,
        action="impact.unit_cost_add",
        subject=cost,
        organisation=organisation,
        detail={"code": code, "price_year": year},
    )
    return cost


@transaction.atomic
def deflator_import(
    *, viewer: Viewer, organisation_id: int, text: str, source: str = ""
) -> dict[int, Decimal]:
    """Replace the organisation's deflator series with the one in ``text`` (HM Treasury's
    "GDP deflators at market prices" CSV, or ``financial_year,index``) and return it by
    starting year (managers). A series is replaced whole, never merged: two releases have
    different bases, and their indices must not be mixed. Any bad row saves nothing."""
    permissions.check(viewer, MANAGE_COSTS, organisation_id, action="import a deflator series")
    read, errors = costs.deflators_from_csv(text)
    if errors:
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise InvalidInput("text", f"Nothing was saved. Fix these rows: {shown}{more}.")
    assert read is not None
    source = source.strip()
    if not source:
        if read.layout != "hmt":
            raise InvalidInput(
                "source",
                "Say where the series comes from, like HM Treasury, GDP deflators at market "
                "prices, and the release.",
            )
        source = HMT_SOURCE + (f" (financial year {read.base})" if read.base else "")
    if len(source) > LIMITS["source"]:
        raise InvalidInput("source", f"The source can be at most {LIMITS['source']:,} characters.")
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    DeflatorYear.objects.filter(organisation=organisation).delete()
    DeflatorYear.objects.bulk_create(
        DeflatorYear(
            organisation=organisation,
            financial_year=costs.price_year_label(year),
            index=index,
            source=source,
        )
        for year, index in read.indices.items()
    )
    history_record(
        actor=viewer.person,
        action="impact.deflator_import",
        subject=organisation,
        organisation=organisation,
        detail={
            "years": len(read.indices),
            "first": costs.price_year_label(min(read.indices)),
            "last": costs.price_year_label(max(read.indices)),
            "source": source,
        },
    )
    return read.indices


@transaction.atomic
def deflator_year_set(
    *,
    viewer: Viewer,
    organisation_id: int,
    financial_year: str,
    index: Decimal | str,
    source: str,
) -> DeflatorYear:
    """Set one year's index in the organisation's series (managers). The first edit copies the
    default series into the organisation's own, then changes that copy. The index must be on
    the same base as the rest of the series."""
    permissions.check(viewer, MANAGE_COSTS, organisation_id, action="edit the deflator series")
    if not financial_year.strip():
        raise InvalidInput("financial_year", "Give the financial year, like 2013/14.")
    try:
        year = costs.price_year_label(costs.financial_year(financial_year))
    except ValueError as error:
        wrong = str(error)
        raise InvalidInput("financial_year", f"{wrong[:1].upper()}{wrong[1:]}.") from error
    number, problem = costs.index_problem(str(index))
    if problem is not None:
        raise InvalidInput("index", f"{problem[:1].upper()}{problem[1:]}.")
    assert number is not None
    source = _text(
        source, field="source", label="source (where the index comes from)", of="the index's"
    )
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    if not DeflatorYear.objects.filter(organisation=organisation).exists():
        DeflatorYear.objects.bulk_create(
            DeflatorYear(
                organisation=organisation,
                financial_year=default.financial_year,
                index=default.index,
                source=default.source,
            )
            for default in DeflatorYear.objects.filter(organisation__isnull=True)
        )
    entry = DeflatorYear.objects.filter(organisation=organisation, financial_year=year).first()
    previous = None if entry is None else str(entry.index)
    if entry is None:
        entry = DeflatorYear(organisation=organisation, financial_year=year)
    entry.index = number
    entry.source = source
    model_validate(entry)
    entry.save()
    history_record(
        actor=viewer.person,
        action="impact.deflator_year_set",
        subject=entry,
        organisation=organisation,
        detail={"financial_year": year, "from": previous, "to": str(number)},
    )
    return entry
