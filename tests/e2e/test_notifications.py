"""A member hears that their proposal was accepted: a count in the header, the news on the
notifications page and an email, end to end in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from coproduce.notifications.models import Notification
from coproduce.timebank import services
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import axe_violations, sign_in, submit
from tests.timebank.factories import join, viewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


def test_member_is_told_when_their_exchange_is_accepted(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    mo = join(world.org, "Mo Hassan", "member@example.org", world.people["admin"], "Mo")
    ana = join(world.org, "Ana Silva", "ana@example.org", world.people["admin"], "Ana")
    Notification.objects.all().delete()  # their welcomes: this test is about the exchange
    exchange = services.exchange_propose(
        viewer=viewer(mo), provider=ana, receiver=mo, minutes=60, description="Tidy the garden"
    )
    mail.outbox.clear()

    # Ana reads the proposal on her notifications page and accepts it.
    other = browser.new_context(base_url=live_server.url, bypass_csp=True)
    ana_page = other.new_page()
    sign_in(ana_page, "ana@example.org", PASSWORD)
    expect(ana_page.locator(".notifications-link")).to_have_text("Notifications 1 unread")
    submit(ana_page, ana_page.get_by_role("link", name="Notifications"))
    assert axe_violations(ana_page) == []
    submit(ana_page, ana_page.get_by_role("link", name="Mo proposed an exchange: Tidy the garden"))
    ana_page.wait_for_url(f"**/timebank/exchanges/{exchange.pk}/")
    expect(ana_page.locator(".notifications-link")).to_have_text("Notifications")
    submit(ana_page, ana_page.get_by_role("link", name="Accept", exact=True))
    submit(ana_page, ana_page.get_by_role("button", name="Accept"))
    expect(ana_page.get_by_role("heading", level=1)).to_have_text("Tidy the garden")
    other.close()

    # Mo sees the count in the header and has an email.
    sign_in(page, "member@example.org", PASSWORD)
    expect(page.locator(".notifications-link")).to_have_text("Notifications 1 unread")
    assert axe_violations(page) == []
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["member@example.org"], "Ana accepted the exchange: Tidy the garden (1:00)")
    ]
    assert "/notifications/unsubscribe/" in mail.outbox[0].body
