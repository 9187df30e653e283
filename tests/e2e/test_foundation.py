"""A person signs in and sees their dashboard; every page the foundation adds passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.people import services
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    # live_server is plain http on 127.0.0.1, which Chromium treats as secure; keep the
    # production setting and only relax the CSRF origin check for the random port.
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


def test_coordinator_signs_in_and_sees_the_dashboard(page: Any, world: World) -> None:
    sign_in(page, "coordinator@a.example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Coordinator Person")
    expect(page.get_by_text("Applications waiting for a decision")).to_be_visible()
    assert axe_violations(page) == []


def test_wrong_password_shows_an_error_summary(page: Any, world: World) -> None:
    page.goto("/account/login/")
    page.get_by_label("Email address").fill("member@a.example.org")
    page.get_by_label("Password").fill("not-the-password")
    submit(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/join/",
        "/organisations/",
        "/account/login/",
        "/account/password-reset/",
        "/accessibility/",
    ],
)
def test_public_pages_have_no_axe_violations(page: Any, world: World, path: str) -> None:
    page.goto(path)
    assert axe_violations(page) == [], path


def test_signed_in_pages_have_no_axe_violations(page: Any, world: World) -> None:
    member = world.people["member"]
    services.skill_add(viewer=world.viewer("member"), person=member, kind="offer", label="Baking")
    sign_in(page, "coordinator@a.example.org", PASSWORD)
    membership = world.org.memberships.get(person=member)
    for path in [
        "/dashboard/",
        "/profile/",
        "/profile/tokens/new/",
        f"/organisations/{world.org.slug}/",
        f"/organisations/{world.org.slug}/members/",
        f"/organisations/{world.org.slug}/members/new/",
        f"/organisations/{world.org.slug}/applications/",
        f"/memberships/{membership.pk}/",
        f"/people/{member.pk}/",
        f"/people/{member.pk}/vetting/",
    ]:
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1, path
        assert axe_violations(page) == [], path


def test_form_errors_are_linked_and_pass_axe(page: Any, world: World) -> None:
    sign_in(page, "coordinator@a.example.org", PASSWORD)
    page.goto(f"/organisations/{world.org.slug}/members/new/")
    submit(page, page.get_by_role("button", name="Add person"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="This field is required.").first).to_be_visible()
    assert axe_violations(page) == []
