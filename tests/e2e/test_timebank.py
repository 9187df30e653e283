"""A member signs in, sees their time-bank balance and proposes an exchange; every page on
the way passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.timebank import services
from coproduce.timebank.models import Exchange
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import axe_violations, sign_in, submit
from tests.timebank.factories import give, join, member, viewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


def test_member_sees_balance_and_proposes_an_exchange(page: Any, world: World) -> None:
    mo = join(world.org, "Mo Hassan", "member@example.org", world.people["admin"], "Mo")
    ana = member(world, "Ana")
    give(world, mo, ana, 90)
    offer = services.listing_create(
        viewer=viewer(ana),
        organisation=world.org,
        kind="offer",
        title="Help with the garden",
        category="gardening",
        availability="Weekends",
    )

    sign_in(page, "member@example.org", PASSWORD)
    submit(page, page.get_by_role("link", name="Time bank", exact=True))
    expect(page.get_by_test_id("balance")).to_have_text("\u22121:30")
    assert axe_violations(page) == []

    submit(page, page.get_by_role("link", name="Browse offers and requests"))
    page.get_by_label("Search").fill("garden")
    submit(page, page.get_by_role("button", name="Search"))
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Help with the garden"))
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Ask for this"))
    page.get_by_label("How long will it take?").fill("1:30")
    page.get_by_label("What is the exchange?").fill("Tidy the front garden")
    assert axe_violations(page) == []
    submit(page, page.get_by_role("button", name="Send proposal"))
    page.wait_for_url("**/timebank/exchanges/*/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidy the front garden")
    assert axe_violations(page) == []

    exchange = Exchange.objects.get()
    assert (exchange.listing_id, exchange.minutes, exchange.receiver_id) == (offer.pk, 90, mo.pk)


def test_coordinator_pages_pass_axe(page: Any, world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 60)
    sign_in(page, "coordinator@a.example.org", PASSWORD)
    for name in ["queue", "transfer_list", "limits", "statistics", "record_group", "agreements"]:
        from django.urls import reverse

        page.goto(reverse(f"timebank:{name}", args=[world.org.pk]))
        assert page.get_by_role("heading", level=1).count() == 1, name
        assert axe_violations(page) == [], name
