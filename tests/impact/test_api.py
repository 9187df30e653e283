"""The impact API through the test client: an indicator proposed, agreed, adopted, recorded
and verified; its value by budget holder and its outcome totals; wellbeing answers; a value
map's SROI; an evaluation report built (the tests' task backend runs it at once) and read."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.impact.models import UnitCost
from coproduce.impact.services.costs import starter_costs_load
from tests.impact.routes_api import VALUE_MAP_CSV

pytestmark = pytest.mark.django_db
API = "/api/v1/impact"


def _post(client: Any, path: str, data: Any = None) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data or {}), content_type="application/json")


def _indicator(world: Any, **fields: Any) -> dict[str, Any]:
    body = {
        "service": "Day service",
        "name": "A crisis that did not end in A&E",
        "description": "Coming here instead of A&E.",
        "how_measured": "Counted at reviews.",
        "unit": "A&E attendance avoided",
        "concerns": "Members with a crisis plan",
        "benefits": [{"agency": "nhs"}],
        **fields,
    }
    response = _post(world.client("member"), f"/organisations/{world.org.pk}/indicators", body)
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_an_indicator_goes_from_proposed_to_verified_records_and_value(world: Any) -> None:
    starter_costs_load()
    cost = UnitCost.objects.get(organisation__isnull=True, code="HE4.0")  # £109, 2011/12
    made = _indicator(world, unit_cost_id=cost.pk)
    assert made["status"] == "proposed" and made["agreements"] == 0
    assert made["benefits"] == [
        {"agency": "nhs", "label": "NHS", "share_percent": None, "cashable": False}
    ]
    # The proposer's own agreement does not count; another member's does.
    assert _post(world.client("member"), f"/indicators/{made['id']}/agreements").status_code == 409
    assert _post(world.client("staff"), f"/indicators/{made['id']}/agreements").status_code == 201
    adopted = _post(world.client("manager"), f"/indicators/{made['id']}/adopt")
    assert adopted.json()["status"] == "agreed"

    today = timezone.localdate()
    start, end = today - timedelta(days=60), today - timedelta(days=31)
    recorded = _post(
        world.client("staff"),
        f"/indicators/{made['id']}/records",
        {
            "period_start": str(start),
            "period_end": str(end),
            "quantity": "6",
            "evidence": "Crisis log, last month.",
        },
    )
    assert recorded.status_code == 201, recorded.content
    record = recorded.json()
    # The recorder may not verify their own record (a coordinator may).
    assert _post(world.client("staff"), f"/records/{record['id']}/verify").status_code == 403
    assert _post(world.client("manager"), f"/records/{record['id']}/verify").json()["verified"]

    window = f"start={start}&end={end}"
    value = world.client("commissioner").get(
        f"{API}/organisations/{world.org.pk}/value?{window}&price_year=2011/12"
    )
    assert value.status_code == 200, value.content
    # 6 x £109 = £654.00 gross; grade 3 takes 10% off: £588.60, all the NHS's, non-cashable.
    figures = value.json()
    assert (figures["gross_pence"], figures["adjusted_pence"]) == (65400, 58860)
    assert figures["rows"] == [
        {
            "agency": "nhs",
            "label": "NHS",
            "cashable_pence": 0,
            "non_cashable_pence": 58860,
            "total_pence": 58860,
        }
    ]
    totals = world.client("commissioner").get(
        f"{API}/organisations/{world.org.pk}/outcome-totals?{window}"
    )
    assert [(t["quantity"], t["suppressed"]) for t in totals.json()] == [(6.0, False)]


def test_a_record_with_a_negative_quantity_or_backwards_period_is_refused(world: Any) -> None:
    made = _indicator(world)
    _post(world.client("staff"), f"/indicators/{made['id']}/agreements")
    _post(world.client("manager"), f"/indicators/{made['id']}/adopt")
    today = timezone.localdate()
    body = {
        "period_start": str(today - timedelta(days=10)),
        "period_end": str(today - timedelta(days=1)),
        "quantity": "-1",
        "evidence": "Log.",
    }
    negative = _post(world.client("staff"), f"/indicators/{made['id']}/records", body)
    assert negative.status_code == 422
    backwards = _post(
        world.client("staff"),
        f"/indicators/{made['id']}/records",
        {
            **body,
            "quantity": "1",
            "period_start": body["period_end"],
            "period_end": str(today - timedelta(days=5)),
        },
    )
    assert backwards.status_code == 400
    assert backwards.json()["error"]["field"] in {"period_end", "period_start"}


def test_an_indicator_with_no_budget_holder_is_refused_naming_the_field(world: Any) -> None:
    response = _post(
        world.client("member"),
        f"/organisations/{world.org.pk}/indicators",
        {
            "service": "Day service",
            "name": "Feel less alone",
            "description": "d",
            "how_measured": "h",
            "unit": "person",
            "concerns": "c",
            "benefits": [],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "benefits"


def test_wellbeing_answers_entered_by_staff_are_read_back_by_the_person(world: Any) -> None:
    member = world.people["member"]
    response = _post(
        world.client("staff"),
        f"/organisations/{world.org.pk}/wellbeing-responses",
        {
            "person_id": member.pk,
            "instrument": "ons4",
            "taken_on": str(timezone.localdate()),
            "answers": [6, 7, 5, 3],
        },
    )
    assert response.status_code == 201, response.content
    mine = world.client("member").get(
        f"{API}/organisations/{world.org.pk}/wellbeing-responses/mine"
    )
    assert [r["answers"] for r in mine.json()] == [[6, 7, 5, 3]]
    # Someone else's answers are not theirs to read.
    assert (
        world.client("staff")
        .get(f"{API}/organisations/{world.org.pk}/wellbeing-responses/mine")
        .json()
        == []
    )
    swemwbs = _post(
        world.client("staff"),
        f"/organisations/{world.org.pk}/wellbeing-responses",
        {
            "person_id": member.pk,
            "instrument": "swemwbs",
            "taken_on": str(timezone.localdate()),
            "answers": [3, 3, 3, 3, 3, 3, 3],
        },
    )
    assert swemwbs.status_code == 400  # no licence recorded
    assert swemwbs.json()["error"]["field"] == "instrument"


def test_a_value_map_reads_back_with_its_sroi_and_a_bad_row_is_named(world: Any) -> None:
    body = {
        "service": "Day service",
        "title": "Day service SROI",
        "inputs": "The broker's post.",
        "investment": "1000",
        "csv": VALUE_MAP_CSV,
    }
    made = _post(world.client("manager"), f"/organisations/{world.org.pk}/value-maps", body)
    assert made.status_code == 201, made.content
    sroi = made.json()["sroi"]
    # 10 x £109 x 0.75 x 0.8 = £654 in year 1; £523.20 in year 2 (20% drop-off); discounted
    # at 3.5% from year 1: 654/1.035 + 523.2/1.035^2 = 631.884 + 488.413 = £1,120.30.
    assert sroi["per_year"] == [654.0, 523.2]
    assert sroi["present_value"] == 1120.3
    assert sroi["discounting"] == "year 1 discounted"
    bad = _post(
        world.client("manager"),
        f"/organisations/{world.org.pk}/value-maps",
        {**body, "csv": VALUE_MAP_CSV.replace(",25,0,20,", ",125,0,20,")},
    )
    assert bad.status_code == 400
    assert "row 2" in bad.json()["error"]["message"]
    assert "deadweight" in bad.json()["error"]["message"]


def test_a_report_is_built_and_read_by_the_commissioner_without_small_counts(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        asked = _post(
            world.client("commissioner"),
            f"/organisations/{world.org.pk}/reports",
            {"period_start": str(today - timedelta(days=90)), "period_end": str(today)},
        )
    assert asked.status_code == 202, asked.content
    report = world.client("commissioner").get(f"{API}/reports/{asked.json()['id']}").json()
    assert report["status"] == "done" and report["progress"] == 100
    figures = report["figures"]
    # The test world's bank has fewer than five active members: hours and network not shown.
    assert figures["hours"]["suppressed"] and figures["network"]["suppressed"]
    assert figures["suppression_threshold"] == 5
    listed = world.client("manager").get(f"{API}/organisations/{world.org.pk}/reports").json()
    assert [(r["id"], r["figures"]) for r in listed["items"]] == [(asked.json()["id"], None)]
