"""Evaluation reports built through the task (django-tasks' immediate backend in tests, after
commit), their figures checked by hand, suppression of small groups, the PDF and spreadsheet,
value maps, and who may ask for what. Everything is set up through the services.

The bank, its people and the first quarter of 2026 (local time, Europe/London):

=================================  ===================  ======  ============================
posted (UTC)                       who (area)           min     in the report?
=================================  ===================  ======  ============================
31 Dec 2025 23:59                  Ana helps Dee        20      no: 31 Dec local
1 Jan 2026 00:10                   Ana helps Ben        60      yes (Jan)
20 Jan                             Cy helps Dee         90      yes (Jan)
5 Feb                              Eve helps Fay        30      yes (Feb)
14 Feb                             Ben helps Ana        45      yes (Feb)
3 Mar, then reversed               Dee helps Eve        120     no: reversed
20 Mar                             Fay helps Cy         75      yes (Mar)
31 Mar 23:30 (1 Apr 00:30 BST)     Ana helps Cy         15      no: 1 Apr local
=================================  ===================  ======  ============================

Ana, Ben, Eve and Fay live in Riverside; Cy and Dee in Hilltop. In the quarter: 300 minutes
(5 hours) in 5 exchanges among 6 active members; Hilltop's members took part in two of them
(165 minutes) and are 2 people, under the threshold of 5.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.impact.models import EvaluationReport, ReportStatus, ValueMap
from coproduce.impact.report import report_figures
from coproduce.impact.report_pdf import report_pdf
from coproduce.impact.report_xlsx import POUNDS_FORMAT, report_xlsx
from coproduce.impact.selectors.reports import report_get, report_hours, report_list
from coproduce.impact.selectors.value_maps import value_map_get, value_map_list, value_map_sroi
from coproduce.impact.services.costs import unit_cost_add
from coproduce.impact.services.outcomes import (
    BenefitInput,
    indicator_adopt,
    indicator_agree,
    indicator_propose,
    outcome_record,
    outcome_verify,
)
from coproduce.impact.services.reports import report_request
from coproduce.impact.services.value_maps import value_map_create, value_map_delete
from coproduce.impact.services.wellbeing import response_record
from coproduce.people import services as people_services
from coproduce.people.models import Area, HistoryEntry, Membership
from coproduce.timebank import services
from coproduce.timebank.models import Transfer
from tests.conftest import World

Q1_START, Q1_END = date(2026, 1, 1), date(2026, 3, 31)
SERVICE = "Day service"
VALUE_MAP_CSV = (
    "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
    "displacement,attribution,drop_off,duration\n"
    "Members,Less isolated,UCLA loneliness scale,20,£1000,HACT social value bank,10%,0,20%,0,1\n"
)
BEFRIENDING_CSV = (
    "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
    "displacement,attribution,drop_off,duration\n"
    "Members,More confident,Self-report,10,200,HACT social value bank,0,0,50,0,2\n"
)
# A stage's save: the progress and the stage, nothing else.
STAGE_UPDATE = (
    r"UPDATE \"impact_evaluationreport\" SET \"progress\" = \d+, \"stage\" = '[^']*' WHERE"
)
SHEETS = ["Summary", "Hours", "Outcomes", "Wellbeing", "Value by budget holder", "SROI", "Network"]


def _at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _exchange(
    world: World, provider: Membership, receiver: Membership, minutes: int, at: datetime
) -> Transfer:
    """A coordinator arranges, claims and confirms an exchange: it posts through the time
    bank's one door to the ledger, the receiver paying."""
    coordinator = world.viewer("coordinator")
    exchange = services.exchange_propose(
        viewer=coordinator,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        description="Help at home",
    )
    services.exchange_accept(viewer=coordinator, exchange_id=exchange.pk)
    services.exchange_claim(viewer=coordinator, exchange_id=exchange.pk, minutes=minutes, at=at)
    services.exchange_confirm(viewer=coordinator, exchange_id=exchange.pk, at=at)
    return Transfer.objects.get(exchange=exchange)


def _person(world: World, name: str, area: Area) -> Membership:
    person = people_services.person_create_for(
        viewer=world.viewer("coordinator"), organisation=world.org, full_name=name, area=area
    )
    return Membership.objects.get(person=person, organisation=world.org)


@dataclass
class Bank:
    riverside: Area
    hilltop: Area
    people: dict[str, Membership]


def _indicator(
    world: World,
    *,
    name: str,
    cost_id: int,
    benefits: list[BenefitInput],
    split_rule: str = "equal",
    grade: int = 3,
) -> int:
    indicator = indicator_propose(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        service=SERVICE,
        name=name,
        description=f"{name}, as members put it.",
        how_measured="Counted from the register each month.",
        unit="time",
        concerns="Members of the day service",
        benefits=benefits,
        unit_cost_id=cost_id,
        split_rule=split_rule,
        confidence_grade=grade,
    )
    indicator_agree(viewer=world.viewer("member"), indicator_id=indicator.pk)
    indicator_adopt(viewer=world.viewer("manager"), indicator_id=indicator.pk)
    return indicator.pk


def _record(
    world: World, indicator_id: int, start: date, end: date, quantity: int, verify: bool = True
) -> None:
    record = outcome_record(
        viewer=world.viewer("staff"),
        indicator_id=indicator_id,
        period_start=start,
        period_end=end,
        quantity=quantity,
        evidence="The day service's register.",
    )
    if verify:
        outcome_verify(viewer=world.viewer("coordinator"), record_id=record.pk)


def _cost(world: World, code: str, pounds: str, agency: str) -> int:
    return unit_cost_add(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        code=code,
        description=f"{code} cost",
        unit="per time",
        value=pounds,
        price_year="2024/25",
        agency=agency,
        kind="fiscal",
        source="Figures for a test",
    ).pk


@pytest.fixture
def bank(world: World) -> Bank:
    """The ledger in the module docstring; three outcome indicators; five people's ONS4
    answers; two value maps."""
    riverside = people_services.area_create(name="Riverside")
    hilltop = people_services.area_create(name="Hilltop")
    homes = {"Ana": riverside, "Ben": riverside, "Cy": hilltop, "Dee": hilltop}
    homes |= {"Eve": riverside, "Fay": riverside}
    people = {name: _person(world, f"{name} Test", area) for name, area in homes.items()}
    ana, ben, cy, dee, eve, fay = (people[n] for n in ("Ana", "Ben", "Cy", "Dee", "Eve", "Fay"))
    _exchange(world, ana, dee, 20, _at(2025, 12, 31, 23, 59))
    _exchange(world, ana, ben, 60, _at(2026, 1, 1, 0, 10))
    _exchange(world, cy, dee, 90, _at(2026, 1, 20))
    _exchange(world, eve, fay, 30, _at(2026, 2, 5))
    _exchange(world, ben, ana, 45, _at(2026, 2, 14))
    reversed_one = _exchange(world, dee, eve, 120, _at(2026, 3, 3))
    services.transfer_reverse(
        viewer=world.viewer("coordinator"), transfer_id=reversed_one.pk, reason="Twice"
    )
    _exchange(world, fay, cy, 75, _at(2026, 3, 20))
    _exchange(world, ana, cy, 15, _at(2026, 3, 31, 23, 30))

    # GP visits: £36 each, the NHS's, grade 3 (10% optimism bias). Nights out of hospital:
    # £200 each, 60% the NHS's (cashable) and 40% social care's, grade 2 (5%). Volunteering
    # starts: £50 each, 3 of them, under the threshold.
    gp = _indicator(
        world,
        name="Fewer GP visits",
        cost_id=_cost(world, "GP01", "36.00", "nhs"),
        benefits=[BenefitInput("nhs")],
    )
    _record(world, gp, date(2026, 1, 1), date(2026, 1, 31), 10)
    _record(world, gp, date(2026, 2, 1), date(2026, 2, 28), 8)
    _record(world, gp, date(2026, 3, 1), date(2026, 3, 31), 5, verify=False)
    _record(world, gp, date(2026, 3, 15), date(2026, 4, 15), 7)  # runs past the period
    nights = _indicator(
        world,
        name="Nights out of hospital",
        cost_id=_cost(world, "HOS01", "200.00", "nhs"),
        benefits=[
            BenefitInput("nhs", Decimal(60), cashable=True),
            BenefitInput("la_social_care", Decimal(40)),
        ],
        split_rule="stated",
        grade=2,
    )
    _record(world, nights, date(2026, 2, 1), date(2026, 2, 28), 6)
    volunteering = _indicator(
        world,
        name="Volunteering starts",
        cost_id=_cost(world, "VOL01", "50.00", "local_authority"),
        benefits=[BenefitInput("local_authority")],
        grade=1,
    )
    _record(world, volunteering, date(2026, 1, 1), date(2026, 3, 31), 3)

    # ONS4 (life satisfaction, worthwhile, happiness, anxiety), first and last answers in the
    # quarter; Fay answers once only, so makes no pair.
    answers = {
        "Ana": ([5, 5, 5, 6], [7, 6, 5, 4]),
        "Ben": ([5, 5, 5, 6], [7, 6, 5, 4]),
        "Cy": ([5, 5, 5, 6], [7, 6, 5, 4]),
        "Dee": ([5, 5, 5, 6], [7, 6, 5, 4]),
        "Eve": ([5, 5, 5, 6], [5, 4, 5, 6]),
    }
    for name, (first, last) in answers.items():
        for taken_on, given in ((date(2026, 1, 12), first), (date(2026, 3, 16), last)):
            response_record(
                viewer=world.viewer("staff"),
                organisation_id=world.org.pk,
                person_id=people[name].person_id,
                instrument="ons4",
                taken_on=taken_on,
                answers=given,
                service=SERVICE,
            )
    response_record(
        viewer=world.viewer("staff"),
        organisation_id=world.org.pk,
        person_id=fay.person_id,
        instrument="ons4",
        taken_on=date(2026, 2, 2),
        answers=[9, 9, 9, 0],
        service=SERVICE,
    )

    value_map_create(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        service=SERVICE,
        title="Day service 2026",
        inputs="Staff time and the hall",
        investment=Decimal("10000"),
        csv_text=VALUE_MAP_CSV,
    )
    value_map_create(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        service="Befriending",
        title="Befriending 2026",
        inputs="Volunteers' time",
        investment=Decimal("1000"),
        discount_rate=Decimal("0"),
        discount_year_one=False,
        csv_text=BEFRIENDING_CSV,
    )
    return Bank(riverside=riverside, hilltop=hilltop, people=people)


def _built(world: World, capture: Any, role: str = "manager", **asked: Any) -> EvaluationReport:
    """Ask for a report as ``role`` and let the task run when the request commits."""
    asked = {"period_start": Q1_START, "period_end": Q1_END, **asked}
    with capture(execute=True):
        report = report_request(viewer=world.viewer(role), organisation_id=world.org.pk, **asked)
    report.refresh_from_db()
    return report


# --- the report, end to end ---------------------------------------------------------------


def test_report_built_by_the_task_has_the_hand_worked_figures(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(world, django_capture_on_commit_callbacks, service=SERVICE)
    assert report.status == ReportStatus.DONE, report.error
    assert (report.progress, report.stage, report.error) == (100, "Ready", "")
    assert report.finished_at is not None
    figures = report.figures
    assert figures is not None
    assert figures["service_label"] == SERVICE
    assert figures["area_label"] == "All areas"
    assert (figures["period_start"], figures["period_end"]) == ("2026-01-01", "2026-03-31")
    assert figures["suppression_threshold"] == 5

    hours = figures["hours"]
    assert (hours["minutes"], hours["hours"], hours["exchanges"], hours["active_members"]) == (
        60 + 90 + 30 + 45 + 75,
        5.0,
        5,
        6,
    )
    assert hours["suppressed"] is False
    assert [(m["label"], m["minutes"], m["exchanges"]) for m in hours["by_month"]] == [
        ("Jan 2026", 60 + 90, 2),
        ("Feb 2026", 30 + 45, 2),
        ("Mar 2026", 75, 1),
    ]

    # GP visits: the two verified records inside the period (the unverified one and the one
    # running into April left out). Volunteering's 3 is under the threshold.
    assert figures["outcomes"] == [
        {
            "indicator": "Fewer GP visits",
            "service": SERVICE,
            "unit": "time",
            "records": 2,
            "quantity": 18.0,
            "suppressed": False,
        },
        {
            "indicator": "Nights out of hospital",
            "service": SERVICE,
            "unit": "time",
            "records": 1,
            "quantity": 6.0,
            "suppressed": False,
        },
        {
            "indicator": "Volunteering starts",
            "service": SERVICE,
            "unit": "time",
            "records": 1,
            "quantity": None,
            "suppressed": True,
        },
    ]

    # GP visits: 18 x £36 = £648.00, less 10% = £583.20, all the NHS's, not cashable.
    # Nights: 6 x £200 = £1,200.00, less 5% = £1,140.00; the NHS 60% = £684.00 (cashable),
    # social care 40% = £456.00. Volunteering is left out, and named.
    value = figures["value"]
    assert [
        (row["label"], row["cashable_pence"], row["non_cashable_pence"], row["total_pence"])
        for row in value["rows"]
    ] == [
        ("NHS", 68400, 58320, 126720),
        ("Local authority social care", 0, 45600, 45600),
    ]
    assert (value["gross_pence"], value["adjusted_pence"]) == (64800 + 120000, 58320 + 114000)
    assert (value["cashable_pence"], value["non_cashable_pence"]) == (68400, 58320 + 45600)
    assert value["suppressed_indicators"] == ["Volunteering starts"]
    assert value["price_year"] == "2024/25"
    assert "counted once" in value["split_note"]

    # Five people answered twice: four went 5 -> 7 on life satisfaction, Eve stayed at 5.
    life = next(row for row in figures["wellbeing"] if row["measure"] == "life_satisfaction")
    assert life["label"] == "Life satisfaction"
    assert (life["pairs"], life["suppressed"]) == (5, False)
    assert (life["mean_before"], life["mean_after"], life["mean_change"]) == (5.0, 6.6, 1.6)
    assert (life["share_improved"], life["share_no_change"], life["share_worse"]) == (
        0.8,
        0.2,
        0.0,
    )
    # Anxiety: four went 6 -> 4 (better), Eve stayed at 6: (4 x 4 + 6) / 5 = 4.4.
    anxiety = next(row for row in figures["wellbeing"] if row["measure"] == "anxiety")
    assert (anxiety["mean_before"], anxiety["mean_after"], anxiety["share_improved"]) == (
        6.0,
        4.4,
        0.8,
    )

    # Only the day service's value map: 20 x £1,000 x (1 - 10%) x (1 - 20%) = £14,400 in year
    # 1, discounted once at 3.5%.
    [day] = figures["sroi"]
    present = Fraction(14400) / Fraction("1.035")
    assert day["title"] == "Day service 2026"
    assert day["investment_pence"] == 1_000_000
    assert day["present_value"] == float(round(Decimal(present.numerator) / present.denominator, 2))
    assert day["present_value"] == 13913.04
    assert day["ratio"] == 1.39  # 13,913.04 / 10,000
    assert day["net_ratio"] == 0.39
    assert day["payback_years"] == 0.72  # 10,000 / 13,913.04 of the first year
    assert day["setting"] == "3.5% a year, year 1 discounted"
    assert figures["discounting"] == "Every value map: 3.5% a year, year 1 discounted"

    # The whole bank's network in the quarter: Ana-Ben both ways, Cy-Dee, Eve-Fay, Fay-Cy.
    network = figures["network"]
    assert network["suppressed"] is False
    assert (network["active"], network["transfers"], network["minutes"]) == (6, 5, 300)
    assert (network["ties"], network["reciprocated_ties"]) == (4, 1)


def test_report_saves_its_progress_at_each_stage_with_only_those_fields(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    with CaptureQueriesContext(connection) as queries:
        report = _built(world, django_capture_on_commit_callbacks, service=SERVICE)
    updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "impact_evaluationreport"')
    ]
    # The claim, one save per stage (progress and stage only), and the finish.
    assert len(updates) == 8
    stage_updates = updates[1:-1]
    assert all(re.match(STAGE_UPDATE, s) for s in stage_updates), stage_updates
    assert report.status == ReportStatus.DONE

    seen: list[tuple[int, str]] = []
    report_figures(
        viewer=world.viewer("manager"),
        report=report,
        progress=lambda percent, stage: seen.append((percent, stage)),
    )
    assert seen == [
        (5, "Counting hours exchanged"),
        (20, "Adding up outcomes"),
        (35, "Comparing wellbeing scores"),
        (50, "Valuing outcomes by budget holder"),
        (65, "Working out the social return on investment"),
        (80, "Measuring the network"),
    ]


def test_report_of_an_area_with_fewer_than_5_people_suppresses_hours_network_and_wellbeing(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(
        world, django_capture_on_commit_callbacks, role="commissioner", area_id=bank.hilltop.pk
    )
    assert report.status == ReportStatus.DONE, report.error
    figures = report.figures
    assert figures is not None
    assert figures["area_label"] == "Hilltop"
    # Cy and Dee took part in 165 minutes: 2 people, so nothing is shown.
    assert figures["hours"]["suppressed"] is True
    assert (
        figures["hours"]["minutes"],
        figures["hours"]["hours"],
        figures["hours"]["exchanges"],
        figures["hours"]["active_members"],
    ) == (None, None, None, None)
    assert {m["minutes"] for m in figures["hours"]["by_month"]} == {None}
    assert figures["network"] == {"suppressed": True, "scope": "the whole time bank"}
    # Two pairs of answers in Hilltop: suppressed, and not even the count is kept.
    assert {
        (row["suppressed"], row["pairs"], row["mean_after"]) for row in figures["wellbeing"]
    } == {(True, None, None)}
    # Outcome records carry no area here, so Hilltop has none; every service's value maps.
    assert [row["quantity"] for row in figures["outcomes"]] == [0.0, 0.0, 0.0]
    assert figures["value"]["rows"] == []
    assert [entry["title"] for entry in figures["sroi"]] == ["Befriending 2026", "Day service 2026"]
    assert [entry["setting"] for entry in figures["sroi"]] == [
        "0% a year, year 1 not discounted",
        "3.5% a year, year 1 discounted",
    ]
    assert figures["discounting"] == (
        "Befriending 2026: 0% a year, year 1 not discounted; "
        "Day service 2026: 3.5% a year, year 1 discounted"
    )
    # Aggregates only: nobody's name is anywhere in the figures.
    text = str(figures)
    for name in ("Ana", "Ben", "Cy ", "Dee", "Eve", "Fay", "Test"):
        assert name not in text

    assert "Not shown (fewer than 5)" in _pdf_text(report_pdf(report))
    hours = load_workbook(io.BytesIO(report_xlsx(report)))["Hours"]
    assert _values(hours[2]) == [
        "Jan 2026",
        "Not shown (fewer than 5)",
        "Not shown (fewer than 5)",
    ]


def test_report_hours_suppressed_in_a_bank_with_fewer_than_5_active_members(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    riverside = people_services.area_create(name="Riverside")
    few = [_person(world, f"Person {n}", riverside) for n in range(4)]
    _exchange(world, few[0], few[1], 60, _at(2026, 2, 1))
    _exchange(world, few[2], few[3], 30, _at(2026, 2, 2))
    start, end = _at(2026, 1, 1, 0), _at(2026, 4, 1, 0)
    hidden = report_hours(
        viewer=world.viewer("coordinator"), organisation_id=world.org.pk, start=start, end=end
    )
    assert (hidden["suppressed"], hidden["minutes"], hidden["active_members"]) == (
        True,
        None,
        None,
    )
    # A fifth member taking part lifts it: two queries, whatever the size of the bank.
    _exchange(world, few[0], _person(world, "Person 5", riverside), 15, _at(2026, 3, 1))
    coordinator = world.viewer("coordinator")
    with CaptureQueriesContext(connection) as queries:
        shown = report_hours(viewer=coordinator, organisation_id=world.org.pk, start=start, end=end)
    assert len(queries.captured_queries) == 2
    assert (shown["suppressed"], shown["minutes"], shown["exchanges"], shown["active_members"]) == (
        False,
        105,
        3,
        5,
    )


def test_report_hours_fall_in_the_local_month_across_summer_time(
    world: World, settings: Any
) -> None:
    """Grouped by UTC hour in the database, each hour put in its local month: 23:30 UTC on 30
    June is 00:30 on 1 July in London (BST). A zone that is not whole hours from UTC is
    grouped by month in the database instead, with the same answer."""
    riverside = people_services.area_create(name="Riverside")
    members = [_person(world, f"Person {n}", riverside) for n in range(6)]
    _exchange(world, members[0], members[1], 60, _at(2026, 6, 30, 23, 30))  # July in London
    _exchange(world, members[2], members[3], 30, _at(2026, 6, 30, 22, 30))  # 23:30 BST, June
    _exchange(world, members[4], members[5], 15, _at(2026, 1, 31, 23, 30))  # GMT: January
    start, end = _at(2026, 1, 1, 0), _at(2026, 8, 1, 0)
    for zone in ("Europe/London", "Asia/Kolkata"):
        settings.TIME_ZONE = zone
        hours = report_hours(
            viewer=world.viewer("coordinator"), organisation_id=world.org.pk, start=start, end=end
        )
        by_month = {m["month"]: m["minutes"] for m in hours["by_month"] if m["minutes"]}
        if zone == "Europe/London":
            assert by_month == {"2026-01": 15, "2026-06": 30, "2026-07": 60}
        else:  # UTC+5:30: all three are the next morning
            assert by_month == {"2026-02": 15, "2026-07": 90}


def test_report_fails_with_the_reason_when_the_price_year_cannot_be_reached(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(
        world, django_capture_on_commit_callbacks, service=SERVICE, price_year="2030/31"
    )
    assert report.status == ReportStatus.FAILED
    assert "The deflator series has no index for 2030/31" in report.error
    assert report.stage == "Failed: Valuing outcomes by budget holder"
    assert report.figures is None
    assert report.finished_at is not None
    with pytest.raises(Conflict, match=re.escape("The report is not ready yet.")):
        report_pdf(report)
    with pytest.raises(Conflict, match=re.escape("The report is not ready yet.")):
        report_xlsx(report)


def test_report_fails_when_its_requester_no_longer_reads_reports(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    coordinator = world.viewer("coordinator")
    membership = Membership.objects.get(organisation=world.org, person=world.people["coordinator"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = report_request(
            viewer=coordinator,
            organisation_id=world.org.pk,
            period_start=Q1_START,
            period_end=Q1_END,
        )
    assert len(callbacks) == 1
    people_services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=membership.pk, role="staff"
    )
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == (
        "You need to be a commissioner or a coordinator or above of this organisation to "
        "build an evaluation report."
    )


# --- the PDF and the spreadsheet ----------------------------------------------------------


def _values(row: Any) -> list[Any]:
    """A spreadsheet row's values, without the empty cells after its last (a sheet is as wide
    as its widest table)."""
    values = [cell.value for cell in row]
    while values and values[-1] is None:
        values.pop()
    return values


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (the PDF is uncompressed): each (string) Tj, its escapes
    undone, in the standard fonts' WinAnsi encoding."""
    drawn = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", pdf)
    escape = re.compile(rb"\\([0-7]{1,3}|.)")

    def undone(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else code

    return " ".join(escape.sub(undone, part).decode("cp1252") for part in drawn)


def test_report_pdf_has_the_sections_value_table_and_notes(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(world, django_capture_on_commit_callbacks, service=SERVICE)
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for expected in (
        "Evaluation report: Day service",
        "1 January 2026 to 31 March 2026",
        "all areas",
        "Hours",
        "Outcomes",
        "Wellbeing",
        "Value by budget holder",
        "SROI",
        "Network",
        "£1,267.20",  # the NHS's total
        "£456.00",  # social care's
        "£1,723.20",  # the table's total
        "counted once",  # the split note
        "A figure about fewer than 5 people is not shown",
        "3.5% a year, year 1 discounted",
        "Volunteering starts",
    ):
        assert expected in text, expected
    # The same figures give the same file.
    assert report_pdf(report) == pdf


def test_report_xlsx_has_a_sheet_per_section_with_numbers_as_numbers(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(world, django_capture_on_commit_callbacks, service=SERVICE)
    # Numbers come back as numbers (openpyxl reads them as int or float), never as text.
    workbook = load_workbook(io.BytesIO(report_xlsx(report)))
    assert workbook.sheetnames == SHEETS

    value = workbook["Value by budget holder"]
    assert _values(value[1]) == [
        "Budget holder",
        "Cashable",
        "Non-cashable",
        "Total",
    ]
    assert all(cell.font.bold for cell in value[1][:4])
    assert _values(value[2]) == ["NHS", 684, 583.2, 1267.2]
    assert _values(value[3]) == ["Local authority social care", 0, 456, 456]
    assert _values(value[4]) == ["Total", 684, 1039.2, 1723.2]
    assert value["B2"].number_format == POUNDS_FORMAT
    assert value["D4"].number_format == POUNDS_FORMAT
    notes = [row[0].value for row in value.iter_rows() if row[0].value]
    assert any("counted once" in str(note) for note in notes)

    hours = workbook["Hours"]
    assert _values(hours[1]) == ["Month", "Hours exchanged", "Exchanges"]
    assert [_values(row) for row in hours.iter_rows(min_row=2, max_row=5)] == [
        ["Jan 2026", 2.5, 2],
        ["Feb 2026", 1.25, 2],
        ["Mar 2026", 1.25, 1],
        ["Total", 5, 5],
    ]

    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows(min_row=2)}
    assert summary["Service"] == SERVICE
    assert summary["Active members"] == 6
    assert summary["Value of outcomes, after optimism bias"] == 1723.2
    assert summary["Discounting"] == "Every value map: 3.5% a year, year 1 discounted"

    sroi = workbook["SROI"]
    assert _values(sroi[2])[:5] == [
        "Day service 2026",
        SERVICE,
        10000,
        13913.04,
        1.39,
    ]
    assert sroi["C2"].number_format == POUNDS_FORMAT

    outcomes = workbook["Outcomes"]
    assert _values(outcomes[4]) == [
        "Volunteering starts",
        SERVICE,
        "time",
        1,
        "Not shown (fewer than 5)",
    ]


# --- value maps ---------------------------------------------------------------------------


def test_value_map_create_refuses_bad_rows_naming_each_row_and_field(world: World) -> None:
    bad = (
        "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
        "displacement,attribution,drop_off,duration\n"
        "Members,Less isolated,Scale,1.123456,100,HACT,0,0,0,0,1\n"
        "Members,Fitter,Steps,5,100,HACT,120,0,0,0,1\n"
        "Carers,Rested,Diary,5,100,,0,0,0,0,1\n"
    )
    with pytest.raises(InvalidInput) as caught:
        value_map_create(
            viewer=world.viewer("manager"),
            organisation_id=world.org.pk,
            service=SERVICE,
            title="Bad",
            inputs="Time",
            investment=Decimal("100"),
            csv_text=bad,
        )
    assert caught.value.field == "csv_text"
    assert caught.value.message == (
        "Nothing was saved. Fix these rows: "
        "row 2: quantity can have at most 4 decimal places, not 1.123456; "
        "row 3: deadweight must be from 0 to 100, not 120; "
        "row 4: proxy_source is empty: every financial proxy needs its source."
    )
    assert not ValueMap.objects.exists()


@pytest.mark.parametrize(
    ("field", "given", "message"),
    [
        ("investment", {"investment": Decimal(0)}, "The investment must be more than £0."),
        (
            "investment",
            {"investment": Decimal("10.005")},
            "Give the investment to the penny (2 decimal places).",
        ),
        (
            "discount_rate",
            {"discount_rate": Decimal(101)},
            "Give the discount rate as a per cent a year from 0 to 100, like 3.5.",
        ),
        ("title", {"title": "  "}, "Give the value map's title."),
    ],
)
def test_value_map_create_refuses_bad_settings_naming_the_field(
    world: World, field: str, given: dict[str, Any], message: str
) -> None:
    asked: dict[str, Any] = {
        "service": SERVICE,
        "title": "Map",
        "inputs": "Time",
        "investment": Decimal("100"),
        "csv_text": VALUE_MAP_CSV,
        **given,
    }
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        value_map_create(viewer=world.viewer("manager"), organisation_id=world.org.pk, **asked)
    assert caught.value.field == field


def test_value_map_is_stored_read_back_and_deleted_by_a_manager(world: World) -> None:
    manager = world.viewer("manager")
    created = value_map_create(
        viewer=manager,
        organisation_id=world.org.pk,
        service=SERVICE,
        title="Day service 2026",
        inputs="Staff time",
        investment="10,000.00",
        csv_text=VALUE_MAP_CSV,
    )
    assert created.investment_pence == 1_000_000
    commissioner = world.viewer("commissioner")
    with CaptureQueriesContext(connection) as queries:
        [listed] = list(value_map_list(viewer=commissioner, organisation_id=world.org.pk))
        result = value_map_sroi(listed)
    assert len(queries.captured_queries) == 2  # the maps, their outcomes
    assert (
        float(round(Decimal(result.present_value.numerator) / result.present_value.denominator, 2))
        == 13913.04
    )
    assert result.discounting == "year 1 discounted"
    assert HistoryEntry.objects.filter(action="impact.value_map_create").count() == 1

    with pytest.raises(PermissionDenied):
        value_map_delete(viewer=world.viewer("coordinator"), value_map_id=created.pk)
    value_map_delete(viewer=manager, value_map_id=created.pk)
    assert not ValueMap.objects.exists()
    assert HistoryEntry.objects.filter(action="impact.value_map_delete").count() == 1


# --- who may ask for and read what ---------------------------------------------------------


def test_report_request_refuses_another_organisation_and_members(world: World) -> None:
    asked: dict[str, Any] = {"period_start": Q1_START, "period_end": Q1_END}
    with pytest.raises(NotFound):
        report_request(viewer=world.viewer("outsider"), organisation_id=world.org.pk, **asked)
    for role in ("member", "staff"):
        with pytest.raises(
            PermissionDenied,
            match=re.escape(
                "You need to be a commissioner or a coordinator or above of this organisation "
                "to ask for an evaluation report."
            ),
        ):
            report_request(viewer=world.viewer(role), organisation_id=world.org.pk, **asked)
    assert not EvaluationReport.objects.exists()


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        (
            {"period_end": date(2025, 12, 31)},
            "period_end",
            "The period must end on or after the day it starts.",
        ),
        ({"price_year": "2026"}, "price_year", "The price year '2026' is not a financial year"),
        ({"area_id": 999_999}, "area_id", "Choose an area from the list, or every area."),
        ({"service": "x" * 201}, "service", "The service can be at most 200 characters."),
    ],
)
def test_report_request_refuses_bad_input_naming_the_field(
    world: World, given: dict[str, Any], field: str, message: str
) -> None:
    asked: dict[str, Any] = {"period_start": Q1_START, "period_end": Q1_END, **given}
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        report_request(viewer=world.viewer("manager"), organisation_id=world.org.pk, **asked)
    assert caught.value.field == field


def test_reports_and_value_maps_are_not_found_by_another_organisation(
    world: World, bank: Bank, django_capture_on_commit_callbacks: Any
) -> None:
    report = _built(world, django_capture_on_commit_callbacks)
    value_map = ValueMap.objects.get(title="Day service 2026")
    outsider = world.viewer("outsider")
    with pytest.raises(NotFound):
        report_get(viewer=outsider, report_id=report.pk)
    with pytest.raises(NotFound):
        report_list(viewer=outsider, organisation_id=world.org.pk)
    with pytest.raises(NotFound):
        value_map_get(viewer=outsider, value_map_id=value_map.pk)
    with pytest.raises(PermissionDenied):
        report_get(viewer=world.viewer("member"), report_id=report.pk)
    with pytest.raises(PermissionDenied):
        value_map_get(viewer=world.viewer("staff"), value_map_id=value_map.pk)
    with pytest.raises(PermissionDenied):
        value_map_create(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            service=SERVICE,
            title="Map",
            inputs="Time",
            investment=Decimal(1),
            csv_text=VALUE_MAP_CSV,
        )
    commissioner = world.viewer("commissioner")
    assert report_get(viewer=commissioner, report_id=report.pk).pk == report.pk
    assert [
        found.pk for found in report_list(viewer=commissioner, organisation_id=world.org.pk)
    ] == [report.pk]
