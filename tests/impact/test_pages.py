"""Impact's pages through the test client: each renders for the roles that may open it, forms
post through the services and show errors on the field at fault, confirmation pages come
before anything that cannot be undone, the report page polls while it is built, and the
downloads are a PDF and a spreadsheet. Who may open which page is walked for every role in
tests/web/test_permission_matrix.py (tests/impact/routes_*.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coproduce.impact.models import (
    Agency,
    DeflatorYear,
    IndicatorAgreement,
    IndicatorBenefit,
    IndicatorStatus,
    OutcomeIndicator,
    OutcomeRecord,
    ReportStatus,
    UnitCost,
    ValueMap,
    WellbeingResponse,
)
from coproduce.impact.navigation import dashboard_panels, nav_items
from coproduce.impact.services import costs as cost_services
from coproduce.impact.services.outcomes import outcome_verify
from coproduce.impact.services.wellbeing import response_record
from tests.conftest import World
from tests.impact.routes_costs import DEFLATOR_CSV
from tests.impact.routes_indicators import SERVICE, indicator_for, record_for
from tests.impact.routes_reports import report_for
from tests.impact.routes_value_maps import VALUE_MAP_CSV, value_map_for
from tests.impact.routes_wellbeing import number_of


def _page(response: Any) -> str:
    return str(response.content.decode())


def _field_error(page: str, field_id: str) -> str:
    """The error message shown under a field (the field template's ``<id>-error``)."""
    found = re.search(
        rf'id="{re.escape(field_id)}-error"><span class="visually-hidden">Error:</span> ([^<]*)<',
        page,
    )
    assert found, f"no error shown on {field_id}"
    return found.group(1).replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


# --- home, menu and dashboard ------------------------------------------------------------------


def test_the_home_lists_what_each_role_may_open(world: World) -> None:
    member = _page(world.client("member").get(reverse("impact:home")))
    assert "Holy Cross Time Bank" in member
    assert reverse("impact:indicator_propose", args=[world.org.pk]) in member
    assert reverse("impact:report_list", args=[world.org.pk]) not in member
    commissioner = _page(world.client("commissioner").get(reverse("impact:home")))
    assert reverse("impact:report_list", args=[world.org.pk]) in commissioner
    assert reverse("impact:value_map_list", args=[world.org.pk]) in commissioner
    assert reverse("impact:indicator_propose", args=[world.org.pk]) not in commissioner
    # The outsider's own organisation is listed, never world.org.
    outsider = _page(world.client("outsider").get(reverse("impact:home")))
    assert "Northgate Time Bank" in outsider and "Holy Cross Time Bank" not in outsider


def test_the_menu_item_and_the_commissioners_dashboard_link(world: World) -> None:
    assert [item.label for item in nav_items(world.viewer("member"))] == ["Impact"]
    dashboard = _page(world.client("commissioner").get(reverse("web:dashboard")))
    assert reverse("impact:report_list", args=[world.org.pk]) in dashboard
    assert 'href="/impact/">Impact</a>' in dashboard
    member = _page(world.client("member").get(reverse("web:dashboard")))
    assert reverse("impact:report_list", args=[world.org.pk]) not in member


def test_dashboard_panels_show_indicators_to_agree_and_records_to_verify(world: World) -> None:
    waiting = indicator_for(world)
    panels = {p.title: p for p in dashboard_panels(world.viewer("member"))}
    assert list(panels) == ["Outcome indicators waiting for your view"]
    rows = panels["Outcome indicators waiting for your view"].context["rows"]
    assert [row["indicator"].pk for row in rows] == [waiting.pk]
    record = record_for(world)
    coordinator = {p.title: p for p in dashboard_panels(world.viewer("coordinator"))}
    records = coordinator["Outcome records waiting to be verified"].context["rows"]
    assert [row["record"].pk for row in records] == [record.pk]
    # the staff member entered it: they cannot verify it, so it is not waiting for them
    assert "Outcome records waiting to be verified" not in {
        p.title for p in dashboard_panels(world.viewer("staff"))
    }
    page = _page(world.client("coordinator").get(reverse("web:dashboard")))
    assert reverse("impact:outcome_verify", args=[record.pk]) in page


# --- outcome indicators ------------------------------------------------------------------------


def test_the_indicator_list_filters_by_service_and_pages(
    world: World, django_assert_num_queries: Any
) -> None:
    for _ in range(26):
        indicator_for(world)
    indicator_for(world, service="Befriending", name="Fewer lonely weeks")
    client = world.client("member")
    url = reverse("impact:indicator_list", args=[world.org.pk])
    first = _page(client.get(url))
    assert "27 indicators" in first and "Page 1 of 2 (27 in all)" in first
    assert first.count('href="/impact/indicators/') == 25
    befriending = _page(client.get(url, {"service": "Befriending"}))
    assert "1 indicator of Befriending" in befriending and "Fewer lonely weeks" in befriending
    assert "Crises handled here" not in befriending
    assert client.get(url, {"service": "No such service"}).status_code == 400
    # the session, the user, their person and memberships; the services named (indicators,
    # value maps); the count; the organisation; the menu and the unread notifications; the
    # page of indicators, their budget holders and their agreements with who agreed
    with django_assert_num_queries(13):
        assert client.get(url, {"page": "2"}).status_code == 200


def test_the_commissioner_sees_how_many_agreed_not_who(world: World) -> None:
    indicator = indicator_for(world, agreed_by="staff")
    url = reverse("impact:indicator_detail", args=[indicator.pk])
    member = _page(world.client("member").get(url))
    assert "Pat Proposer" in member and "Staff Person" in member
    commissioner = _page(world.client("commissioner").get(url))
    assert "Pat Proposer" not in commissioner and "Staff Person" not in commissioner
    assert "1 person agreed that this measures what matters." in commissioner
    listing = _page(
        world.client("commissioner").get(reverse("impact:indicator_list", args=[world.org.pk]))
    )
    assert "Pat Proposer" not in listing and "1 person" in listing


def _proposal(**changes: str) -> dict[str, str]:
    data = {
        "name": "Nights at home",
        "service": SERVICE,
        "description": "Not having to go into hospital.",
        "how_measured": "Bed days avoided, from the ward's letters.",
        "unit": "bed day",
        "concerns": "Members known to the mental-health team",
        "split_rule": "stated",
        "confidence_grade": "2",
        "agency_1": "nhs",
        "share_1": "60",
        "cashable_1": "on",
        "agency_2": "la_social_care",
        "share_2": "40",
    }
    data.update(changes)
    return data


def test_proposing_saves_the_indicator_with_its_budget_holders(world: World) -> None:
    cost = UnitCost.objects.get(organisation__isnull=True, code="HE4.0")
    client = world.client("member")
    url = reverse("impact:indicator_propose", args=[world.org.pk])
    form = _page(client.get(url))
    assert f'<option value="{cost.pk}">HE4.0 A&amp;E attendance' in form
    assert "Budget holder 4" in form and "Grade 6: 40% off for optimism bias" in form
    response = client.post(url, _proposal(unit_cost=str(cost.pk)))
    indicator = OutcomeIndicator.objects.get(name="Nights at home")
    assert response.status_code == 302
    assert response["Location"] == reverse("impact:indicator_detail", args=[indicator.pk])
    assert (indicator.unit_cost, indicator.split_rule, indicator.confidence_grade) == (
        cost,
        "stated",
        2,
    )
    assert indicator.proposed_by == world.people["member"]
    benefits = {
        b.agency: (b.share_percent, b.cashable)
        for b in IndicatorBenefit.objects.filter(indicator=indicator)
    }
    assert benefits == {
        Agency.NHS: (Decimal("60.00"), True),
        Agency.SOCIAL_CARE: (Decimal("40.00"), False),
    }
    page = _page(client.get(response["Location"]))
    assert "Cashable" in page and "60%" in page and "Not cashable (capacity freed)" in page


def test_shares_that_do_not_add_up_are_shown_on_the_first_budget_holder(world: World) -> None:
    response = world.client("member").post(
        reverse("impact:indicator_propose", args=[world.org.pk]), _proposal(share_2="30")
    )
    assert response.status_code == 400
    assert "add up to" in _field_error(_page(response), "id_agency_1")
    assert not OutcomeIndicator.objects.filter(name="Nights at home").exists()


def test_the_proposal_form_refuses_what_it_can_check_on_the_field(world: World) -> None:
    other = cost_services.unit_cost_add(
        viewer=world.viewer("outsider"),
        organisation_id=world.other_org.pk,
        code="NORTH1",
        description="Their own cost",
        unit="per visit",
        value="10",
        price_year="2024/25",
        agency="nhs",
        kind="fiscal",
        source="Northgate's budget",
    )
    url = reverse("impact:indicator_propose", args=[world.org.pk])
    client = world.client("member")
    # another organisation's unit cost is not one of the choices
    page = _page(client.post(url, _proposal(unit_cost=str(other.pk))))
    assert "Select a valid choice" in _field_error(page, "id_unit_cost")
    page = _page(client.post(url, _proposal(agency_2="nhs")))
    assert _field_error(page, "id_agency_2") == "This budget holder is already listed above."
    page = _page(client.post(url, _proposal(agency_2="", share_1="100")))
    assert _field_error(page, "id_agency_2") == "Choose the budget holder this share is for."
    indicator_for(world, name="Nights at home")
    page = _page(client.post(url, _proposal()))
    assert "already has an indicator called Nights at home" in _field_error(page, "id_name")


def test_agreeing_adopting_and_retiring_an_indicator(world: World) -> None:
    indicator = indicator_for(world)
    detail = reverse("impact:indicator_detail", args=[indicator.pk])
    member = world.client("member")
    assert "I agree this measures what matters" in _page(member.get(detail))
    response = member.post(
        reverse("impact:indicator_agree", args=[indicator.pk]), {"comment": "It does."}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert IndicatorAgreement.objects.filter(
        indicator=indicator, person=world.people["member"], comment="It does."
    ).exists()
    again = _page(member.get(detail))
    assert "You agreed to this indicator." in again
    assert "I agree this measures what matters" not in again
    # agreeing twice is said at the top of the form
    twice = member.post(reverse("impact:indicator_agree", args=[indicator.pk]), {})
    assert twice.status_code == 400
    assert "You have already agreed to this indicator." in _page(twice)

    manager = world.client("manager")
    adopt = reverse("impact:indicator_adopt", args=[indicator.pk])
    assert "1 person has agreed to it." in _page(manager.get(adopt))
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.PROPOSED  # the page only asks
    assert manager.post(adopt, {}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.AGREED
    assert indicator.adopted_by == world.people["manager"]

    retire = reverse("impact:indicator_retire", args=[indicator.pk])
    confirm = _page(manager.get(retire))
    assert "This cannot be undone" in confirm and "Retire the indicator" in confirm
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.AGREED
    assert manager.post(retire, {}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.RETIRED
    retired_again = manager.post(retire, {})
    assert retired_again.status_code == 400 and "already retired" in _page(retired_again)


def test_adopting_before_anyone_else_agreed_is_refused_on_the_page(world: World) -> None:
    indicator = indicator_for(world)
    response = world.client("manager").post(
        reverse("impact:indicator_adopt", args=[indicator.pk]), {}
    )
    assert response.status_code == 400
    assert "Someone other than the person who proposed this indicator must agree" in _page(response)
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.PROPOSED


def test_recording_an_outcome_from_the_indicator_page(world: World) -> None:
    indicator = indicator_for(world, adopted=True)
    staff = world.client("staff")
    detail = _page(staff.get(reverse("impact:indicator_detail", args=[indicator.pk])))
    assert "Record an outcome" in detail
    assert f'action="{reverse("impact:outcome_record", args=[indicator.pk])}"' in detail
    today = timezone.localdate()
    url = reverse("impact:outcome_record", args=[indicator.pk])
    response = staff.post(
        url,
        {
            "period_start": str(today - timedelta(days=7)),
            "period_end": str(today + timedelta(days=7)),
            "quantity": "2",
            "evidence": "The register.",
        },
    )
    assert response.status_code == 400
    assert _field_error(_page(response), "id_period_end") == (
        "Record a period once it has ended: not in the future."
    )
    response = staff.post(
        url,
        {
            "period_start": str(today - timedelta(days=7)),
            "period_end": str(today - timedelta(days=1)),
            "quantity": "2.5",
            "evidence": "The register.",
        },
    )
    assert response.status_code == 302
    record = OutcomeRecord.objects.get(indicator=indicator)
    assert (record.quantity, record.recorded_by) == (Decimal("2.50"), world.people["staff"])
    # the records carry evidence: a member sees none of them
    member = _page(
        world.client("member").get(reverse("impact:indicator_detail", args=[indicator.pk]))
    )
    assert "The register." not in member and "Outcome records" not in member


def test_verifying_a_record_asks_first_and_never_by_its_recorder(world: World) -> None:
    record = record_for(world, recorder="coordinator")
    url = reverse("impact:outcome_verify", args=[record.pk])
    own = _page(world.client("coordinator").get(url))
    assert "You entered this record: someone else must verify it." in own
    assert "Verify the record" not in own
    manager = world.client("manager")
    confirm = _page(manager.get(url))
    assert "This cannot be undone" in confirm and "The review log." in confirm
    record.refresh_from_db()
    assert record.verified_at is None
    response = manager.post(url, {"note": "Checked against the register."})
    assert response.status_code == 302
    assert response["Location"] == reverse("impact:indicator_detail", args=[record.indicator_id])
    record.refresh_from_db()
    assert record.verified_by == world.people["manager"]
    assert record.verification_note == "Checked against the register."
    # the recorder posting anyway is refused by the service
    other = record_for(world, recorder="coordinator")
    refused = world.client("coordinator").post(
        reverse("impact:outcome_verify", args=[other.pk]), {}
    )
    assert refused.status_code == 403


# --- wellbeing ---------------------------------------------------------------------------------


def test_staff_enter_ons4_answers_by_membership_number(world: World) -> None:
    client = world.client("staff")
    url = reverse("impact:wellbeing_record", args=[world.org.pk, "ons4"])
    form = _page(client.get(url))
    assert "Overall, how satisfied are you with your life nowadays?" in form
    assert "Crown copyright" in form
    number = number_of(world, "member")
    typed = f" {number[:3].lower()}-{number[3:]} "  # as someone might copy it from a card
    response = client.post(
        url,
        {
            "number": typed,
            "taken_on": str(timezone.localdate()),
            "service": SERVICE,
            "life_satisfaction": "6",
            "worthwhile": "7",
            "happiness": "5",
            "anxiety": "3",
        },
    )
    assert response.status_code == 302
    saved = WellbeingResponse.objects.get()
    assert (saved.person, saved.instrument, saved.answers) == (
        world.people["member"],
        "ons4",
        [6, 7, 5, 3],
    )


def test_a_number_that_is_not_an_active_members_is_refused_on_the_field(world: World) -> None:
    url = reverse("impact:wellbeing_record", args=[world.org.pk, "ons4"])
    outsider_number = str(world.other_org.memberships.get(person=world.outsider).number)
    answers = {
        "taken_on": str(timezone.localdate()),
        "life_satisfaction": "6",
        "worthwhile": "7",
        "happiness": "5",
        "anxiety": "11",
    }
    page = _page(world.client("staff").post(url, {**answers, "number": outsider_number}))
    assert _field_error(page, "id_anxiety") == "Ensure this value is less than or equal to 10."
    response = world.client("staff").post(
        url, {**answers, "anxiety": "3", "number": outsider_number}
    )
    assert response.status_code == 400
    assert _field_error(_page(response), "id_number") == (
        f"No active member of Holy Cross Time Bank has the number “{outsider_number}”."
    )
    assert not WellbeingResponse.objects.exists()


def test_swemwbs_needs_the_licence_and_shows_item_scores_only(world: World) -> None:
    client = world.client("staff")
    url = reverse("impact:wellbeing_record", args=[world.org.pk, "swemwbs"])
    without = _page(client.get(url))
    assert "once your organisation has recorded that it holds the licence" in without
    assert 'name="item_1"' not in without
    assert client.post(url, {"number": number_of(world, "member")}).status_code == 200
    assert not WellbeingResponse.objects.exists()

    manager = world.client("manager")
    licence_url = reverse("impact:wellbeing_licence", args=[world.org.pk])
    refused = manager.post(licence_url, {"held": "on", "reference": ""})
    assert refused.status_code == 400
    assert "Give the licence number" in _field_error(_page(refused), "id_reference")
    assert manager.post(licence_url, {"held": "on", "reference": "W-2026-42"}).status_code == 302

    form = _page(client.get(url))
    labels = re.findall(r'<label class="label" for="id_item_\d">([^<]*)', form)
    assert labels == [f"Item {n} score" for n in range(1, 8)]
    # no statement of the scale is shown, only item numbers
    assert "I've been feeling" not in form
    response = client.post(
        url,
        {
            "number": number_of(world, "member"),
            "taken_on": str(timezone.localdate()),
            **{f"item_{n}": "4" for n in range(1, 8)},
        },
    )
    assert response.status_code == 302
    saved = WellbeingResponse.objects.get(instrument="swemwbs")
    assert saved.answers == [4] * 7 and saved.score is not None


def _answers(world: World, role: str, days_ago: int, scores: list[int]) -> None:
    response_record(
        viewer=world.viewer("staff"),
        organisation_id=world.org.pk,
        person_id=world.people[role].pk,
        instrument="ons4",
        taken_on=timezone.localdate() - timedelta(days=days_ago),
        answers=scores,
        service=SERVICE,
    )


def test_a_member_sees_their_own_answers_and_their_change(world: World) -> None:
    _answers(world, "member", 60, [4, 5, 4, 6])
    _answers(world, "member", 2, [7, 7, 6, 3])
    _answers(world, "staff", 2, [9, 9, 9, 0])
    page = _page(world.client("member").get(reverse("impact:wellbeing_home", args=[world.org.pk])))
    assert "Life satisfaction 7 out of 10" in page and "Life satisfaction 4 out of 10" in page
    assert "9 out of 10" not in page  # the staff member's answers are theirs
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*'
        r'<td class="numeric">([^<]+)</td>\s*<td>(Better|Worse|About the same)',
        page,
    )
    assert rows == [
        ("Life satisfaction", "3", "Better"),
        ("Worthwhile", "2", "Better"),
        ("Happiness", "2", "Better"),
        ("Anxiety", "-3", "Better"),
    ]
    assert reverse("impact:wellbeing_record", args=[world.org.pk, "ons4"]) not in page


def test_the_cohort_page_draws_charts_and_suppresses_small_groups(world: World) -> None:
    url = reverse("impact:wellbeing_cohort", args=[world.org.pk])
    for role in ("member", "staff", "coordinator", "manager"):
        _answers(world, role, 100, [5, 5, 5, 5])
        _answers(world, role, 5, [7, 6, 6, 4])
    commissioner = world.client("commissioner")
    small = _page(commissioner.get(url))
    assert small.count("Not shown: fewer than 5 people answered twice") == 4
    assert "ONS4 personal wellbeing: mean score" not in small
    _answers(world, "admin", 100, [5, 5, 5, 5])
    _answers(world, "admin", 5, [7, 6, 6, 4])
    shown = _page(commissioner.get(url))
    assert "ONS4 personal wellbeing: mean score, first and last answers" in shown
    assert "People whose score improved" in shown
    assert "Not shown" not in shown
    assert re.search(r'<th scope="row">Life satisfaction</th>\s*<td class="numeric">5</td>', shown)
    # a period with nobody in it
    empty = _page(commissioner.get(url, {"start": "2001-01-01", "end": "2001-12-31"}))
    assert empty.count("Not shown: fewer than 5 people answered twice") == 4
    backwards = commissioner.get(url, {"start": "2026-02-01", "end": "2026-01-01"})
    assert backwards.status_code == 400
    assert _field_error(_page(backwards), "id_end") == "The end must be on or after the start."


# --- unit costs and deflators ------------------------------------------------------------------


def test_unit_costs_are_paged_and_added_by_managers(world: World) -> None:
    starters = UnitCost.objects.filter(organisation__isnull=True).count()
    for index in range(51 - starters):
        cost_services.unit_cost_add(
            viewer=world.viewer("manager"),
            organisation_id=world.org.pk,
            code=f"OWN{index:02d}",
            description="Peer support session",
            unit="Per session",
            value="45",
            price_year="2024/25",
            agency="la_social_care",
            kind="fiscal",
            source="Our budget",
        )
    url = reverse("impact:unit_cost_list", args=[world.org.pk])
    member = _page(world.client("member").get(url))
    assert "51 unit costs" in member and "Page 1 of 2 (51 in all)" in member
    assert "£109" in member and "HE4.0" in member
    assert reverse("impact:unit_cost_add", args=[world.org.pk]) not in member
    add = reverse("impact:unit_cost_add", args=[world.org.pk])
    manager = world.client("manager")
    data = {
        "code": "HE4.0",
        "description": "A&E again",
        "unit": "per incident",
        "value": "120.50",
        "price_year": "2024/25",
        "agency": "nhs",
        "kind": "fiscal",
        "source": "Our own figures",
    }
    taken = manager.post(add, data)
    assert taken.status_code == 400
    assert _field_error(_page(taken), "id_code") == (
        "HE4.0 is already a unit cost of the starter table; choose another code."
    )
    bad_year = manager.post(add, {**data, "code": "OWN-AE", "price_year": "2024/26"})
    assert "is not a financial year" in _field_error(_page(bad_year), "id_price_year")
    assert manager.post(add, {**data, "code": "OWN-AE"}).status_code == 302
    cost = UnitCost.objects.get(organisation=world.org, code="OWN-AE")
    assert (cost.value_pence, cost.price_year) == (12050, "2024/25")


def test_the_deflator_series_is_edited_a_year_at_a_time_or_imported(world: World) -> None:
    url = reverse("impact:deflators", args=[world.org.pk])
    member = _page(world.client("member").get(url))
    assert "No deflator series yet" in member and "Set one year's index" not in member
    manager = world.client("manager")
    year_url = reverse("impact:deflator_year_set", args=[world.org.pk])
    bad = manager.post(year_url, {"financial_year": "2024", "index": "100", "source": "HMT"})
    assert bad.status_code == 400
    assert "is not a financial year" in _field_error(_page(bad), "year-financial_year")
    response = manager.post(
        year_url, {"financial_year": "2024/25", "index": "100", "source": "HMT"}
    )
    assert response.status_code == 302 and response["Location"] == url
    import_url = reverse("impact:deflator_import", args=[world.org.pk])
    broken = manager.post(
        import_url,
        {
            "file": SimpleUploadedFile("d.csv", b"financial_year,index\n2023/24,minus\n"),
            "source": "HMT",
        },
    )
    assert broken.status_code == 400
    assert _field_error(_page(broken), "import-file").startswith("Nothing was saved.")
    response = manager.post(
        import_url,
        {"file": SimpleUploadedFile("d.csv", DEFLATOR_CSV), "source": "HMT, March 2026"},
    )
    assert response.status_code == 302
    years = dict(
        DeflatorYear.objects.filter(organisation=world.org).values_list("financial_year", "index")
    )
    assert years == {"2023/24": Decimal("98.500000"), "2024/25": Decimal("100.000000")}
    page = _page(world.client("member").get(url))
    assert "2 years in Holy Cross Time Bank's series" in page and "98.5" in page


# --- value maps --------------------------------------------------------------------------------


def _upload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Befriending SROI",
        "service": "Befriending",
        "inputs": "Volunteers' time.",
        "investment": "1000",
        "discount_rate": "3.5",
        "discount_year_one": "on",
        "file": SimpleUploadedFile("map.csv", VALUE_MAP_CSV.encode()),
    }
    data.update(changes)
    return data


def test_a_value_map_upload_names_the_bad_row_on_the_file(world: World) -> None:
    url = reverse("impact:value_map_upload", args=[world.org.pk])
    form = _page(world.client("manager").get(url))
    assert "stakeholder,outcome,indicator,quantity,financial_proxy" in form
    assert "Discount year one" in form and "year one counts in full" in form
    bad = VALUE_MAP_CSV.replace("GMCA HE4.0,25", "GMCA HE4.0,125")
    response = world.client("manager").post(
        url, _upload(file=SimpleUploadedFile("map.csv", bad.encode()))
    )
    assert response.status_code == 400
    message = _field_error(_page(response), "id_file")
    assert "row 2" in message and "deadweight" in message
    assert not ValueMap.objects.exists()
    response = world.client("manager").post(url, _upload(investment="0"))
    assert "greater than or equal to 0.01" in _field_error(_page(response), "id_investment")


def test_a_value_maps_page_shows_its_sroi_and_the_discounting(world: World) -> None:
    response = world.client("manager").post(
        reverse("impact:value_map_upload", args=[world.org.pk]), _upload()
    )
    assert response.status_code == 302
    value_map = ValueMap.objects.get(title="Befriending SROI")
    page = _page(world.client("commissioner").get(response["Location"]))
    assert "3.50% a year, year 1 discounted" in page
    assert "Value in each year, before discounting" in page
    assert re.findall(r'<span class="chart-label">(Year \d)</span>', page) == [
        "Year 1",
        "Year 2",
        "Year 3",
    ]
    assert "Sensitivity" in page and "Members: Fewer crises" in page
    assert "of value for each £1 invested" in page and "Payback" in page
    assert "Delete this value map" not in page  # commissioners read, managers delete
    undiscounted = value_map_for(world, title="Undiscounted", discount_year_one=False)
    page = _page(
        world.client("manager").get(reverse("impact:value_map_detail", args=[undiscounted.pk]))
    )
    assert "year 1 not discounted" in page and "Delete this value map" in page
    listing = _page(
        world.client("coordinator").get(reverse("impact:value_map_list", args=[world.org.pk]))
    )
    assert "2 value maps" in listing and value_map.title in listing


def test_deleting_a_value_map_asks_first(world: World) -> None:
    value_map = value_map_for(world)
    url = reverse("impact:value_map_delete", args=[value_map.pk])
    client = world.client("manager")
    page = _page(client.get(url))
    assert "This cannot be undone" in page and "its 2 outcomes" in page
    assert ValueMap.objects.filter(pk=value_map.pk).exists()
    response = client.post(url, {})
    assert response["Location"] == reverse("impact:value_map_list", args=[world.org.pk])
    assert not ValueMap.objects.filter(pk=value_map.pk).exists()


# --- evaluation reports ------------------------------------------------------------------------


def test_asking_for_a_report_shows_errors_on_the_field(world: World) -> None:
    url = reverse("impact:report_request", args=[world.org.pk])
    client = world.client("commissioner")
    form = _page(client.get(url))
    assert '<option value="" selected>Every service</option>' in form
    today = timezone.localdate()
    backwards = client.post(
        url, {"period_start": str(today), "period_end": str(today - timedelta(days=1))}
    )
    assert backwards.status_code == 400
    assert _field_error(_page(backwards), "id_period_end") == (
        "The period must end on or after the day it starts."
    )
    year = client.post(
        url,
        {
            "period_start": str(today - timedelta(days=30)),
            "period_end": str(today),
            "price_year": "2024/2026",
        },
    )
    assert "is not a financial year" in _field_error(_page(year), "id_price_year")
    response = client.post(
        url, {"period_start": str(today - timedelta(days=30)), "period_end": str(today)}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/impact/reports/")


def test_a_report_being_built_polls_with_htmx_and_has_no_downloads_yet(world: World) -> None:
    report = report_for(world, built=False)
    assert report.status == ReportStatus.QUEUED
    client = world.client("manager")
    url = reverse("impact:report_detail", args=[report.pk])
    page = _page(client.get(url))
    assert f'hx-get="{url}" hx-trigger="every 2s" hx-swap="outerHTML"' in page
    assert '<progress id="report-progress" max="100" value="0">' in page
    assert "<script>" not in page  # the policy allows no inline script
    assert reverse("impact:report_pdf", args=[report.pk]) not in page
    fragment = _page(client.get(url, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="report-body"') and "<html" not in fragment
    assert client.get(reverse("impact:report_pdf", args=[report.pk])).status_code == 409
    assert client.get(reverse("impact:report_xlsx", args=[report.pk])).status_code == 409


def test_a_finished_report_shows_every_section_with_its_charts(world: World) -> None:
    record = record_for(world, quantity=12)
    indicator = record.indicator
    indicator.unit_cost = UnitCost.objects.get(organisation__isnull=True, code="HE4.0")
    indicator.save(update_fields=["unit_cost"])  # valued in money, as a proposal could be
    outcome_verify(viewer=world.viewer("coordinator"), record_id=record.pk)
    value_map_for(world)
    report = report_for(world)
    assert report.status == ReportStatus.DONE, report.error
    page = _page(
        world.client("commissioner").get(reverse("impact:report_detail", args=[report.pk]))
    )
    headings = re.findall(r'<h2 id="report-section-\d+">([^<]+)</h2>', page)
    assert headings == [
        "Summary",
        "Hours",
        "Outcomes",
        "Wellbeing",
        "Value by budget holder",
        "SROI",
        "Network",
    ]
    assert "A figure about fewer than 5 people is not shown" in page
    assert "Discounting of the SROI:</strong> Every value map: 3.5% a year, year 1 discounted" in (
        page
    )
    assert "Value by budget holder, after optimism bias" in page
    assert "NHS — cashable" in page or "NHS — non-cashable" in page
    assert "Day service SROI: value in each year, before discounting" in page
    assert "hx-get" not in page  # done: no more polling
    assert "Pat Proposer" not in page and "Staff Person" not in page


def test_the_downloads_are_a_pdf_and_a_spreadsheet(world: World) -> None:
    report = report_for(world)
    client = world.client("coordinator")
    pdf = client.get(reverse("impact:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="evaluation-report-{report.pk}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("impact:report_xlsx", args=[report.pk]))
    assert xlsx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx["Content-Disposition"] == (
        f'attachment; filename="evaluation-report-{report.pk}.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames[0] == "Summary"


def test_another_organisations_report_is_not_found(world: World) -> None:
    report = report_for(world)
    outsider: Client = world.client("outsider")
    for name in ("impact:report_detail", "impact:report_pdf", "impact:report_xlsx"):
        assert outsider.get(reverse(name, args=[report.pk])).status_code == 404


def test_the_value_map_and_report_lists_take_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    for index in range(3):
        value_map_for(world, title=f"Map {index}")
        report_for(world, built=False)
    client = world.client("commissioner")
    # the session, the user, their person and memberships; the menu and the unread
    # notifications; the page's count and rows (and, for value maps, their outcomes); the
    # organisation
    with django_assert_num_queries(10):
        page = _page(client.get(reverse("impact:value_map_list", args=[world.org.pk])))
    assert "3 value maps" in page
    with django_assert_num_queries(9):
        page = _page(client.get(reverse("impact:report_list", args=[world.org.pk])))
    assert "3 reports" in page and page.count("Waiting to start") == 3
