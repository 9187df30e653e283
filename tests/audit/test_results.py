"""Results of a round: hand-computed scores, suppression, change since the previous round,
who sees results before close, the PDF and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.pdf import results_pdf
from coproduce.audit.selectors import results as selectors
from coproduce.errors import PermissionDenied
from coproduce.framework.charts import radar_chart
from tests.audit.factories import closed_round_with_answers, paper_responses, round_for
from tests.conftest import World

pytestmark = pytest.mark.django_db

# Staff: ASSETS mean per respondent 4 and 5 alternating -> (4+5+4+5+4)/5 = 4.4
STAFF = [
    {"ASSETS1": 4, "ASSETS2": 4, "PEER1": 3},
    {"ASSETS1": 5, "ASSETS2": 5, "PEER1": 3},
    {"ASSETS1": 4, "ASSETS2": 4, "PEER1": 3},
    {"ASSETS1": 5, "ASSETS2": 5, "PEER1": 3},
    {"ASSETS1": 4, "ASSETS2": 4, "PEER1": 3},
]
# Members: ASSETS 3 and 4 (mean 3.5) each -> 3.5; PEER1 don't know for one.
MEMBER = [
    {"ASSETS1": 3, "ASSETS2": 4, "PEER1": 2},
    {"ASSETS1": 3, "ASSETS2": 4, "PEER1": 2},
    {"ASSETS1": 3, "ASSETS2": 4, "PEER1": 2},
    {"ASSETS1": 3, "ASSETS2": 4, "PEER1": 2},
    {"ASSETS1": 3, "ASSETS2": 4, "PEER1": None},
]


def _section(data: selectors.RoundResult, code: str):  # type: ignore[no-untyped-def]
    return next(row for row in data.result.sections if row.code == code)


def test_hand_computed_scores_gap_and_overall(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER)
    data = selectors.round_result(world.viewer("member"), found.pk)
    assets = _section(data, "assets")
    assert assets.staff.score == Decimal("4.40")
    assert assets.member.score == Decimal("3.50")
    assert assets.gap == Decimal("0.90")
    peer = _section(data, "peer_support")
    # "Don't know" is not an answer: one member answered no PEER item, leaving 4 (< 5).
    assert (peer.staff.score, peer.member.score, peer.member.respondents) == (
        Decimal("3.00"),
        None,
        4,
    )
    # Overall per respondent: staff (4+4+3)/3, (5+5+3)/3 ... ; members (3+4+2)/3 x4, 7/2
    staff_overall = (Decimal(11) / 3 * 3 + Decimal(13) / 3 * 2) / 5
    assert data.result.overall.staff.score == staff_overall.quantize(Decimal("0.01"))
    member_overall = (Decimal(3) * 4 + Decimal("3.5")) / 5
    assert data.result.overall.member.score == member_overall.quantize(Decimal("0.01"))
    assert data.previous is None


def test_a_group_under_the_threshold_has_no_score(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER[:4])
    data = selectors.round_result(world.viewer("manager"), found.pk)
    assets = _section(data, "assets")
    assert assets.member.score is None
    assert assets.member.respondents == 4
    assert assets.gap is None
    page = Client()
    page.force_login(world.people["member"].user)
    html = page.get(reverse("audit:results", args=[found.pk])).content.decode()
    assert "Not shown: fewer than 5 responses" in html
    assert "staff rate this higher than members do" not in html


def test_staff_rating_higher_is_said_in_words(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER)
    page = Client()
    page.force_login(world.people["member"].user)
    html = page.get(reverse("audit:results", args=[found.pk])).content.decode()
    assert "staff rate this higher than members do" in html
    assert "<svg" in html and 'stroke-dasharray="8 5"' in html


def test_change_since_the_previous_round(world: World) -> None:
    earlier = [{"ASSETS1": 3, "ASSETS2": 3}] * 5
    closed_round_with_answers(world, earlier, earlier, days_ago=60, title="Last year")
    found = closed_round_with_answers(world, STAFF, MEMBER)
    data = selectors.round_result(world.viewer("member"), found.pk)
    assert data.previous is not None and data.previous.title == "Last year"
    assert data.change["assets"] == {"staff": Decimal("1.40"), "member": Decimal("0.50")}
    assert data.change["peer_support"] == {"staff": None, "member": None}


def test_results_hidden_from_a_member_before_close_but_shown_to_a_manager(world: World) -> None:
    found = round_for(world)
    paper_responses(world, found, "staff", STAFF)
    with pytest.raises(PermissionDenied):
        selectors.round_result(world.viewer("member"), found.pk)
    assert selectors.round_result(world.viewer("manager"), found.pk).is_closed is False
    page = Client()
    page.force_login(world.people["member"].user)
    assert page.get(reverse("audit:results", args=[found.pk])).status_code == 403
    page.force_login(world.people["manager"].user)
    assert page.get(reverse("audit:results", args=[found.pk])).status_code == 200
    later = timezone.localdate() + timedelta(days=30)
    assert selectors.round_result(world.viewer("member"), found.pk, today=later).is_closed


def test_pdf_holds_the_table_and_the_charts(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER[:4])
    data = selectors.round_result(world.viewer("manager"), found.pk)
    pdf = results_pdf(data)
    assert pdf.startswith(b"%PDF")
    # Two features answered: too few for a radar, which says so rather than draw a line.
    assert b"Too few features have scores shown" in pdf
    assert b"black bars staff" in pdf  # the bar chart's legend
    assert b"Not shown: fewer than 5 responses" in pdf
    wide = {"ASSETS1": 4, "CAPABILITIES1": 3, "MUTUALITY1": 4, "PEER1": 2}
    # Four members: no line for them (a line through made-up points would mislead).
    staff_only = results_pdf(
        selectors.round_result(
            world.viewer("manager"), closed_round_with_answers(world, [wide] * 5, [wide] * 4).pk
        )
    )
    assert b"Solid line: staff." in staff_only and b"Dashed line" not in staff_only
    assert b"No line for members: fewer than 5 responses." in staff_only
    both = results_pdf(
        selectors.round_result(
            world.viewer("manager"), closed_round_with_answers(world, [wide] * 5, [wide] * 5).pk
        )
    )
    assert b"Solid line: staff. Dashed line: members. Not on the chart" in both
    page = Client()
    page.force_login(world.people["member"].user)
    response = page.get(reverse("audit:results_pdf", args=[found.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_csv_rows_and_formula_guard(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER)
    data = selectors.round_result(world.viewer("manager"), found.pk)
    rows = list(csv.reader(io.StringIO(selectors.results_csv(data))))
    assert rows[0] == selectors.CSV_COLUMNS
    assets = next(r for r in rows if r[0] == "assets")
    assert assets[2:7] == ["5", "4.40", "5", "3.50", "0.90"]
    assert rows[-1][0] == "overall"
    assert selectors.csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert selectors.csv_safe("@SUM") == "'@SUM" and selectors.csv_safe("\tx") == "'\tx"
    assert selectors.csv_safe("Peer support") == "Peer support"


def test_api_results_shape(world: World) -> None:
    found = closed_round_with_answers(world, STAFF, MEMBER)
    page = Client()
    page.force_login(world.people["commissioner"].user)
    body = page.get(f"/api/v1/audit/rounds/{found.pk}/results").json()
    assert body["round_id"] == found.pk and body["threshold"] == 5
    assets = next(s for s in body["sections"] if s["code"] == "assets")
    assert assets["staff"] == {"respondents": 5, "score": 4.4}
    assert assets["gap"] == pytest.approx(0.9)
    assert body["previous"] is None


def test_radar_chart_names_axes_and_tells_series_apart_without_colour() -> None:
    html = radar_chart(
        title="Scores",
        axes=["Recognising people as assets", "Peer support", "Mutuality"],
        series=[("Staff", [4, 3, 2]), ("Members", [3, None, 2])],
        minimum=1,
        maximum=5,
        missing="Not shown",
    )
    assert html.count("<polygon") >= 5  # rings and the staff line
    assert 'stroke-dasharray="8 5"' in html
    assert "Peer support" in html and "Not shown" in html
    assert "<script" not in html and "style=" not in html
