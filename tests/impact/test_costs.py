"""Unit costs and price years: financial-year parsing, re-basing by hand, the deflator CSVs,
the shipped starter table, adding an organisation's own costs and keeping its series.

The deflator indices below are illustrative round numbers chosen for hand arithmetic, not HM
Treasury's published figures."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from hypothesis import given
from hypothesis import strategies as st

from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.impact.costs import (
    deflators_from_csv,
    financial_year,
    price_year_label,
    rebase,
)
from coproduce.impact.models import Agency, CostKind, DeflatorYear, UnitCost
from coproduce.impact.selectors.costs import deflator_series, unit_cost_in, unit_costs
from coproduce.impact.services.costs import (
    deflator_import,
    deflator_year_set,
    starter_cost_rows,
    starter_costs_load,
    unit_cost_add,
)
from coproduce.people.models import HistoryEntry

SERIES = {2011: Decimal("90"), 2016: Decimal("100")}

# HM Treasury's layout (the "GDP deflators at market prices, and money GDP" CSV): a title,
# notes, three header rows, then financial years with the index first, the per cent change,
# money GDP with thousands commas, a gap, and the calendar years alongside; notes at the foot.
HMT_CSV = "\n".join(
    [
        "GDP DEFLATORS AT MARKET PRICES, AND MONEY GDP,,,,,,,,,",
        ",,,,,,,,,",
        "Outturn data are the latest National Accounts figures from ONS.,,,,,,,,,",
        "Forecast data are consistent with OBR data.,,,,,,,,,",
        "Financial year,,,,,,Calendar year,,,",
        ',GDP deflator at market prices,,"Money GDP (3), (4)",,,,'
        "GDP deflator at market prices,,Money GDP (3)",
        "Financial year,2016-17 = 100,per cent change on previous year,"
        "Cash £ million Non-Seasonally Adjusted,Cash £ million Seasonally Adjusted,,"
        "Calendar year,2016 = 100,per cent change on previous year,Cash £ million",
        '2011-12,90.000,,"1,600,000","1,600,100",,2011,89.500,,"1,590,000"',  # row 8
        '2012-13,92.250,2.50,"1,650,000","1,650,100",,2012,91.900,2.68,"1,640,000"',
        '2016-17,100.000,,"1,950,000","1,950,100",,2016,100.000,,"1,940,000"',
        ",,,,,,,,,",
        "(1) Illustrative figures for a test.,,,,,,,,,",
        "",
    ]
)


@pytest.fixture
def starter(db: Any) -> None:
    """The starter table, loaded by its door: a transactional test elsewhere in the run
    flushes the rows migration 0002 loaded."""
    starter_costs_load()


def _manager(world: Any) -> Any:
    return world.viewer("manager")


def _add(world: Any, role: str = "manager", **fields: Any) -> UnitCost:
    values: dict[str, Any] = {
        "code": "HC1",
        "description": "Peer support session, facilitated",
        "unit": "Per session",
        "value": "45.50",
        "price_year": "2023/24",
        "agency": Agency.SOCIAL_CARE,
        "kind": CostKind.FISCAL,
        "source": "Holy Cross finance team, 2023/24 accounts",
    }
    values.update(fields)
    viewer = world.viewer(role)
    return unit_cost_add(viewer=viewer, organisation_id=world.org.pk, **values)


# --- financial years -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2013/14", 2013),
        ("2013-14", 2013),
        (" 2013 / 14 ", 2013),
        ("2013/2014", 2013),
        ("2013\u201314", 2013),  # en dash
        ("1999/00", 1999),
    ],
)
def test_financial_year_reads_the_starting_year(text: str, year: int) -> None:
    assert financial_year(text) == year


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2013/15", "2013/15 is not a financial year: 2013 is followed by 2014 (2013/14)"),
        ("1999/01", "1999/01 is not a financial year: 1999 is followed by 2000 (1999/00)"),
        ("2013", "'2013' is not a financial year: write it like 2013/14"),
        ("last year", "'last year' is not a financial year: write it like 2013/14"),
        ("", "'' is not a financial year: write it like 2013/14"),
        ("1850/51", "1850/51 is out of range: give a financial year from 1900/01 to 2100/01"),
    ],
)
def test_financial_year_refuses_what_is_not_one(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        financial_year(text)
    assert str(error.value) == message


def test_price_year_label_is_the_inverse() -> None:
    assert price_year_label(2013) == "2013/14"
    assert price_year_label(1999) == "1999/00"
    assert financial_year(price_year_label(2009)) == 2009


# --- re-basing -------------------------------------------------------------------------


def test_rebase_by_hand() -> None:
    # £109 at 2011/12 prices (index 90) in 2016/17 prices (index 100):
    # 109 x 100 / 90 = 121.111... -> £121.11
    assert rebase(Decimal("109"), "2011/12", "2016/17", SERIES) == Decimal("121.11")
    # and back: 121.11 x 90 / 100 = 108.999 -> £109.00
    assert rebase(Decimal("121.11"), 2016, 2011, SERIES) == Decimal("109.00")


def test_rebase_rounds_half_up_to_the_penny() -> None:
    # 10.01 x 100 / 200 = 5.005 exactly -> £5.01 (half-up; half-even would give 5.00)
    series = {2020: Decimal("200"), 2021: Decimal("100")}
    assert rebase(Decimal("10.01"), 2020, 2021, series) == Decimal("5.01")
    # 10.03 x 100 / 200 = 5.015 -> £5.02
    assert rebase(Decimal("10.03"), 2020, 2021, series) == Decimal("5.02")


def test_rebase_to_the_same_year_needs_no_index() -> None:
    assert rebase(Decimal("38"), "2013/14", "2013-14", {}) == Decimal("38.00")


def test_rebase_names_the_missing_year() -> None:
    with pytest.raises(ValueError, match=r"^the deflator series has no index for 2012/13$"):
        rebase(Decimal("100"), "2012/13", "2016/17", SERIES)
    with pytest.raises(ValueError, match=r"^the deflator series has no index for 2020/21$"):
        rebase(Decimal("100"), 2011, 2020, SERIES)


@given(
    pennies=st.integers(min_value=0, max_value=10**11),
    index_from=st.integers(min_value=1, max_value=200_000),
    index_to=st.integers(min_value=1, max_value=200_000),
)
def test_rebase_is_within_half_a_penny_of_the_exact_value(
    pennies: int, index_from: int, index_to: int
) -> None:
    value = Decimal(pennies) / 100
    series = {2000: Decimal(index_from) / 1000, 2010: Decimal(index_to) / 1000}
    exact = Fraction(value) * Fraction(index_to, index_from)
    got = rebase(value, 2000, 2010, series)
    assert abs(Fraction(got) - exact) <= Fraction(1, 200)
    assert got == got.quantize(Decimal("0.01"))


# --- deflator CSVs ---------------------------------------------------------------------


def test_deflators_from_hm_treasury_layout() -> None:
    read, errors = deflators_from_csv(HMT_CSV)
    assert errors == []
    assert read is not None
    assert read.layout == "hmt"
    assert read.base == "2016/17 = 100"
    # the index column, not the per cent change or money GDP; calendar years ignored
    assert read.indices == {
        2011: Decimal("90.000"),
        2012: Decimal("92.250"),
        2016: Decimal("100.000"),
    }


def test_deflators_from_two_columns() -> None:
    read, errors = deflators_from_csv("\ufefffinancial_year,index\n2011/12,90\n2016-17,100.5\n")
    assert errors == []
    assert read is not None
    assert read.layout == "two_column" and read.base is None
    assert read.indices == {2011: Decimal("90"), 2016: Decimal("100.5")}


def test_deflators_two_column_rows_named() -> None:
    text = (
        "financial_year,index\n"
        "2011/12,90\n"  # row 2
        "2013/15,91\n"  # row 3
        "2014/15,-1\n"  # row 4
        "2011-12,95\n"  # row 5
        "2015/16\n"  # row 6
        "2016/17,lots\n"  # row 7
    )
    read, errors = deflators_from_csv(text)
    assert read is None
    assert [str(e) for e in errors] == [
        "row 3: 2013/15 is not a financial year: 2013 is followed by 2014 (2013/14)",
        "row 4: 2014/15: the index must be above 0, not -1",
        "row 5: 2011/12 appears twice (first on row 2)",
        "row 6: expected 2 columns, found 1",
        "row 7: 2016/17: the index must be a number, not 'lots'",
    ]


def test_deflators_hmt_year_without_index_is_named() -> None:
    text = HMT_CSV.replace('2012-13,92.250,2.50,"1,650,000"', '2012-13,,2.50,"1,650,000"')
    read, errors = deflators_from_csv(text)
    assert read is None
    assert [str(e) for e in errors] == ["row 9: 2012-13 has no index"]


def test_deflators_file_with_no_years() -> None:
    read, errors = deflators_from_csv("Title,,\nnotes only,,\n")
    assert read is None
    assert [str(e) for e in errors] == ["row 1: the file has no financial years with an index"]
    assert [str(e) for e in deflators_from_csv("")[1]] == ["row 1: the file is empty"]


# --- the starter table -----------------------------------------------------------------


def test_starter_rows_map_agencies_to_budget_holders() -> None:
    rows = {row.code: row for row in starter_cost_rows()}
    assert len(rows) == 24
    assert rows["HE4.0"].agency == Agency.NHS and rows["HE4.0"].value == Decimal("109.00")
    assert rows["HE7.10.2"].agency == Agency.SOCIAL_CARE  # Local Authority, Social Services
    assert rows["HO1.0"].agency == Agency.HOUSING  # Local authority, RSL
    assert rows["HO1.0"].agency_detail == "RSL"
    assert rows["HO4.1"].agency == Agency.LOCAL_AUTHORITY  # Local authority, no detail
    assert rows["CR3.0"].agency == Agency.CRIMINAL_JUSTICE
    assert rows["CR3.0"].agency_detail == "Prison"
    assert rows["E&E1.0.1"].agency == Agency.DWP
    assert rows["E&E1.0"].agency == Agency.OTHER
    assert rows["E&E1.0"].agency_detail == "Multiple: DWP"


@pytest.mark.django_db
def test_migration_loads_the_starter_table_with_its_own_model() -> None:
    # Run migration 0002's function with the historical models it sees in a real migrate.
    state = MigrationLoader(connection).project_state(("impact", "0002_starter_unit_costs"))
    migration = import_module("coproduce.impact.migrations.0002_starter_unit_costs")
    UnitCost.objects.filter(organisation__isnull=True).delete()
    migration.load_starter_costs(state.apps, None)
    assert UnitCost.objects.filter(organisation__isnull=True).count() == 24
    migration.load_starter_costs(state.apps, None)
    assert UnitCost.objects.filter(organisation__isnull=True).count() == 24
    migration.remove_starter_costs(state.apps, None)
    assert not UnitCost.objects.filter(organisation__isnull=True).exists()


@pytest.mark.django_db
def test_starter_load_is_idempotent_and_complete() -> None:
    UnitCost.objects.filter(organisation__isnull=True).delete()
    assert starter_costs_load() == 24
    assert starter_costs_load() == 0
    starter = list(UnitCost.objects.filter(organisation__isnull=True))
    assert len(starter) == 24
    for cost in starter:
        assert financial_year(cost.price_year) >= 2006, cost.code
        assert price_year_label(financial_year(cost.price_year)) == cost.price_year
        assert cost.source == "GMCA (New Economy) Unit Cost Database v1.4, March 2015"
        assert cost.kind == CostKind.FISCAL
    arrest = UnitCost.objects.get(organisation__isnull=True, code="CR7.0")
    assert (arrest.value, arrest.price_year, arrest.agency) == (
        Decimal("593.00"),
        "2006/07",
        Agency.POLICE,
    )


@pytest.mark.django_db
def test_starter_load_brings_a_changed_row_back_into_line(starter: None) -> None:
    UnitCost.objects.filter(organisation__isnull=True, code="HE4.0").update(value_pence=100)
    assert starter_costs_load() == 0
    assert UnitCost.objects.get(organisation__isnull=True, code="HE4.0").value == Decimal("109")


# --- an organisation's own costs -------------------------------------------------------


@pytest.mark.django_db
def test_unit_cost_add_saves_and_records(world: Any) -> None:
    cost = _add(world, price_year="2023-24", value="1,045.5")
    cost.refresh_from_db()
    assert cost.organisation_id == world.org.pk
    assert (cost.code, cost.value, cost.price_year) == ("HC1", Decimal("1045.50"), "2023/24")
    assert cost.agency == "la_social_care" and cost.kind == "fiscal"
    entry = HistoryEntry.objects.get(action="impact.unit_cost_add")
    assert entry.organisation_id == world.org.pk
    assert entry.actor_id == world.people["manager"].pk
    assert entry.detail == {"code": "HC1", "price_year": "2023/24"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"price_year": ""},
            "price_year",
            "Give the price year: the financial year, like 2013/14.",
        ),
        (
            {"price_year": "2013/15"},
            "price_year",
            "The price year 2013/15 is not a financial year: 2013 is followed by 2014 (2013/14).",
        ),
        (
            {"price_year": "2024"},
            "price_year",
            "The price year '2024' is not a financial year: write it like 2013/14.",
        ),
        ({"value": "-0.01"}, "value", "A unit cost can't be negative."),
        ({"value": "cheap"}, "value", "Give the value in pounds, like 109.50."),
        ({"value": "NaN"}, "value", "Give the value in pounds, like 109.50."),
        ({"value": "10.005"}, "value", "Give the value to the penny (at most 2 decimal places)."),
        ({"value": "1000000000000"}, "value", "A unit cost must be below £1,000,000,000,000."),
        ({"source": "  "}, "source", "Give the unit cost's source (where the figure comes from)."),
        (
            {"agency": "council"},
            "agency",
            "Choose the budget holder that bears the cost: NHS, Local authority social care, "
            "Local authority (other), Police, Criminal justice, DWP, Housing, Education, Other.",
        ),
        ({"kind": "moral"}, "kind", "Choose the kind of cost: fiscal, economic, social."),
        ({"code": ""}, "code", "Give the unit cost's code."),
        ({"code": "X" * 41}, "code", "The code can be at most 40 characters."),
        ({"description": ""}, "description", "Give the unit cost's description."),
        (
            {"code": "HE4.0"},
            "code",
            "HE4.0 is already a unit cost of the starter table; choose another code.",
        ),
    ],
)
@pytest.mark.django_db
def test_unit_cost_add_refuses_each_bad_field(
    world: Any, starter: None, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        _add(world, **fields)
    assert (error.value.field, error.value.message) == (field, message)
    assert not UnitCost.objects.filter(organisation=world.org).exists()


@pytest.mark.django_db
def test_unit_cost_add_refuses_a_code_twice(world: Any) -> None:
    _add(world)
    with pytest.raises(InvalidInput) as error:
        _add(world, value="50")
    assert error.value.field == "code"
    assert error.value.message == (
        "HC1 is already a unit cost of your organisation; choose another code."
    )
    assert UnitCost.objects.get(organisation=world.org).value == Decimal("45.50")


@pytest.mark.django_db
def test_unit_cost_add_is_for_managers(world: Any) -> None:
    with pytest.raises(PermissionDenied) as denied:
        _add(world, role="member")
    assert denied.value.message == (
        "You need to be a manager or above of this organisation to add unit costs."
    )
    with pytest.raises(PermissionDenied):
        _add(world, role="coordinator")
    with pytest.raises(NotFound):
        _add(world, role="outsider")
    assert not UnitCost.objects.filter(organisation__isnull=False).exists()
    assert _add(world, role="admin").code == "HC1"


@pytest.mark.django_db
def test_unit_costs_lists_the_starter_table_and_own_costs(
    world: Any, starter: None, django_assert_num_queries: Any
) -> None:
    _add(world)
    _add(world, code="HC2", agency=Agency.NHS, value="12")
    unit_cost_add(
        viewer=world.viewer("outsider"),
        organisation_id=world.other_org.pk,
        code="NG1",
        description="Northgate's own",
        unit="Per hour",
        value="9",
        price_year="2022/23",
        agency=Agency.OTHER,
        kind=CostKind.SOCIAL,
        source="Northgate",
    )
    member = world.viewer("member")
    with django_assert_num_queries(1):
        listed = list(unit_costs(member, world.org.pk))
    codes = [cost.code for cost in listed]
    assert len(listed) == 26
    assert "HC1" in codes and "HC2" in codes and "NG1" not in codes
    agencies = [cost.agency for cost in listed]
    assert agencies == sorted(agencies)
    assert [cost.code for cost in listed if cost.agency == Agency.NHS] == [
        "E&E1.0.2",
        "HC2",
        "HE14.0.1",
        "HE20.2",
        "HE3.0",
        "HE4.0",
        "HE4.1",
        "HE4.2",
        "HE7.0.2",
        "HE7.10",
        "HE7.10.1",
    ]
    with pytest.raises(NotFound):
        unit_costs(world.viewer("outsider"), world.org.pk)


@pytest.mark.django_db
def test_unit_cost_in_rebases_a_starter_cost(starter: None) -> None:
    ae = UnitCost.objects.get(organisation__isnull=True, code="HE4.0")
    # 109 x 100 / 90 = 121.11 (2011/12 -> 2016/17)
    assert unit_cost_in(ae, "2016/17", SERIES) == Decimal("121.11")
    with pytest.raises(ValueError, match=r"^the deflator series has no index for 2017/18$"):
        unit_cost_in(ae, "2017/18", SERIES)


# --- the deflator series ---------------------------------------------------------------


@pytest.mark.django_db
def test_deflator_import_hm_treasury_csv(world: Any) -> None:
    assert deflator_series(world.org.pk) == {}
    imported = deflator_import(viewer=_manager(world), organisation_id=world.org.pk, text=HMT_CSV)
    assert imported == {2011: Decimal("90"), 2012: Decimal("92.25"), 2016: Decimal("100")}
    assert deflator_series(world.org.pk) == imported
    assert deflator_series(world.other_org.pk) == {}
    years = list(DeflatorYear.objects.filter(organisation=world.org))
    assert [y.financial_year for y in years] == ["2011/12", "2012/13", "2016/17"]
    assert {y.source for y in years} == {
        "HM Treasury, GDP deflators at market prices (financial year 2016/17 = 100)"
    }
    entry = HistoryEntry.objects.get(action="impact.deflator_import")
    assert entry.detail["years"] == 3 and entry.detail["first"] == "2011/12"


@pytest.mark.django_db
def test_deflator_import_two_columns_replaces_the_series(world: Any) -> None:
    deflator_import(viewer=_manager(world), organisation_id=world.org.pk, text=HMT_CSV)
    text = "financial_year,index\n2020/21,95.5\n2021/22,100\n"
    with pytest.raises(InvalidInput) as error:
        deflator_import(viewer=_manager(world), organisation_id=world.org.pk, text=text)
    assert error.value.field == "source"
    assert error.value.message == (
        "Say where the series comes from, like HM Treasury, GDP deflators at market prices, "
        "and the release."
    )
    assert sorted(deflator_series(world.org.pk)) == [2011, 2012, 2016]
    deflator_import(
        viewer=_manager(world),
        organisation_id=world.org.pk,
        text=text,
        source="Our finance team's series, 2021/22 = 100",
    )
    assert deflator_series(world.org.pk) == {2020: Decimal("95.5"), 2021: Decimal("100")}


@pytest.mark.django_db
def test_deflator_import_with_a_bad_row_saves_nothing(world: Any) -> None:
    deflator_import(viewer=_manager(world), organisation_id=world.org.pk, text=HMT_CSV)
    with pytest.raises(InvalidInput) as error:
        deflator_import(
            viewer=_manager(world),
            organisation_id=world.org.pk,
            text="financial_year,index\n2020/21,0\n",
            source="Ours",
        )
    assert error.value.field == "text"
    assert error.value.message == (
        "Nothing was saved. Fix these rows: row 2: 2020/21: the index must be above 0, not 0."
    )
    assert sorted(deflator_series(world.org.pk)) == [2011, 2012, 2016]


@pytest.mark.django_db
def test_deflator_import_is_for_managers(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        deflator_import(viewer=world.viewer("member"), organisation_id=world.org.pk, text=HMT_CSV)
    with pytest.raises(NotFound):
        deflator_import(viewer=world.viewer("outsider"), organisation_id=world.org.pk, text=HMT_CSV)
    assert not DeflatorYear.objects.exists()


@pytest.mark.django_db
def test_deflator_year_set_copies_the_default_series_first(world: Any, starter: None) -> None:
    # No service writes the default series (none is shipped); an operator's rows stand in.
    for year, index in (("2011/12", "90"), ("2016/17", "100")):
        DeflatorYear.objects.create(financial_year=year, index=Decimal(index), source="Default")
    assert deflator_series(world.org.pk) == SERIES
    deflator_year_set(
        viewer=_manager(world),
        organisation_id=world.org.pk,
        financial_year="2012-13",
        index="92.5",
        source="Our estimate",
    )
    assert deflator_series(world.org.pk) == {**SERIES, 2012: Decimal("92.5")}
    deflator_year_set(
        viewer=_manager(world),
        organisation_id=world.org.pk,
        financial_year="2011/12",
        index=Decimal("91"),
        source="Revised",
    )
    assert deflator_series(world.org.pk) == {
        2011: Decimal("91"),
        2012: Decimal("92.5"),
        2016: Decimal("100"),
    }
    # the default series and another organisation's view of it are untouched
    assert deflator_series(world.other_org.pk) == SERIES
    # 109 x 100 / 91 = 119.780... -> £119.78 with the organisation's own series
    ae = UnitCost.objects.get(organisation__isnull=True, code="HE4.0")
    assert unit_cost_in(ae, "2016/17", deflator_series(world.org.pk)) == Decimal("119.78")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"financial_year": "2012/14"},
            "financial_year",
            "2012/14 is not a financial year: 2012 is followed by 2013 (2012/13).",
        ),
        ({"index": "0"}, "index", "The index must be above 0, not 0."),
        ({"index": "high"}, "index", "The index must be a number, not 'high'."),
        ({"source": ""}, "source", "Give the index's source (where the index comes from)."),
    ],
)
@pytest.mark.django_db
def test_deflator_year_set_refuses_each_bad_field(
    world: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {"financial_year": "2012/13", "index": "92.5", "source": "Ours"}
    values.update(fields)
    with pytest.raises(InvalidInput) as error:
        deflator_year_set(viewer=_manager(world), organisation_id=world.org.pk, **values)
    assert (error.value.field, error.value.message) == (field, message)
    assert not DeflatorYear.objects.exists()
