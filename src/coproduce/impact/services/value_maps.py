"""SROI value maps: writes (managers, ``impact.manage``).

A value map is entered as the CSV ``coproduce impact sroi`` reads (``sroi.CSV_COLUMNS``), with
the investment and the discounting it is read with. Every row is checked before anything is
saved, against the SROI engine's rules and the columns' sizes; any bad row saves nothing, and
the message names each bad row and its field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from coproduce.errors import InvalidInput
from coproduce.framework.rows import RowError, csv_with_header, data_rows
from coproduce.impact import sroi
from coproduce.impact.models import ValueMap, ValueMapOutcome
from coproduce.impact.selectors.value_maps import MANAGE_VALUE_MAPS, access_value_map
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer

TEXT_LIMITS = {"service": 200, "title": 200, "inputs": 5000}
# The columns' sizes (models.ValueMapOutcome): the SROI engine allows more than they hold.
OUTCOME_TEXT_LIMITS = {"stakeholder": 200, "outcome": 300, "indicator": 300, "proxy_source": 300}
OUTCOME_NUMBER_LIMITS = {  # field: (whole-number digits, decimal places)
    "quantity": (10, 4),
    "financial_proxy": (12, 2),
    "deadweight": (3, 4),
    "displacement": (3, 4),
    "attribution": (3, 4),
    "drop_off": (3, 4),
}
# The sensitivity analysis works each outcome out exactly: a few hundred rows take seconds.
MAX_OUTCOMES = 200
MAX_ERRORS_SHOWN = 20


def _text(value: str, *, field: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, f"Give the value map's {label}.")
    limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise InvalidInput(field, f"The {label} can be at most {limit:,} characters.")
    return value


def _investment(value: Decimal | int | str) -> Decimal:
    """The investment in pounds, to the penny, more than 0 and within the engine's ceiling."""
    message = "Give the investment in pounds, like 25000 or 25000.50."
    if isinstance(value, bool):
        raise InvalidInput("investment", message)
    try:
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "")
        amount = Decimal(value)
    except InvalidOperation as error:
        raise InvalidInput("investment", message) from error
    if not amount.is_finite():
        raise InvalidInput("investment", message)
    if amount <= 0:
        raise InvalidInput("investment", "The investment must be more than £0.")
    if amount > sroi.MAX_AMOUNT:
        raise InvalidInput("investment", f"The investment must be at most £{sroi.MAX_AMOUNT:,}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("investment", "Give the investment to the penny (2 decimal places).")
    return amount.quantize(Decimal("0.01"))


def _discount_rate(value: Decimal | int | str) -> Decimal:
    message = "Give the discount rate as a per cent a year from 0 to 100, like 3.5."
    if isinstance(value, bool):
        raise InvalidInput("discount_rate", message)
    try:
        rate = Decimal(value.strip().removesuffix("%") if isinstance(value, str) else value)
    except InvalidOperation as error:
        raise InvalidInput("discount_rate", message) from error
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise InvalidInput("discount_rate", message)
    if rate != rate.quantize(Decimal("0.01")):
        raise InvalidInput("discount_rate", "Give the discount rate to 2 decimal places at most.")
    return rate.quantize(Decimal("0.01"))


def _row_numbers(csv_text: str, errors: list[RowError]) -> list[int]:
    """The spreadsheet row of each outcome ``value_map_from_csv`` returned, in order: the
    data rows it read that have no error. (It returns outcomes without their rows.)"""
    opened = csv_with_header(csv_text)
    if isinstance(opened, RowError):
        return []
    reader, header = opened
    bad = {error.row for error in errors}
    return [
        found[0]
        for found in data_rows(reader, len(header))
        if not isinstance(found, RowError) and found[0] not in bad
    ]


def _size_problems(row: int, outcome: sroi.Outcome) -> list[RowError]:
    problems = []
    for field, limit in OUTCOME_TEXT_LIMITS.items():
        if len(getattr(outcome, field)) > limit:
            problems.append(RowError(row, f"{field} can be at most {limit:,} characters"))
    for field, (digits, places) in OUTCOME_NUMBER_LIMITS.items():
        number: Decimal = getattr(outcome, field)
        # The engine refused NaN and infinity, so the exponent is a number; 2.50000 has 1.
        exponent = int(number.normalize().as_tuple().exponent)
        if -exponent > places:
            problems.append(
                RowError(row, f"{field} can have at most {places} decimal places, not {number}")
            )
        elif abs(number) >= Decimal(10) ** digits:
            problems.append(RowError(row, f"{field} must be below {10**digits:,}, not {number}"))
    return problems


def _outcomes(csv_text: str) -> list[sroi.Outcome]:
    """Every outcome of the CSV; InvalidInput on ``csv_text`` naming each bad row and field."""
    outcomes, errors = sroi.value_map_from_csv(csv_text)
    rows = _row_numbers(csv_text, errors)
    if len(rows) == len(outcomes):
        for row, outcome in zip(rows, outcomes, strict=True):
            errors.extend(_size_problems(row, outcome))
    errors.sort(key=lambda error: error.row)
    if not errors and len(outcomes) > MAX_OUTCOMES:
        errors.append(
            RowError(
                rows[MAX_OUTCOMES] if len(rows) > MAX_OUTCOMES else 1,
                f"a value map can have at most {MAX_OUTCOMES} outcomes, not {len(outcomes)}",
            )
        )
    if errors:
        shown = "; ".join(str(error) for error in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        extra = f" (and {more} more)" if more > 0 else ""
        raise InvalidInput("csv_text", f"Nothing was saved. Fix these rows: {shown}{extra}.")
    return outcomes


@transaction.atomic
def value_map_create(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str,
    title: str,
    inputs: str,
    investment: Decimal | int | str,
    discount_rate: Decimal | int | str = sroi.GREEN_BOOK_RATE,
    discount_year_one: bool = True,
    csv_text: str,
) -> ValueMap:
    """A value map of a service from its CSV (managers). ``investment`` is in pounds."""
    permissions.check(viewer, MANAGE_VALUE_MAPS, organisation_id, action="add value maps")
    service = _text(service, field="service", label="service")
    title = _text(title, field="title", label="title")
    inputs = _text(inputs, field="inputs", label="inputs (what went in)")
    amount = _investment(investment)
    rate = _discount_rate(discount_rate)
    outcomes = _outcomes(csv_text)
    try:
        # Computed once now, so a map that is saved can always be read.
        sroi.sroi(
            outcomes,
            investment=amount,
            discount_rate=rate,
            discount_year_one=bool(discount_year_one),
        )
    except ValueError as error:
        raise InvalidInput("csv_text", f"The SROI cannot be worked out: {error}.") from error
    organisation = Organisation.objects.get(pk=organisation_id)
    value_map = ValueMap(
        organisation=organisation,
        service=service,
        title=title,
        inputs=inputs,
        investment_pence=int(amount * 100),
        discount_rate=rate,
        discount_year_one=bool(discount_year_one),
        created_by=viewer.person,
    )
    model_validate(value_map)
    value_map.save()
    ValueMapOutcome.objects.bulk_create(
        ValueMapOutcome(
            value_map=value_map,
            position=position,
            stakeholder=outcome.stakeholder,
            outcome=outcome.outcome,
            indicator=outcome.indicator,
            quantity=outcome.quantity,
            financial_proxy=outcome.financial_proxy,
            proxy_source=outcome.proxy_source,
            deadweight=outcome.deadweight,
            displacement=outcome.displacement,
            attribution=outcome.attribution,
            drop_off=outcome.drop_off,
            duration=outcome.duration,
        )
        for position, outcome in enumerate(outcomes, start=1)
    )
    history_record(
        actor=viewer.person,
        action="impact.value_map_create",
        subject=value_map,
        organisation=organisation,
        detail={"service": service, "title": title, "outcomes": len(outcomes)},
    )
    return value_map


@transaction.atomic
def value_map_delete(*, viewer: Viewer, value_map_id: int) -> None:
    """Delete a value map and its outcomes (managers)."""
    value_map = access_value_map(viewer, value_map_id=value_map_id, ability=MANAGE_VALUE_MAPS)
    history_record(
        actor=viewer.person,
        action="impact.value_map_delete",
        subject=value_map,
        organisation=value_map.organisation,
        detail={"service": value_map.service, "title": value_map.title},
    )
    value_map.delete()
