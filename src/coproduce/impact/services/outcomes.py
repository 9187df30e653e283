"""Outcome indicators and the records against them: writes.

An indicator is proposed by anyone taking part (``impact.propose``), agreed to by others, and
adopted by a manager once someone other than its proposer has agreed to it; only an adopted
(agreed) indicator can be recorded against. A record counts in value and payment once someone
other than its recorder has verified it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.framework.amounts import decimal_parse
from coproduce.impact import value
from coproduce.impact.models import (
    Agency,
    ConfidenceGrade,
    IndicatorAgreement,
    IndicatorBenefit,
    IndicatorStatus,
    OutcomeIndicator,
    OutcomeRecord,
    SplitRule,
    UnitCost,
)
from coproduce.impact.selectors.outcomes import (
    MANAGE,
    PROPOSE,
    RECORD,
    VERIFY,
    access_indicator,
    access_record,
    check_area,
)
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer

LIMITS = {
    "service": 200,
    "name": 200,
    "description": 5000,
    "how_measured": 5000,
    "unit": 80,
    "concerns": 300,
    "evidence": 5000,
    "comment": 500,
    "note": 500,
}
MAX_QUANTITY = value.MAX_QUANTITY
# Outcomes are recorded after they happen; paper records may go back a long way.
EARLIEST_PERIOD = date(2000, 1, 1)
AGENCIES = ", ".join(str(label) for label in Agency.labels)


@dataclass(frozen=True)
class BenefitInput:
    """A budget holder that gains from an outcome (``Agency`` value), its per cent under the
    stated-shares rule (a form's text is read too), and whether the saving is cashable."""

    agency: str
    share_percent: Decimal | int | str | None = None
    cashable: bool = False


def _text(text: str, *, field: str, label: str, required: bool = True) -> str:
    text = text.strip()
    if required and not text:
        raise InvalidInput(field, f"Give the {label}.")
    limit = LIMITS[field]
    if len(text) > limit:
        raise InvalidInput(field, f"The {label} can be at most {limit:,} characters.")
    return text


def _share(share: Decimal | int | str | None, label: str) -> Decimal | None:
    if share is None or (isinstance(share, str) and not share.strip()):
        return None
    if isinstance(share, bool) or not isinstance(share, Decimal | int | str):
        raise InvalidInput("benefits", f"Give {label}'s share as a per cent, like 50.")
    try:
        number = Decimal(share.strip()) if isinstance(share, str) else Decimal(share)
    except InvalidOperation as error:
        raise InvalidInput("benefits", f"Give {label}'s share as a per cent, like 50.") from error
    return number


def _benefits(split_rule: str, benefits: Sequence[BenefitInput]) -> list[value.Benefit]:
    """The budget holders as ``value.Benefit``s, checked by the same rule that splits them."""
    checked: list[value.Benefit] = []
    for benefit in benefits:
        if benefit.agency not in Agency.values:
            raise InvalidInput(
                "benefits", f"Choose each budget holder from: {AGENCIES} (not {benefit.agency!r})."
            )
        if not isinstance(benefit.cashable, bool):
            raise InvalidInput("benefits", "Say whether each saving is cashable: yes or no.")
        label = str(Agency(benefit.agency).label)
        checked.append(
            value.Benefit(
                agency=benefit.agency,
                label=label,
                share_percent=_share(benefit.share_percent, label),
                cashable=benefit.cashable,
            )
        )
    try:
        value.check_benefits(split_rule, checked)
    except value.ValueInputError as error:
        raise InvalidInput(error.field, error.message) from error
    return checked


def _unit_cost(organisation_id: int, unit_cost_id: int | None) -> UnitCost | None:
    if unit_cost_id is None:
        return None
    found = UnitCost.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=organisation_id), pk=unit_cost_id
    ).first()
    if found is None:
        raise InvalidInput(
            "unit_cost_id",
            "Choose a unit cost from the starter table or your organisation's own costs.",
        )
    return found


@transaction.atomic
def indicator_propose(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str,
    name: str,
    description: str,
    how_measured: str,
    unit: str,
    concerns: str,
    benefits: Sequence[BenefitInput],
    unit_cost_id: int | None = None,
    split_rule: str = SplitRule.EQUAL,
    confidence_grade: int = ConfidenceGrade.EVALUATION,
) -> OutcomeIndicator:
    """Propose an outcome indicator. One valued in money (with a unit cost) needs at least one
    budget holder that gains from it; the name is used once per service."""
    permissions.check(viewer, PROPOSE, organisation_id, action="propose outcome indicators")
    service = _text(service, field="service", label="service")
    name = _text(name, field="name", label="indicator's name")
    description = _text(
        description, field="description", label="description (what the outcome means)"
    )
    how_measured = _text(how_measured, field="how_measured", label="way it is measured")
    unit = _text(unit, field="unit", label="unit (a person, a week, a visit…)")
    concerns = _text(concerns, field="concerns", label="people it concerns")
    if split_rule not in SplitRule.values:
        raise InvalidInput("split_rule", "Choose how the value is split: equal or stated.")
    if (
        isinstance(confidence_grade, bool)
        or not isinstance(confidence_grade, int)
        or confidence_grade not in ConfidenceGrade.values
    ):
        raise InvalidInput("confidence_grade", "Choose a confidence grade from 1 to 6.")
    cost = _unit_cost(organisation_id, unit_cost_id)
    # Every outcome names who gains from it, valued in money or not: the report's value by
    # budget holder shows whose budgets an unvalued outcome also helps.
    checked = _benefits(split_rule, benefits)
    # Lock the organisation so two people proposing the same name at once get a message,
    # not a database error.
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    if OutcomeIndicator.objects.filter(
        organisation=organisation, service=service, name=name
    ).exists():
        raise InvalidInput(
            "name", f"{service} already has an indicator called {name}; choose another name."
        )
    indicator = OutcomeIndicator(
        organisation=organisation,
        service=service,
        name=name,
        description=description,
        how_measured=how_measured,
        unit=unit,
        concerns=concerns,
        unit_cost=cost,
        split_rule=split_rule,
        confidence_grade=int(confidence_grade),
        status=IndicatorStatus.PROPOSED,
        proposed_by=viewer.person,
    )
    model_validate(indicator)
    indicator.save()
    IndicatorBenefit.objects.bulk_create(
        IndicatorBenefit(
            indicator=indicator,
            agency=benefit.agency,
            share_percent=benefit.share_percent,
            cashable=benefit.cashable,
        )
        for benefit in checked
    )
    history_record(
        actor=viewer.person,
        action="impact.indicator_propose",
        subject=indicator,
        organisation=organisation,
        detail={
            "service": service,
            "name": name,
            "unit_cost": cost.code if cost is not None else None,
            "split_rule": split_rule,
            "benefits": [benefit.agency for benefit in checked],
        },
    )
    return indicator


@transaction.atomic
def indicator_agree(*, viewer: Viewer, indicator_id: int, comment: str = "") -> IndicatorAgreement:
    """Agree that an indicator measures what matters (anyone taking part but its proposer)."""
    indicator = access_indicator(
        viewer, indicator_id=indicator_id, ability=PROPOSE, action="agree to outcome indicators"
    )
    comment = _text(comment, field="comment", label="comment", required=False)
    person = viewer.person
    assert person is not None  # an active role means a person
    if indicator.status == IndicatorStatus.RETIRED:
        raise Conflict("This indicator is retired: it can't be agreed to.")
    if indicator.proposed_by_id == person.pk:
        raise Conflict("You proposed this indicator: it needs other people to agree to it.")
    if IndicatorAgreement.objects.filter(indicator=indicator, person=person).exists():
        raise Conflict("You have already agreed to this indicator.")
    agreement = IndicatorAgreement.objects.create(
        indicator=indicator, person=person, comment=comment
    )
    history_record(
        actor=person,
        action="impact.indicator_agree",
        subject=indicator,
        organisation=indicator.organisation,
        detail={"name": indicator.name},
    )
    return agreement


def _locked_indicator(viewer: Viewer, indicator_id: int, action: str) -> OutcomeIndicator:
    """The indicator, for a manager, locked for update."""
    found = access_indicator(viewer, indicator_id=indicator_id, ability=MANAGE, action=action)
    return (
        OutcomeIndicator.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=found.pk)
    )


@transaction.atomic
def indicator_adopt(*, viewer: Viewer, indicator_id: int) -> OutcomeIndicator:
    """Adopt a proposed indicator (managers) once someone other than its proposer has agreed
    to it; from then on it can be recorded against. Locks the indicator."""
    indicator = _locked_indicator(viewer, indicator_id, "adopt outcome indicators")
    if indicator.status != IndicatorStatus.PROPOSED:
        raise Conflict(f"This indicator is {indicator.get_status_display().lower()}, not proposed.")
    others = IndicatorAgreement.objects.filter(indicator=indicator)
    if indicator.proposed_by_id is not None:
        others = others.exclude(person_id=indicator.proposed_by_id)
    if not others.exists():
        raise Conflict(
            "Someone other than the person who proposed this indicator must agree to it "
            "before it is adopted."
        )
    indicator.status = IndicatorStatus.AGREED
    indicator.adopted_by = viewer.person
    indicator.adopted_at = timezone.now()
    indicator.save(update_fields=["status", "adopted_by", "adopted_at"])
    history_record(
        actor=viewer.person,
        action="impact.indicator_adopt",
        subject=indicator,
        organisation=indicator.organisation,
        detail={"name": indicator.name},
    )
    return indicator


@transaction.atomic
def indicator_retire(*, viewer: Viewer, indicator_id: int) -> OutcomeIndicator:
    """Retire an indicator (managers): nothing more is recorded against it. Locks it."""
    indicator = _locked_indicator(viewer, indicator_id, "retire outcome indicators")
    if indicator.status == IndicatorStatus.RETIRED:
        raise Conflict("This indicator is already retired.")
    previous = indicator.status
    indicator.status = IndicatorStatus.RETIRED
    indicator.save(update_fields=["status"])
    history_record(
        actor=viewer.person,
        action="impact.indicator_retire",
        subject=indicator,
        organisation=indicator.organisation,
        detail={"name": indicator.name, "from": previous},
    )
    return indicator


def _quantity(quantity: Decimal | int | str) -> Decimal:
    return decimal_parse(
        quantity,
        field="quantity",
        unreadable="Give the quantity as a number, like 12 or 3.5.",
        negative="A quantity can't be negative.",
        too_big=f"A quantity must be below {MAX_QUANTITY:,}.",
        places="Give the quantity to at most 2 decimal places.",
        below=MAX_QUANTITY,
    )


@transaction.atomic
def outcome_record(
    *,
    viewer: Viewer,
    indicator_id: int,
    period_start: date,
    period_end: date,
    quantity: Decimal | int | str,
    evidence: str,
    area_id: int | None = None,
) -> OutcomeRecord:
    """Record a count or measurement of an agreed indicator for a period that has ended, with
    its evidence (staff and above)."""
    indicator = access_indicator(
        viewer, indicator_id=indicator_id, ability=RECORD, action="record outcomes"
    )
    if indicator.status != IndicatorStatus.AGREED:
        raise InvalidInput(
            "indicator_id",
            f"Only an agreed indicator can be recorded against; this one is "
            f"{indicator.get_status_display().lower()}.",
        )
    if period_start < EARLIEST_PERIOD:
        raise InvalidInput(
            "period_start",
            f"The period can start no earlier than {EARLIEST_PERIOD.day} {EARLIEST_PERIOD:%B %Y}.",
        )
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    if period_end > timezone.localdate():
        raise InvalidInput("period_end", "Record a period once it has ended: not in the future.")
    amount = _quantity(quantity)
    evidence = _text(evidence, field="evidence", label="evidence (what shows it happened)")
    check_area(area_id)
    record = OutcomeRecord(
        indicator=indicator,
        area_id=area_id,
        period_start=period_start,
        period_end=period_end,
        quantity=amount,
        evidence=evidence,
        recorded_by=viewer.person,
    )
    model_validate(record)
    record.save()
    history_record(
        actor=viewer.person,
        action="impact.outcome_record",
        subject=record,
        organisation=indicator.organisation,
        detail={
            "indicator": indicator.name,
            "period_start": str(period_start),
            "period_end": str(period_end),
            "quantity": str(amount),
        },
    )
    return record


@transaction.atomic
def outcome_verify(*, viewer: Viewer, record_id: int, note: str = "") -> OutcomeRecord:
    """Verify a record (coordinators and above, never its recorder); from then on it counts in
    value and payment. Locks the record."""
    found = access_record(viewer, record_id=record_id, ability=VERIFY, action="verify outcomes")
    record = (
        OutcomeRecord.objects.select_for_update(of=("self",))
        .select_related("indicator__organisation")
        .get(pk=found.pk)
    )
    note = _text(note, field="note", label="note", required=False)
    if record.verified_at is not None:
        raise Conflict("This record is already verified.")
    if record.recorded_by_id is not None and record.recorded_by_id == viewer.person_id:
        raise PermissionDenied("You recorded this: someone else must verify it.")
    record.verified_by = viewer.person
    record.verified_at = timezone.now()
    record.verification_note = note
    record.save(update_fields=["verified_by", "verified_at", "verification_note"])
    history_record(
        actor=viewer.person,
        action="impact.outcome_verify",
        subject=record,
        organisation=record.indicator.organisation,
        detail={"indicator": record.indicator.name, "quantity": str(record.quantity)},
    )
    return record
