"""A social-prescribing referral in the browser: Colin, a link worker, types in a GP's
referral letter (a missing required item is named, and nothing is written until it is
given), accepts it for a member, records the support offered and an outcome, and downloads
the message back to the referrer as JSON coded with SNOMED CT 871731000000106; the manager
reads the access log and finds his read. Every page passes axe."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.coordination import demo
from coproduce.coordination.models import Referral
from coproduce.directory import demo as directory_demo
from coproduce.people import demo as people_demo
from coproduce.people.models import Membership
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = "RMP-2026-0199"


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_referrals() -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    directory_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())


def test_a_link_worker_receives_a_referral_and_sends_the_message_back(
    page: Any, demo_referrals: None
) -> None:
    home = people_demo.organisation(people_demo.HOME)
    member = (
        Membership.objects.filter(
            organisation=home, role="member", status="active", person__user__isnull=True
        )
        .exclude(pk__in=Referral.objects.filter(membership__isnull=False).values("membership"))
        .select_related("person")
        .order_by("pk")
        .first()
    )
    assert member is not None
    name = member.person.full_name
    today = timezone.localdate()
    received = Referral.objects.count()

    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="receive a referral"))
    expect(page.get_by_role("heading", name="Type in a referral letter")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("The referrer's reference").fill(REFERENCE)
    page.get_by_label("Referrer's name", exact=True).fill("Dr Asha Mehta")
    page.get_by_label("Referring organisation (such as the GP practice)", exact=True).fill(
        "Riverside Medical Practice"
    )
    page.get_by_label("Date of the referral").fill(today.isoformat())
    page.get_by_label("The person agreed to share their information with this service").check()
    page.get_by_label("Person's name", exact=True).fill(name)
    page.get_by_label("Person's address", exact=True).fill("12 Mill Lane\nRiverside")
    page.get_by_label("Person's needs and concerns (why they are referred)", exact=True).fill(
        "Lonely since moving here; would like to meet people and get out more."
    )
    # The date of birth is left out.
    submit(page, page.get_by_role("button", name="Receive the referral"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The referral is missing the person's date of birth.")
    expect(summary.get_by_role("link")).to_have_count(1)
    assert Referral.objects.count() == received
    assert axe_violations(page) == []
    # The link in the summary takes you to the field; what was typed is kept.
    summary.get_by_role("link").click()
    expect(page.get_by_label("Person's date of birth", exact=True)).to_be_focused()
    expect(page.get_by_label("Person's name", exact=True)).to_have_value(name)
    page.get_by_label("Person's date of birth", exact=True).fill("1958-03-14")
    submit(page, page.get_by_role("button", name="Receive the referral"))
    expect(page.get_by_text(f"Referral {REFERENCE} is received.")).to_be_visible()
    referral = Referral.objects.get(reference=REFERENCE)
    assert referral.status == "received"
    assert Referral.objects.count() == received + 1
    assert axe_violations(page) == []

    submit(page, page.get_by_role("link", name="Accept", exact=True))
    assert axe_violations(page) == []
    page.get_by_label("They are already a member: I have their membership number").check()
    page.get_by_role("textbox", name="Their membership number").fill(member.number)
    submit(page, page.get_by_role("button", name="Accept the referral"))
    expect(page.get_by_text(f"Accepted: {member.person.display_name} is linked.")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.membership == member

    submit(page, page.get_by_role("link", name="Record support offered"))
    assert axe_violations(page) == []
    page.get_by_label("What was offered or introduced").fill(
        "Walk and Talk on Saturdays; Sunita meets them at the park gates the first time."
    )
    page.get_by_label("What kind of support").select_option(label="A peer support group")
    page.get_by_label("Link to a peer support group").select_option(label="Walk and Talk")
    submit(page, page.get_by_role("button", name="Record the support"))
    expect(page.get_by_text("The support offered is recorded.")).to_be_visible()
    # Read as words, not stored codes: the kind of support by its label, dates written out.
    written = f"{today.day} {today:%B %Y}"
    expect(
        page.get_by_role("listitem").filter(has_text="Walk and Talk on Saturdays")
    ).to_contain_text(f"(A peer support group, offered on {written}; group: Walk and Talk)")
    expect(page.get_by_role("definition").filter(has_text="14 March 1958")).to_have_count(1)

    submit(page, page.get_by_role("link", name="Record an outcome"))
    assert axe_violations(page) == []
    page.get_by_label("What has changed for the person").fill(
        "Goes to the walk most weeks and has made two friends there."
    )
    submit(page, page.get_by_role("button", name="Record the outcome"))
    expect(page.get_by_text("The outcome is recorded.")).to_be_visible()
    expect(page.get_by_text("Goes to the walk most weeks")).to_be_visible()
    assert axe_violations(page) == []

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download the message back as JSON").click()
    download = waiting.value
    assert download.suggested_filename == f"referral-{REFERENCE}-message-back.json"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert "871731000000106" in body
    message = json.loads(body)
    assert message["reference"] == REFERENCE
    assert "Walk and Talk" in body and "made two friends" in body

    # The manager reads the access log: Colin's read of the referral is there.
    page.context.clear_cookies()
    sign_in(page, "manager@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="access log"))
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    read = (
        page.get_by_role("row")
        .filter(has_text="Colin Reyes")
        .filter(has_text="referral")
        .filter(has_text=member.person.display_name)
    )
    expect(read.first).to_be_visible()
    assert axe_violations(page) == []
