"""What everyday users miss: charts that read right, results by votes, pages that page,
money in pounds, language names, the API docs from our own files, and the small things
(sign-out message, favicon, a pending application, hours given to the organisation)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from coproduce.budgeting import services as budgeting_services
from coproduce.budgeting.models import Rule
from coproduce.directory.models import Asset
from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import PoundsField
from coproduce.people import services as people_services
from coproduce.people.models import OrganisationKind
from coproduce.people.permissions import viewer_for
from coproduce.timebank import services as timebank_services
from coproduce.timebank.services import AgencyDirection
from coproduce.web.templatetags.web_text import language_names
from tests.budgeting.factories import election
from tests.conftest import PASSWORD, World, make_person

pytestmark = pytest.mark.django_db


def test_chart_labels_are_whole_text_beside_each_bar_with_the_note() -> None:
    html = bar_chart(
        title="Votes for each project",
        rows=[("Raised beds at the allotment", 12, "Funded"), ("Bench", 3, "Not funded")],
        unit="votes",
    )
    labels = re.findall(r'<span class="chart-label">([^<]*)</span>', html)
    assert labels == ["Raised beds at the allotment", "Bench"]
    values = re.findall(r'<span class="chart-value">([^<]*)</span>', html)
    assert values == ["12 votes · Funded", "3 votes · Not funded"]
    # the bar is drawn to scale and hidden from screen readers, which read the text
    assert 'aria-hidden="true"' in html and 'width="25.00"' in html
    assert "chart-bar chart-bar-other" in html


def test_results_list_projects_by_votes_and_say_funded_in_words(world: World) -> None:
    e = election(world, rule=Rule.GREEDY, costs=(10_000, 20_000, 30_000))
    _first, second, third = e.proposals
    budgeting_services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={third.pk: 1}
    )
    budgeting_services.ballot_cast(
        viewer=world.viewer("staff"),
        budget_id=e.budget.pk,
        choices={third.pk: 1, second.pk: 1},
    )
    budgeting_services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    text = world.client("member").get(reverse("budgeting:results", args=[e.budget.pk])).content
    page = text.decode()
    rows = re.findall(r'<th scope="row">(Idea \d)</th>\s*<td class="numeric">(\d+)</td>', page)
    assert rows == [("Idea 3", "2"), ("Idea 2", "1"), ("Idea 1", "0")]
    chart = re.findall(r'<span class="chart-label">(Idea \d)</span>', page)
    assert chart == ["Idea 3", "Idea 2", "Idea 1"]
    assert "2 votes · Funded" in page


def test_gifts_page_shows_fifty_offers_a_page(world: World) -> None:
    member = world.people["member"]
    for index in range(60):
        people_services.skill_add(
            viewer=world.viewer("member"), person=member, kind="offer", label=f"Skill {index:02d}"
        )
    client = world.client("staff")
    first = client.get(reverse("directory:gift_list")).content.decode()
    assert first.count("<tr><td>Skill ") == 50
    assert "Page 1 of 2 (60 in all)" in first
    second = client.get(reverse("directory:gift_list") + "?page=2").content.decode()
    assert second.count("<tr><td>Skill ") == 10 and "Skill 59" in second
    assert client.get(reverse("directory:gift_list") + "?page=x").status_code == 400


def test_budgeting_page_has_one_start_control_for_several_organisations(world: World) -> None:
    second = people_services.organisation_create(
        name="Riverside Tenants", kind=OrganisationKind.TIME_BANK, founder=world.people["admin"]
    )
    client = world.client("admin")
    page = client.get(reverse("budgeting:round_list")).content.decode()
    assert "Start a round for Holy Cross" not in page
    assert page.count('<select class="select" id="start-organisation"') == 1
    assert f'<option value="{second.pk}">Riverside Tenants</option>' in page
    response = client.get(
        reverse("budgeting:round_list"), {"organisation": second.pk, "how": "import"}
    )
    assert response["Location"] == reverse("budgeting:round_import", args=[second.pk])
    response = client.get(reverse("budgeting:round_list"), {"organisation": world.org.pk})
    assert response["Location"] == reverse("budgeting:round_create", args=[world.org.pk])
    # another organisation's id is simply not one of the choices
    response = client.get(reverse("budgeting:round_list"), {"organisation": world.other_org.pk})
    assert response.status_code == 200


def test_budgeting_page_keeps_both_links_for_one_organisation(world: World) -> None:
    page = world.client("manager").get(reverse("budgeting:round_list")).content.decode()
    assert "Start a round for Holy Cross Time Bank" in page
    assert "start-organisation" not in page


class _Money(forms.Form):
    amount = PoundsField(label="Amount")


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("12.50", 1250), ("£1,250", 125_000), (" 0.05 ", 5), ("7", 700), ("0", 0)],
)
def test_pounds_field_reads_pounds_into_pence(typed: str, pence: int) -> None:
    form = _Money({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.505", "Enter an amount in pounds and pence, like 12.50."),
        ("twelve", "Enter an amount in pounds, like 12.50."),
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("99999999", f"Ensure this value is less than or equal to {Decimal('10000000')}."),
    ],
)
def test_pounds_field_names_what_is_wrong(typed: str, message: str) -> None:
    form = _Money({"amount": typed})
    assert not form.is_valid()
    assert form.errors["amount"] == [message]


def test_pounds_field_shows_pence_as_pounds() -> None:
    assert 'value="3.50"' in str(_Money(initial={"amount": 350})["amount"])
    assert 'value="3.5"' in str(_Money({"amount": "3.5"})["amount"])  # as typed


def test_asset_cost_is_typed_in_pounds_and_languages_are_named(world: World) -> None:
    client = world.client("staff")
    response = client.post(
        reverse("directory:asset_create", kwargs={"slug": world.org.slug}),
        {
            "name": "Repair café",
            "category": "association",
            "status": "active",
            "is_public": "on",
            "description": "Bring broken things",
            "cost_pence": "3.50",
            "languages": "en,pl",
        },
    )
    assert response.status_code == 302, response.content.decode()
    asset = Asset.objects.get(name="Repair café")
    assert asset.cost_pence == 350
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "<dd>English, Polish</dd>" in page
    assert "£3.50" in page
    edit = client.get(reverse("directory:asset_edit", kwargs={"pk": asset.pk})).content.decode()
    assert 'name="cost_pence" value="3.50"' in edit
    assert "Cost in pounds" in edit


def test_a_language_code_django_does_not_name_is_shown_as_stored() -> None:
    assert language_names(["en", "pa", "zz", " "]) == "English, Punjabi, zz"


def test_api_docs_load_swagger_ui_from_our_static_files_without_inline_script() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert "/static/api/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in sources
    assert "/static/api/vendor/swagger-ui-5.35.0/swagger-ui.css" in sources
    assert all(source.startswith("/static/") for source in sources), sources
    for script in re.findall(r"<script([^>]*)>", page):
        assert "src=" in script or 'type="application/json"' in script, script
    for name in [
        "api/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js",
        "api/vendor/swagger-ui-5.35.0/swagger-ui.css",
        "api/vendor/swagger-ui-5.35.0/LICENSE",
        "api/docs.js",
    ]:
        assert finders.find(name), name
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_every_page_names_a_favicon_that_exists(world: World) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("web/favicon.svg")


def test_signing_out_says_so(world: World) -> None:
    client = world.client("member")
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_dashboard_shows_an_application_waiting_for_a_decision(world: World) -> None:
    person = make_person("Pat Applicant", "pat@a.example.org")
    people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=world.org, note=""
    )
    client = Client()
    client.force_login(person.user)
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "You asked to join" in page and "Holy Cross Time Bank" in page
    assert "Waiting for a decision" in page


def test_time_given_to_the_organisation_counts_as_hours_you_gave(world: World) -> None:
    staff = world.org.memberships.get(person=world.people["staff"])
    for _ in range(3):
        timebank_services.agency_time_record(
            viewer=world.viewer("coordinator"),
            membership=staff,
            minutes=90,
            direction=AgencyDirection.TO_ORGANISATION,
            reason="Weekly gardening",
        )
    url = reverse("timebank:dashboard", kwargs={"organisation_id": world.org.pk})
    page = world.client("staff").get(url).content.decode()
    assert '<h2>Hours you gave</h2><span class="figure-value">4:30</span>' in page


def test_error_summary_names_each_field(client: Any) -> None:
    response = client.post(
        reverse("people:register"), {"full_name": "", "email": "", "password": PASSWORD}
    )
    page = response.content.decode()
    assert '<a href="#id_full_name">Full name: This field is required.</a>' in page
    assert "Email address: This field is required." in page
