"""Peer support groups in the browser: Mo, a member who facilitates a group, schedules a
meeting and records who came; Colin, a time bank broker, confirms posting the session's hours
in one transfer, and a second posting is refused; another member joins a group with room.
Every page passes axe."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.coordination import demo
from coproduce.coordination.models import Attendance, GroupMember, Meeting, PeerGroup
from coproduce.directory import demo as directory_demo
from coproduce.people import demo as people_demo
from coproduce.timebank.models import Transfer
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_groups() -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    directory_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())


def test_a_facilitator_records_a_meeting_and_a_broker_posts_its_hours(
    page: Any, demo_groups: None
) -> None:
    group = PeerGroup.objects.get(name="Hearing Voices group")
    present = ["Mo Hassan", "Sunita Patel", "Una Ahmed"]
    # yesterday afternoon (local time): a meeting that has happened, at an hour no demo
    # meeting uses
    held = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    held -= timedelta(days=1)

    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="peer support groups"))
    expect(page.get_by_role("heading", name="Peer support groups", level=1)).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Hearing Voices group"))
    expect(page.get_by_role("heading", name="Hearing Voices group", level=1)).to_be_visible()
    assert axe_violations(page) == []

    submit(page, page.get_by_role("link", name="Schedule a meeting"))
    assert axe_violations(page) == []
    page.get_by_label("Date and time it starts").fill(held.strftime("%Y-%m-%dT%H:%M"))
    # The place starts empty: the group's "when and where" is shown as a reminder, not
    # typed in as the place.
    expect(page.get_by_label("Where")).to_have_value("")
    expect(page.get_by_text("The group usually meets: Thursdays 6pm")).to_be_visible()
    page.get_by_label("How long (minutes)").fill("90")
    page.get_by_label("Where").fill("Holy Cross Centre, upstairs room")
    page.get_by_label("Notes for the group").fill("A catch-up before the holidays.")
    submit(page, page.get_by_role("button", name="Schedule the meeting"))
    expect(page.get_by_text("The meeting is in the group's diary.")).to_be_visible()
    meeting = Meeting.objects.get(group=group, starts_at=held)
    assert (meeting.minutes, meeting.place) == (90, "Holy Cross Centre, upstairs room")

    submit(page, page.get_by_role("link", name=held.strftime("%-d %b %Y, %H:%M")))
    expect(page.get_by_text("Attendance not recorded yet")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Record who was there"))
    assert axe_violations(page) == []
    # Sending nobody says so and writes nothing.
    submit(page, page.get_by_role("button", name="Save who was there"))
    expect(page.get_by_role("alert")).to_contain_text("Mark at least one person present.")
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert axe_violations(page) == []
    for name in present:
        page.get_by_label(name, exact=True).check()
    submit(page, page.get_by_role("button", name="Save who was there"))
    expect(page.get_by_text("Attendance recorded: 3 present.")).to_be_visible()
    expect(
        page.get_by_text("waiting for a time bank broker to post 4 hours 30 minutes")
    ).to_be_visible()
    assert sorted(
        Attendance.objects.filter(meeting=meeting, present=True).values_list(
            "membership__person__full_name", flat=True
        )
    ) == sorted(present)
    assert axe_violations(page) == []

    # Colin, a time bank broker, finds the meeting in his queue and confirms the posting.
    page.context.clear_cookies()
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/organisations/{group.organisation_id}/groups/")
    expect(page.get_by_role("heading", name="Hours waiting to be posted")).to_be_visible()
    assert axe_violations(page) == []
    queue_link = page.get_by_role(
        "link",
        name=re.compile(rf"^Hearing Voices group, {held.day} {held:%B %Y}\W+post the hours$"),
    )
    submit(page, queue_link)
    expect(
        page.get_by_role("heading", name="Post the hours for Hearing Voices group")
    ).to_be_visible()
    expect(page.get_by_text("4 hours 30 minutes in all")).to_be_visible()
    assert axe_violations(page) == []

    # A second tab holds the same confirmation, to try posting twice.
    second = page.context.new_page()
    second.goto(page.url)
    before = Transfer.objects.count()
    submit(page, page.get_by_role("button", name="Post 4 hours 30 minutes"))
    expect(
        page.get_by_text("4 hours 30 minutes posted: 3 people earn 1 hour 30 minutes each.")
    ).to_be_visible()
    assert Transfer.objects.count() == before + 1
    meeting.refresh_from_db()
    assert meeting.group_exchange is not None
    assert meeting.group_exchange.minutes_each == 90
    assert axe_violations(page) == []

    submit(second, second.get_by_role("button", name="Post 4 hours 30 minutes"))
    expect(second.get_by_role("alert")).to_contain_text(
        "This meeting's hours are already posted to the time bank."
    )
    assert second.get_by_role("button", name="Post 4 hours 30 minutes").count() == 0
    assert Transfer.objects.count() == before + 1
    assert axe_violations(second) == []
    second.close()


def test_a_member_joins_a_group_with_places(page: Any, demo_groups: None) -> None:
    """Sunita (staff, taking part as a member like anyone else) joins the Men's Shed."""
    group = PeerGroup.objects.get(name="Men's Shed")
    sign_in(page, "staff@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="peer support groups"))
    submit(page, page.get_by_role("link", name="Men's Shed"))
    expect(page.get_by_text("3 of 15 left")).to_be_visible()
    submit(page, page.get_by_role("link", name="Join the group"))
    expect(page.get_by_role("heading", name="Join Men's Shed?")).to_be_visible()
    expect(page.get_by_text("3 places left.")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("button", name="Join the group"))
    expect(page.get_by_text("You are now in Men's Shed.")).to_be_visible()
    expect(page.get_by_text("2 of 15 left")).to_be_visible()
    assert GroupMember.objects.filter(
        group=group, membership__person__user__email="staff@example.org", left_at__isnull=True
    ).exists()
    assert axe_violations(page) == []
