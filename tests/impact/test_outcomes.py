"""Outcome indicators and records through their services and selectors, with the database:
proposing, agreeing, adopting and retiring indicators; recording and verifying outcomes; the
totals for reports (suppressed under the threshold) and the value table by budget holder.

The deflator indices are illustrative round numbers chosen for hand arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.impact.models import (
    Agency,
    CostKind,
    IndicatorStatus,
    OutcomeIndicator,
    OutcomeRecord,
    UnitCost,
    ValueMap,
)
from coproduce.impact.selectors.outcomes import (
    indicator_get,
    indicator_list,
    outcome_totals,
    record_list,
    services_of,
)
from coproduce.impact.selectors.value import value_table
from coproduce.impact.services.costs import deflator_import, starter_costs_load, unit_cost_add
from coproduce.impact.services.outcomes import (
    BenefitInput,
    indicator_adopt,
    indicator_agree,
    indicator_propose,
    indicator_retire,
    outcome_record,
    outcome_verify,
)
from coproduce.people.models import HistoryEntry
from coproduce.people.services import area_create

START = date(2024, 4, 1)
END = date(2025, 3, 31)
DAY = "Day service"


def _propose(world: Any, role: str = "member", **fields: Any) -> OutcomeIndicator:
    values: dict[str, Any] = {
        "service": DAY,
        "name": "Fewer A&E visits",
        "description": "Members go to A&E less because they have support earlier.",
        "how_measured": "Visits avoided, counted from the day service's crisis log each month.",
        "unit": "a visit avoided",
        "concerns": "People who use the day service",
        "benefits": [BenefitInput(Agency.NHS)],
    }
    values.update(fields)
    return indicator_propose(viewer=world.viewer(role), organisation_id=world.org.pk, **values)


def _agreed(world: Any, **fields: Any) -> OutcomeIndicator:
    indicator = _propose(world, **fields)
    indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk)
    return indicator_adopt(viewer=world.viewer("manager"), indicator_id=indicator.pk)


def _record(
    world: Any,
    indicator: OutcomeIndicator,
    quantity: Any,
    *,
    start: date = date(2024, 4, 1),
    end: date = date(2024, 6, 30),
    verify: bool = True,
    area_id: int | None = None,
) -> OutcomeRecord:
    record = outcome_record(
        viewer=world.viewer("staff"),
        indicator_id=indicator.pk,
        period_start=start,
        period_end=end,
        quantity=quantity,
        evidence="The day service's crisis log",
        area_id=area_id,
    )
    if verify:
        record = outcome_verify(viewer=world.viewer("coordinator"), record_id=record.pk)
    return record


def _cost(world: Any, code: str, value: str, price_year: str) -> UnitCost:
    return unit_cost_add(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        code=code,
        description=f"Cost {code}",
        unit="Per visit",
        value=value,
        price_year=price_year,
        agency=Agency.NHS,
        kind=CostKind.FISCAL,
        source="Holy Cross finance team",
    )


# --- proposing ---------------------------------------------------------------------------


def test_indicator_propose_saves_the_indicator_and_its_budget_holders(world: Any) -> None:
    cost = _cost(world, "AE1", "120.00", "2023/24")
    indicator = _propose(
        world,
        unit_cost_id=cost.pk,
        split_rule="stated",
        confidence_grade=4,
        benefits=[
            BenefitInput(Agency.NHS, Decimal("60"), cashable=True),
            BenefitInput(Agency.SOCIAL_CARE, "40"),
        ],
    )
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.PROPOSED
    assert indicator.proposed_by == world.people["member"]
    assert indicator.unit_cost == cost
    assert (indicator.split_rule, indicator.confidence_grade) == ("stated", 4)
    assert [
        (b.agency, b.share_percent, b.cashable) for b in indicator.benefits.order_by("agency")
    ] == [("la_social_care", Decimal("40.00"), False), ("nhs", Decimal("60.00"), True)]
    entry = HistoryEntry.objects.get(action="impact.indicator_propose")
    assert entry.actor == world.people["member"]
    assert entry.detail["unit_cost"] == "AE1"
    assert entry.detail["benefits"] == ["nhs", "la_social_care"]


def test_indicator_propose_with_a_starter_cost(world: Any) -> None:
    starter_costs_load()
    cost = UnitCost.objects.filter(organisation__isnull=True).order_by("code").first()
    assert cost is not None
    indicator = _propose(world, unit_cost_id=cost.pk)
    assert indicator.unit_cost == cost


def test_indicator_propose_not_valued_in_money_still_needs_a_budget_holder(world: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        _propose(world, name="Feel less alone", benefits=[])
    assert raised.value.field == "benefits"
    assert not OutcomeIndicator.objects.exists()
    indicator = _propose(world, name="Feel less alone")
    assert indicator.unit_cost is None
    assert indicator.benefits.exists()


def test_indicator_propose_another_organisations_person_is_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        _propose(world, role="outsider")
    assert not OutcomeIndicator.objects.exists()


def test_indicator_propose_is_not_for_commissioners(world: Any) -> None:
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a member or above of this organisation to propose outcome "
        r"indicators\.$",
    ):
        _propose(world, role="commissioner")


def test_indicator_propose_refuses_another_organisations_unit_cost(world: Any) -> None:
    theirs = unit_cost_add(
        viewer=world.viewer("outsider"),
        organisation_id=world.other_org.pk,
        code="NG1",
        description="Northgate's own",
        unit="Per visit",
        value="10",
        price_year="2023/24",
        agency=Agency.NHS,
        kind=CostKind.FISCAL,
        source="Northgate",
    )
    with pytest.raises(InvalidInput) as raised:
        _propose(world, unit_cost_id=theirs.pk)
    assert raised.value.field == "unit_cost_id"
    assert raised.value.message == (
        "Choose a unit cost from the starter table or your organisation's own costs."
    )
    with pytest.raises(InvalidInput) as raised:
        _propose(world, unit_cost_id=theirs.pk + 1000)
    assert raised.value.field == "unit_cost_id"
    assert not OutcomeIndicator.objects.exists()


def test_indicator_propose_valued_in_money_needs_a_budget_holder(world: Any) -> None:
    cost = _cost(world, "AE1", "120.00", "2023/24")
    with pytest.raises(InvalidInput) as raised:
        _propose(world, unit_cost_id=cost.pk, benefits=[])
    assert raised.value.field == "benefits"
    assert raised.value.message == "Name at least one budget holder that gains from the outcome."
    assert not OutcomeIndicator.objects.exists()


def test_indicator_propose_stated_shares_must_add_up_to_100(world: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        _propose(
            world,
            split_rule="stated",
            benefits=[BenefitInput(Agency.NHS, Decimal(60)), BenefitInput(Agency.POLICE, "30")],
        )
    assert raised.value.field == "benefits"
    assert raised.value.message == (
        "The stated shares must add up to 100 per cent; they add up to 90."
    )
    assert not OutcomeIndicator.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"service": " "}, "service", "Give the service."),
        ({"name": ""}, "name", "Give the indicator's name."),
        ({"name": "x" * 201}, "name", "The indicator's name can be at most 200 characters."),
        ({"unit": ""}, "unit", "Give the unit (a person, a week, a visit…)."),
        ({"concerns": ""}, "concerns", "Give the people it concerns."),
        ({"split_rule": "halves"}, "split_rule", "Choose how the value is split: equal or stated."),
        ({"confidence_grade": 7}, "confidence_grade", "Choose a confidence grade from 1 to 6."),
        ({"confidence_grade": True}, "confidence_grade", "Choose a confidence grade from 1 to 6."),
        (
            {"benefits": [BenefitInput("council")]},
            "benefits",
            "Choose each budget holder from: NHS, Local authority social care, Local authority "
            "(other), Police, Criminal justice, DWP, Housing, Education, Other (not 'council').",
        ),
        (
            {"benefits": [BenefitInput(Agency.NHS), BenefitInput(Agency.NHS)]},
            "benefits",
            "NHS is named twice.",
        ),
        (
            {"benefits": [BenefitInput(Agency.NHS, "fifty")]},
            "benefits",
            "Give NHS's share as a per cent, like 50.",
        ),
        (
            {"benefits": [BenefitInput(Agency.NHS, Decimal(100))]},
            "benefits",
            "Under equal shares, give no per cent (NHS has one): each budget holder gets the same.",
        ),
    ],
)
def test_indicator_propose_refuses_each_bad_field(
    world: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _propose(world, **fields)
    assert (raised.value.field, raised.value.message) == (field, message)
    assert not OutcomeIndicator.objects.exists()


def test_indicator_propose_a_name_once_per_service(world: Any) -> None:
    _propose(world)
    with pytest.raises(InvalidInput) as raised:
        _propose(world)
    assert raised.value.field == "name"
    assert raised.value.message == (
        "Day service already has an indicator called Fewer A&E visits; choose another name."
    )
    _propose(world, service="Walking group")
    assert OutcomeIndicator.objects.count() == 2


# --- agreeing, adopting, retiring ----------------------------------------------------------


def test_indicator_adopt_needs_someone_other_than_the_proposer_to_agree(world: Any) -> None:
    indicator = _propose(world)
    manager = world.viewer("manager")
    with pytest.raises(Conflict, match=r"^Someone other than the person who proposed"):
        indicator_adopt(viewer=manager, indicator_id=indicator.pk)
    with pytest.raises(
        Conflict, match=r"^You proposed this indicator: it needs other people to agree to it\.$"
    ):
        indicator_agree(viewer=world.viewer("member"), indicator_id=indicator.pk)
    agreement = indicator_agree(
        viewer=world.viewer("staff"), indicator_id=indicator.pk, comment="  It matters to us. "
    )
    assert (agreement.person, agreement.comment) == (world.people["staff"], "It matters to us.")
    with pytest.raises(Conflict, match=r"^You have already agreed to this indicator\.$"):
        indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk)
    adopted = indicator_adopt(viewer=manager, indicator_id=indicator.pk)
    adopted.refresh_from_db()
    assert adopted.status == IndicatorStatus.AGREED
    assert adopted.adopted_by == world.people["manager"]
    assert adopted.adopted_at is not None
    with pytest.raises(Conflict, match=r"^This indicator is agreed, not proposed\.$"):
        indicator_adopt(viewer=manager, indicator_id=indicator.pk)
    assert HistoryEntry.objects.filter(action="impact.indicator_adopt").count() == 1


def test_indicator_agree_and_adopt_check_who_asks(world: Any) -> None:
    indicator = _propose(world)
    with pytest.raises(NotFound):
        indicator_agree(viewer=world.viewer("outsider"), indicator_id=indicator.pk)
    with pytest.raises(NotFound):
        indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk + 1000)
    with pytest.raises(PermissionDenied, match=r"^You need to be a member or above"):
        indicator_agree(viewer=world.viewer("commissioner"), indicator_id=indicator.pk)
    indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk)
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a manager or above of this organisation to adopt outcome "
        r"indicators\.$",
    ):
        indicator_adopt(viewer=world.viewer("coordinator"), indicator_id=indicator.pk)
    with pytest.raises(NotFound):
        indicator_adopt(viewer=world.viewer("outsider"), indicator_id=indicator.pk)
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.PROPOSED


def test_indicator_retire(world: Any) -> None:
    indicator = _agreed(world)
    with pytest.raises(PermissionDenied, match=r"^You need to be a manager or above"):
        indicator_retire(viewer=world.viewer("coordinator"), indicator_id=indicator.pk)
    retired = indicator_retire(viewer=world.viewer("manager"), indicator_id=indicator.pk)
    assert retired.status == IndicatorStatus.RETIRED
    with pytest.raises(Conflict, match=r"^This indicator is already retired\.$"):
        indicator_retire(viewer=world.viewer("manager"), indicator_id=indicator.pk)
    with pytest.raises(Conflict, match=r"^This indicator is retired: it can't be agreed to\.$"):
        indicator_agree(viewer=world.viewer("coordinator"), indicator_id=indicator.pk)
    entry = HistoryEntry.objects.get(action="impact.indicator_retire")
    assert entry.detail == {"name": "Fewer A&E visits", "from": "agreed"}


# --- recording and verifying ---------------------------------------------------------------


def test_outcome_record_only_against_an_agreed_indicator(world: Any) -> None:
    proposed = _propose(world)
    with pytest.raises(InvalidInput) as raised:
        _record(world, proposed, 3, verify=False)
    assert raised.value.field == "indicator_id"
    assert raised.value.message == (
        "Only an agreed indicator can be recorded against; this one is proposed."
    )
    agreed = _agreed(world, name="Fewer crises")
    record = _record(world, agreed, "3.5", verify=False)
    assert (record.quantity, record.recorded_by) == (Decimal("3.50"), world.people["staff"])
    indicator_retire(viewer=world.viewer("manager"), indicator_id=agreed.pk)
    with pytest.raises(InvalidInput, match=r"this one is retired\.$"):
        _record(world, agreed, 3, verify=False)
    assert OutcomeRecord.objects.count() == 1


def test_outcome_record_checks_who_asks(world: Any) -> None:
    indicator = _agreed(world)
    values: dict[str, Any] = {
        "indicator_id": indicator.pk,
        "period_start": START,
        "period_end": date(2024, 4, 30),
        "quantity": 1,
        "evidence": "Register",
    }
    with pytest.raises(NotFound):
        outcome_record(viewer=world.viewer("outsider"), **values)
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a staff or above of this organisation to record outcomes\.$",
    ):
        outcome_record(viewer=world.viewer("member"), **values)
    assert not OutcomeRecord.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"quantity": -1}, "quantity", "A quantity can't be negative."),
        ({"quantity": "lots"}, "quantity", "Give the quantity as a number, like 12 or 3.5."),
        ({"quantity": True}, "quantity", "Give the quantity as a number, like 12 or 3.5."),
        ({"quantity": "Infinity"}, "quantity", "Give the quantity as a number, like 12 or 3.5."),
        ({"quantity": "1.255"}, "quantity", "Give the quantity to at most 2 decimal places."),
        ({"quantity": 10**10}, "quantity", "A quantity must be below 10,000,000,000."),
        ({"evidence": "  "}, "evidence", "Give the evidence (what shows it happened)."),
        (
            {"period_end": date(2024, 3, 31)},
            "period_end",
            "The period must end on or after the day it starts.",
        ),
        (
            {"period_start": date(1999, 12, 31)},
            "period_start",
            "The period can start no earlier than 1 January 2000.",
        ),
        ({"area_id": 999_999}, "area_id", "There is no area 999999."),
    ],
)
def test_outcome_record_refuses_each_bad_field(
    world: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    indicator = _agreed(world)
    values: dict[str, Any] = {
        "indicator_id": indicator.pk,
        "period_start": START,
        "period_end": date(2024, 4, 30),
        "quantity": 1,
        "evidence": "Register",
    }
    values.update(fields)
    with pytest.raises(InvalidInput) as raised:
        outcome_record(viewer=world.viewer("staff"), **values)
    assert (raised.value.field, raised.value.message) == (field, message)
    assert not OutcomeRecord.objects.exists()


def test_outcome_record_refuses_a_period_not_yet_ended(world: Any) -> None:
    indicator = _agreed(world)
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as raised:
        _record(world, indicator, 1, start=today, end=today + timedelta(days=1), verify=False)
    assert raised.value.field == "period_end"
    assert raised.value.message == "Record a period once it has ended: not in the future."
    assert _record(world, indicator, 1, start=today, end=today, verify=False).pk


def test_outcome_verify_by_someone_other_than_the_recorder(world: Any) -> None:
    indicator = _agreed(world)
    record = outcome_record(
        viewer=world.viewer("coordinator"),
        indicator_id=indicator.pk,
        period_start=START,
        period_end=date(2024, 4, 30),
        quantity=4,
        evidence="Register",
    )
    with pytest.raises(
        PermissionDenied, match=r"^You recorded this: someone else must verify it\.$"
    ):
        outcome_verify(viewer=world.viewer("coordinator"), record_id=record.pk)
    record.refresh_from_db()
    assert record.verified_at is None
    with pytest.raises(PermissionDenied, match=r"^You need to be a coordinator or above"):
        outcome_verify(viewer=world.viewer("staff"), record_id=record.pk)
    with pytest.raises(NotFound):
        outcome_verify(viewer=world.viewer("outsider"), record_id=record.pk)
    verified = outcome_verify(viewer=world.viewer("manager"), record_id=record.pk, note="Seen")
    verified.refresh_from_db()
    assert verified.verified_by == world.people["manager"]
    assert verified.verification_note == "Seen"
    assert verified.verified
    with pytest.raises(Conflict, match=r"^This record is already verified\.$"):
        outcome_verify(viewer=world.viewer("admin"), record_id=record.pk)
    assert HistoryEntry.objects.filter(action="impact.outcome_verify").count() == 1


# --- reads -----------------------------------------------------------------------------------


def test_indicator_list_and_get(world: Any, django_assert_num_queries: Any) -> None:
    first = _propose(world, benefits=[BenefitInput(Agency.POLICE), BenefitInput(Agency.NHS)])
    _propose(world, name="Back in work", service="Employment support")
    theirs = indicator_propose(
        viewer=world.viewer("outsider"),
        organisation_id=world.other_org.pk,
        service=DAY,
        name="Theirs",
        description="d",
        how_measured="h",
        unit="u",
        concerns="c",
        benefits=[BenefitInput(agency="nhs")],
    )
    member = world.viewer("member")
    with django_assert_num_queries(2):
        found = list(indicator_list(viewer=member, organisation_id=world.org.pk))
        shown = [(i.name, [b.agency for b in i.benefits.all()]) for i in found]
    assert shown == [("Fewer A&E visits", ["nhs", "police"]), ("Back in work", ["nhs"])]
    assert [
        i.name for i in indicator_list(viewer=member, organisation_id=world.org.pk, service=DAY)
    ] == ["Fewer A&E visits"]
    assert indicator_get(viewer=member, indicator_id=first.pk) == first
    with pytest.raises(NotFound):
        indicator_get(viewer=member, indicator_id=theirs.pk)
    with pytest.raises(NotFound):
        indicator_list(viewer=world.viewer("outsider"), organisation_id=world.org.pk)


def test_record_list_is_for_staff_up(world: Any, django_assert_num_queries: Any) -> None:
    first = _agreed(world)
    second = _agreed(world, name="Fewer crises")
    a = _record(world, first, 1, start=date(2024, 4, 1), end=date(2024, 4, 30))
    b = _record(world, first, 2, start=date(2024, 5, 1), end=date(2024, 5, 31), verify=False)
    c = _record(world, second, 3, start=date(2024, 6, 1), end=date(2024, 6, 30))
    staff = world.viewer("staff")
    with django_assert_num_queries(1):
        rows = [
            (r.pk, r.indicator.name, r.recorded_by.pk if r.recorded_by else None)
            for r in record_list(viewer=staff, organisation_id=world.org.pk)
        ]
    assert [pk for pk, _, _ in rows] == [c.pk, b.pk, a.pk]
    org = world.org.pk
    assert [
        r.pk for r in record_list(viewer=staff, organisation_id=org, indicator_id=first.pk)
    ] == [b.pk, a.pk]
    assert [r.pk for r in record_list(viewer=staff, organisation_id=org, verified=True)] == [
        c.pk,
        a.pk,
    ]
    assert [r.pk for r in record_list(viewer=staff, organisation_id=org, verified=False)] == [b.pk]
    with pytest.raises(PermissionDenied, match=r"^You need to be a staff or above"):
        record_list(viewer=world.viewer("member"), organisation_id=org)
    with pytest.raises(PermissionDenied):
        record_list(viewer=world.viewer("commissioner"), organisation_id=org)
    with pytest.raises(NotFound):
        record_list(viewer=world.viewer("outsider"), organisation_id=org)


def test_outcome_totals_suppresses_a_quantity_under_5(
    world: Any, django_assert_num_queries: Any
) -> None:
    few = _agreed(world, name="Back in work", unit="a person")
    five = _agreed(world, name="Fewer A&E visits")
    _agreed(world, name="Fewer crises")  # no records: 0, nothing to hide
    _propose(world, name="Still proposed")  # not agreed: no row
    _record(world, few, 4)
    _record(world, five, "2.5")
    _record(world, five, "2.5", start=date(2024, 7, 1), end=date(2024, 9, 30))
    _record(world, five, 100, verify=False)  # not verified
    _record(world, five, 100, start=date(2024, 3, 1), end=date(2024, 4, 30))  # starts before
    _record(world, five, 100, start=date(2025, 3, 1), end=date(2025, 4, 30))  # ends after
    commissioner = world.viewer("commissioner")
    with django_assert_num_queries(2):
        totals = outcome_totals(
            viewer=commissioner, organisation_id=world.org.pk, start=START, end=END
        )
    assert totals == [
        {
            "indicator": "Back in work",
            "service": DAY,
            "unit": "a person",
            "records": 1,
            "quantity": None,
            "suppressed": True,
        },
        {
            "indicator": "Fewer A&E visits",
            "service": DAY,
            "unit": "a visit avoided",
            "records": 2,
            "quantity": 5.0,
            "suppressed": False,
        },
        {
            "indicator": "Fewer crises",
            "service": DAY,
            "unit": "a visit avoided",
            "records": 0,
            "quantity": 0.0,
            "suppressed": False,
        },
    ]
    _record(world, few, 1, start=date(2024, 10, 1), end=date(2024, 12, 31))
    totals = outcome_totals(viewer=commissioner, organisation_id=world.org.pk, start=START, end=END)
    assert (totals[0]["quantity"], totals[0]["suppressed"]) == (5.0, False)


def test_outcome_totals_by_area_and_service(world: Any, django_assert_num_queries: Any) -> None:
    riverside = area_create(name="Riverside")
    northgate = area_create(name="Northgate")
    visits = _agreed(world)
    work = _agreed(world, name="Back in work", service="Employment support")
    _record(world, visits, 6, area_id=riverside.pk)
    _record(world, visits, 7, area_id=northgate.pk)
    _record(world, work, 8, area_id=riverside.pk)
    manager = world.viewer("manager")
    with django_assert_num_queries(3):
        totals = outcome_totals(
            viewer=manager, organisation_id=world.org.pk, area_id=riverside.pk, start=START, end=END
        )
    assert [(t["service"], t["indicator"], t["quantity"]) for t in totals] == [
        (DAY, "Fewer A&E visits", 6.0),
        ("Employment support", "Back in work", 8.0),
    ]
    totals = outcome_totals(
        viewer=manager, organisation_id=world.org.pk, service=DAY, start=START, end=END
    )
    assert [(t["indicator"], t["quantity"], t["records"]) for t in totals] == [
        ("Fewer A&E visits", 13.0, 2)
    ]


def test_outcome_totals_checks_who_asks_and_the_window(world: Any) -> None:
    org = world.org.pk
    with pytest.raises(NotFound):
        outcome_totals(viewer=world.viewer("outsider"), organisation_id=org, start=START, end=END)
    for role in ("member", "staff"):
        with pytest.raises(
            PermissionDenied,
            match=r"^You need to be a commissioner or a coordinator or above of this "
            r"organisation to see outcome totals\.$",
        ):
            outcome_totals(viewer=world.viewer(role), organisation_id=org, start=START, end=END)
    with pytest.raises(InvalidInput) as raised:
        outcome_totals(viewer=world.viewer("manager"), organisation_id=org, start=END, end=START)
    assert (raised.value.field, raised.value.message) == (
        "end",
        "The end of the period must be on or after its start.",
    )


def test_services_of_indicators_and_value_maps(world: Any) -> None:
    _propose(world)
    _propose(world, name="Back in work", service="Employment support")
    # value maps have their own service (helper C's); the selector only reads the column
    ValueMap.objects.create(
        organisation=world.org,
        service="Allotment",
        title="Allotment value map",
        inputs="Volunteers' time",
        investment_pence=100_000,
    )
    ValueMap.objects.create(
        organisation=world.other_org,
        service="Theirs",
        title="Theirs",
        inputs="Money",
        investment_pence=100_000,
    )
    assert services_of(viewer=world.viewer("member"), organisation_id=world.org.pk) == [
        "Allotment",
        DAY,
        "Employment support",
    ]
    with pytest.raises(NotFound):
        services_of(viewer=world.viewer("outsider"), organisation_id=world.org.pk)


# --- the value table ------------------------------------------------------------------------


def _valued(world: Any) -> tuple[OutcomeIndicator, OutcomeIndicator]:
    """Two valued indicators: one at a 2020/21 cost, one at a 2023/24 cost."""
    deflator_import(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        text="financial_year,index\n2020/21,90\n2023/24,100\n",
        source="Illustrative series for a test",
    )
    old = _cost(world, "AE1", "45.50", "2020/21")
    new = _cost(world, "CR1", "10.00", "2023/24")
    visits = _agreed(
        world,
        unit_cost_id=old.pk,
        split_rule="stated",
        confidence_grade=3,
        benefits=[
            BenefitInput(Agency.NHS, Decimal(60), cashable=True),
            BenefitInput(Agency.SOCIAL_CARE, Decimal(40)),
        ],
    )
    crises = _agreed(
        world,
        name="Fewer crises",
        unit_cost_id=new.pk,
        confidence_grade=1,
        benefits=[BenefitInput(Agency.NHS), BenefitInput(Agency.POLICE, cashable=True)],
    )
    return visits, crises


def test_value_table_by_hand(world: Any, django_assert_num_queries: Any) -> None:
    visits, crises = _valued(world)
    unvalued = _agreed(world, name="Feel less alone")
    _record(world, visits, 12)
    _record(world, visits, 3, verify=False)
    _record(world, visits, 50, start=date(2025, 3, 1), end=date(2025, 4, 30))
    _record(world, crises, "5.5")
    _record(world, unvalued, 40)
    commissioner = world.viewer("commissioner")
    with django_assert_num_queries(4):
        table = value_table(viewer=commissioner, organisation_id=world.org.pk, start=START, end=END)
    # the default price year is the latest among the costs used
    assert table.price_year == "2023/24"
    # AE1: £45.50 x 100 / 90 = £50.5555... -> 5056p. 12 x 5056p = 60672p; grade 3 takes 10%
    # off: 54604.8p -> 54605p; NHS 60% = 32763p cashable, social care 40% = 21842p.
    # CR1: 5.5 x 1000p = 5500p; grade 1, nothing off; NHS and police 2750p each.
    data = table.as_json()
    assert [
        (line["indicator"], line["unit_value_pence"], line["gross_pence"], line["adjusted_pence"])
        for line in data["lines"]
    ] == [("Fewer A&E visits", 5056, 60672, 54605), ("Fewer crises", 1000, 5500, 5500)]
    # shares are listed by budget holder code
    assert [(s["agency"], s["pence"], s["cashable"]) for s in data["lines"][0]["shares"]] == [
        ("la_social_care", 21842, False),
        ("nhs", 32763, True),
    ]
    assert [(s["agency"], s["percent"], s["pence"]) for s in data["lines"][1]["shares"]] == [
        ("nhs", 50.0, 2750),
        ("police", 50.0, 2750),
    ]
    assert data["lines"][0]["optimism_bias_percent"] == 10.0
    assert (data["lines"][0]["unit_cost"], data["lines"][0]["cost_price_year"]) == (
        "AE1",
        "2020/21",
    )
    assert data["rows"] == [
        {
            "agency": "nhs",
            "label": "NHS",
            "cashable_pence": 32763,
            "non_cashable_pence": 2750,
            "total_pence": 35513,
        },
        {
            "agency": "la_social_care",
            "label": "Local authority social care",
            "cashable_pence": 0,
            "non_cashable_pence": 21842,
            "total_pence": 21842,
        },
        {
            "agency": "police",
            "label": "Police",
            "cashable_pence": 2750,
            "non_cashable_pence": 0,
            "total_pence": 2750,
        },
    ]
    assert data["gross_pence"] == 60672 + 5500
    assert data["adjusted_pence"] == 54605 + 5500 == 35513 + 21842 + 2750
    assert (data["cashable_pence"], data["non_cashable_pence"]) == (35513, 24592)
    assert data["suppressed_indicators"] == []


def test_value_table_at_a_chosen_price_year(world: Any) -> None:
    visits, crises = _valued(world)
    _record(world, visits, 12)
    _record(world, crises, "5.5")
    table = value_table(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        start=START,
        end=END,
        price_year="2020-21",
    )
    assert table.price_year == "2020/21"
    # AE1 stays £45.50; CR1: £10 x 90 / 100 = £9.00. 12 x 4550 = 54600, less 10% = 49140;
    # 5.5 x 900 = 4950.
    assert [(p.line.unit_value_pence, p.gross_pence, p.adjusted_pence) for p in table.lines] == [
        (4550, 54600, 49140),
        (900, 4950, 4950),
    ]
    assert table.adjusted_pence == 49140 + 4950


def test_value_table_names_a_price_year_the_series_lacks(world: Any) -> None:
    visits, crises = _valued(world)
    _record(world, visits, 12)
    _record(world, crises, 6)
    manager = world.viewer("manager")
    with pytest.raises(InvalidInput) as raised:
        value_table(
            viewer=manager,
            organisation_id=world.org.pk,
            start=START,
            end=END,
            price_year="2022/23",
        )
    assert raised.value.field == "price_year"
    assert raised.value.message == (
        "The deflator series has no index for 2022/23, so AE1 (2020/21) can't be re-based to "
        "2022/23: import or edit the deflator series, or choose another price year."
    )
    with pytest.raises(InvalidInput) as raised:
        value_table(
            viewer=manager, organisation_id=world.org.pk, start=START, end=END, price_year="2022"
        )
    assert raised.value.field == "price_year"
    assert raised.value.message == (
        "The price year '2022' is not a financial year: write it like 2013/14."
    )


def test_value_table_leaves_out_a_suppressed_quantity(world: Any) -> None:
    visits, crises = _valued(world)
    _record(world, visits, 12)
    _record(world, crises, 4)
    table = value_table(
        viewer=world.viewer("commissioner"), organisation_id=world.org.pk, start=START, end=END
    )
    assert [p.line.indicator for p in table.lines] == ["Fewer A&E visits"]
    assert table.suppressed == ("Fewer crises",)
    assert table.as_json()["suppressed_indicators"] == ["Fewer crises"]
    # the only cost used is AE1's, so its price year is the default: 12 x 4550p less 10%
    assert (table.price_year, table.adjusted_pence) == ("2020/21", 49140)
    assert [r.agency for r in table.rows] == ["nhs", "la_social_care"]


def test_value_table_with_nothing_verified(world: Any, django_assert_num_queries: Any) -> None:
    visits, _ = _valued(world)
    _record(world, visits, 12, verify=False)
    manager = world.viewer("manager")
    # the verified totals only: with none, there are no indicators or costs to look up
    with django_assert_num_queries(1):
        table = value_table(viewer=manager, organisation_id=world.org.pk, start=START, end=END)
    assert (table.lines, table.rows, table.adjusted_pence, table.price_year) == ((), (), 0, None)


def test_value_table_checks_who_asks(world: Any) -> None:
    org = world.org.pk
    with pytest.raises(NotFound):
        value_table(viewer=world.viewer("outsider"), organisation_id=org, start=START, end=END)
    with pytest.raises(PermissionDenied, match=r"^You need to be a commissioner"):
        value_table(viewer=world.viewer("staff"), organisation_id=org, start=START, end=END)
