"""Round pages through the test client: opening, inviting, links shown once, closing after a
confirmation; the audits menu item and the dashboard panels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import Respondent, Round
from coproduce.audit.navigation import dashboard_panels, nav_items
from coproduce.audit.services.rounds import round_invite, token_hash
from tests.audit.factories import round_for


def _client(world: Any, role: str) -> Client:
    client: Client = world.client(role)
    return client


def test_a_manager_opens_a_round_from_the_page(world: Any) -> None:
    today = timezone.localdate()
    response = _client(world, "manager").post(
        reverse("audit:round_open", args=[world.org.pk]),
        {
            "service": "Day service",
            "title": "Winter audit",
            "opens_on": str(today),
            "closes_on": str(today + timedelta(days=14)),
            "threshold": "5",
        },
    )
    opened = Round.objects.get(title="Winter audit")
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:round_detail", args=[opened.pk])
    assert opened.organisation == world.org and opened.instrument.code == "default"


def test_closing_before_opening_is_refused_on_the_field(world: Any) -> None:
    today = timezone.localdate()
    response = _client(world, "manager").post(
        reverse("audit:round_open", args=[world.org.pk]),
        {
            "service": "Day service",
            "title": "Backwards",
            "opens_on": str(today),
            "closes_on": str(today - timedelta(days=1)),
            "threshold": "5",
        },
    )
    assert response.status_code == 400
    assert "must close on or after the day it opens" in response.content.decode()
    assert not Round.objects.filter(title="Backwards").exists()


def test_another_organisations_person_cannot_be_invited_through_the_form(world: Any) -> None:
    found = round_for(world)
    response = _client(world, "manager").post(
        reverse("audit:round_invite", args=[found.pk]), {"people": [world.outsider.pk]}
    )
    assert response.status_code == 400
    assert not Respondent.objects.filter(round=found).exists()


def test_links_are_shown_once_and_only_their_hash_is_kept(world: Any) -> None:
    found = round_for(world)
    response = _client(world, "manager").post(
        reverse("audit:round_links", args=[found.pk]), {"group": "member", "count": "2"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    made = Respondent.objects.filter(round=found, source="link")
    assert made.count() == 2
    tokens = [part.split("/r/")[1].split("/")[0] for part in page.split("<code>")[1:]]
    assert len(tokens) == 2
    assert {token_hash(t) for t in tokens} == set(made.values_list("token_hash", flat=True))
    again = _client(world, "manager").get(reverse("audit:round_links", args=[found.pk]))
    assert all(t not in again.content.decode() for t in tokens)


def test_closing_asks_first_then_stops_the_round(world: Any) -> None:
    found = round_for(world)
    client = _client(world, "manager")
    url = reverse("audit:round_close", args=[found.pk])
    assert "This cannot be undone" in client.get(url).content.decode()
    found.refresh_from_db()
    assert found.closed_at is None
    assert client.post(url, {}).status_code == 302
    found.refresh_from_db()
    assert found.closed_at is not None
    assert client.post(url, {}).status_code == 400  # already closed: said on the page


def test_the_menu_and_the_waiting_questionnaire(world: Any) -> None:
    found = round_for(world)
    member = world.viewer("member")
    assert [item.label for item in nav_items(member)] == ["Audits"]
    assert dashboard_panels(member) == []
    round_invite(
        viewer=world.viewer("manager"), round_id=found.pk, person_ids=[world.people["member"].pk]
    )
    panels = dashboard_panels(member)
    assert [p.title for p in panels] == ["Questionnaires waiting for you"]
    assert panels[0].context["rows"][0]["url"] == reverse("audit:respond", args=[found.pk])
    managers = dashboard_panels(world.viewer("manager"))
    assert "Audit rounds open now" in [p.title for p in managers]
    home = _client(world, "member").get(reverse("audit:home")).content.decode()
    assert found.title in home and "Answer now" in home
