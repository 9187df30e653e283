"""Introduction pages and API: the target chooser (linked from matching with ?kind, ?target
and ?goal), the list with its filters and pages, the detail as each side sees it, and the
agree, decline, status and follow-up pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import Introduction, IntroductionStatus
from coproduce.coordination.services import introductions
from coproduce.people.models import SensitiveAccess
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import (
    agreed,
    asset,
    findable,
    goal_of,
    group,
    join,
    member,
    to_group,
    to_person,
)

pytestmark = pytest.mark.django_db


def _client_of(membership_or_person: Any) -> Client:
    person = getattr(membership_or_person, "person", membership_or_person)
    client = Client()
    client.force_login(person.user)
    return client


def _create_url(plan: Any, **query: Any) -> str:
    url = reverse("coordination:introduction_create", args=[plan.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def test_the_matching_page_link_preselects_the_target_and_goal(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)
    other = findable(world, name="Linked Person")
    page = world.client("coordinator").get(
        _create_url(plan, kind="person", target=other.pk, goal=goal.pk)
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{other.pk}" selected>Linked Person ({other.number})</option>' in html
    assert f'<option value="{goal.pk}" selected>' in html
    assert 'value="person" id="id_kind_0" required checked' in html
    hall = asset(world)
    page = world.client("coordinator").get(_create_url(plan, kind="asset", target=hall.pk))
    assert f'<option value="{hall.pk}" selected>' in page.content.decode()
    roomy = group(world)
    page = world.client("coordinator").get(_create_url(plan, kind="group", target=roomy.pk))
    assert f'<option value="{roomy.pk}" selected>' in page.content.decode()


def test_bad_link_parameters_are_clear_errors_and_foreign_targets_not_found(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("coordinator")
    assert client.get(_create_url(plan, kind="robot")).status_code == 400
    bad = client.get(_create_url(plan, kind="person", target="abc"))
    assert bad.status_code == 400
    assert "The person or group in the link is not valid." in bad.content.decode()
    assert client.get(_create_url(plan, kind="asset", target="abc")).status_code == 400
    assert client.get(_create_url(plan, goal="99999999999999999999999")).status_code == 400
    elsewhere = goal_of(plan_for(world), world)
    assert client.get(_create_url(plan, goal=elsewhere.pk)).status_code == 400
    outsider = world.outsider.memberships.get()
    assert client.get(_create_url(plan, kind="person", target=outsider.pk)).status_code == 404
    theirs = group(world, org=world.other_org)
    assert client.get(_create_url(plan, kind="group", target=theirs.pk)).status_code == 404


def test_proposing_through_the_page(world: Any) -> None:
    plan = plan_for(world, name="Pat Plan")
    other = findable(world)
    response = world.client("coordinator").post(
        _create_url(plan),
        {"kind": "person", "number": other.number, "note": "You both like bikes."},
    )
    introduction = Introduction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "coordination:introduction_detail", args=[introduction.pk]
    )
    assert introduction.target_membership == other
    assert introduction.note == "You both like bikes."


def test_introduction_to_oneself_on_the_page_is_a_clear_message_and_nothing_is_written(
    world: Any,
) -> None:
    plan = plan_for(world)
    response = world.client("coordinator").post(
        _create_url(plan), {"kind": "person", "number": plan.membership.number}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "You cannot introduce someone to themselves." in html
    assert 'href="#id_number"' in html  # the error names the field it belongs to
    assert not Introduction.objects.exists()


def test_a_full_group_on_the_page_is_a_clear_message(world: Any) -> None:
    plan = plan_for(world)
    full = group(world, capacity=1)
    join(full, member(world))
    # a linked full group is kept at the top of the list so the message can be shown
    response = world.client("coordinator").post(
        _create_url(plan, kind="group", target=full.pk), {"kind": "group", "group": full.pk}
    )
    assert response.status_code == 200
    assert f"{full.name} is full: all 1 places are taken." in response.content.decode()
    assert not Introduction.objects.exists()


def test_the_form_says_what_is_missing(world: Any) -> None:
    plan = plan_for(world)
    other = findable(world)
    client = world.client("coordinator")
    for data, message in [
        ({}, "This field is required."),
        ({"kind": "person"}, "Give the person&#x27;s membership number or choose them."),
        ({"kind": "group"}, "Choose the group."),
        ({"kind": "asset"}, "Choose the place or service."),
        (
            {"kind": "person", "number": other.number, "person": other.pk},
            "not both",
        ),
        (
            {
                "kind": "person",
                "number": other.number,
                "follow_up_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            },
            "The follow-up date cannot be in the past.",
        ),
    ]:
        response = client.post(_create_url(plan), data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), data
    assert not Introduction.objects.exists()


def test_the_list_pages_filters_and_a_fixed_query_count(
    world: Any, django_assert_num_queries: Any
) -> None:
    plan = plan_for(world)
    for _ in range(27):
        to_group(world, plan)
    person = to_person(world, plan)
    client = world.client("coordinator")
    url = reverse("coordination:introduction_list")
    first = client.get(url)
    assert first.status_code == 200
    html = first.content.decode()
    assert "28 introductions" in html
    assert html.count('href="/coordination/introductions/') == 25
    second = client.get(url, {"page": 2})
    assert second.content.decode().count('href="/coordination/introductions/') == 3
    assert client.get(url, {"page": "x"}).status_code == 400
    introductions.introduction_agree(
        viewer=world.viewer("coordinator"), introduction_id=person.pk, in_person=True
    )
    for i in Introduction.objects.exclude(pk=person.pk)[:2]:
        introductions.introduction_agree(
            viewer=world.viewer("coordinator"), introduction_id=i.pk, in_person=True
        )
    agreed_page = client.get(url, {"status": "agreed"}).content.decode()
    assert "2 introductions" in agreed_page
    assert client.get(url, {"status": "bogus"}).status_code == 400
    by_plan = client.get(url, {"plan": plan.pk}).content.decode()
    assert "28 introductions" in by_plan and "Make an introduction" in by_plan
    other_plan = plan_for(world)
    assert "0 introductions" in client.get(url, {"plan": other_plan.pk}).content.decode()
    # the same number of queries for a short list and a full page
    with django_assert_num_queries(8) as few:
        client.get(url, {"status": "agreed"})
    with django_assert_num_queries(8):
        client.get(url)
    assert len(few.captured_queries) == 8


def test_the_list_with_another_organisations_plan_is_not_found(world: Any) -> None:
    plan = plan_for(world)
    url = reverse("coordination:introduction_list")
    assert world.client("outsider").get(url, {"plan": plan.pk}).status_code == 404
    assert world.client("staff").get(url, {"plan": plan.pk}).status_code == 403


def test_the_other_person_sees_who_and_why_but_not_the_plan(world: Any) -> None:
    plan = plan_for(world, name="Pat Plan")
    goal = goal_of(plan, world)
    other = findable(world, name="Sam Other")
    introduction = to_person(world, plan, other=other, goal_id=goal.pk, note="Bikes!")
    url = reverse("coordination:introduction_detail", args=[introduction.pk])
    # not asked yet: nothing to see
    assert _client_of(other).get(url).status_code == 404
    introductions.introduction_agree(
        viewer=world.viewer("coordinator"), introduction_id=introduction.pk, in_person=True
    )
    page = _client_of(other).get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "An introduction to Pat Plan" in html and "Bikes!" in html
    assert goal.text not in html
    assert reverse("coordination:plan_detail", args=[plan.pk]) not in html
    assert reverse("coordination:introduction_agree", args=[introduction.pk]) in html
    assert not SensitiveAccess.objects.filter(viewer=other.person).exists()
    # the coordinator sees the goal, and the read is logged
    html = world.client("coordinator").get(url).content.decode()
    assert goal.text in html
    assert SensitiveAccess.objects.filter(
        viewer=world.people["coordinator"], object_ref=f"introduction:{introduction.pk}"
    ).exists()


def test_agreeing_on_the_page(world: Any) -> None:
    introduction = to_person(world)
    url = reverse("coordination:introduction_agree", args=[introduction.pk])
    person_client = _client_of(introduction.plan.membership)
    page = person_client.get(url)
    assert "Would you like to be introduced to" in page.content.decode()
    assert person_client.post(url, {}).status_code == 302
    assert Introduction.objects.get(pk=introduction.pk).person_agreed_at is not None
    other_client = _client_of(introduction.target_membership)
    assert other_client.post(url, {}).status_code == 302
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.AGREED
    # nothing left to agree
    assert "Nothing to agree to" in person_client.get(url).content.decode()


def test_the_coordinator_must_tick_that_the_person_agreed_in_person(world: Any) -> None:
    introduction = to_group(world)
    url = reverse("coordination:introduction_agree", args=[introduction.pk])
    client = world.client("coordinator")
    page = client.get(url).content.decode()
    assert "They told me themselves, in person, that they agree" in page
    response = client.post(url, {})
    assert response.status_code == 200
    assert "gave you this answer themselves, in person" in response.content.decode()
    assert Introduction.objects.get(pk=introduction.pk).person_agreed_at is None
    assert client.post(url, {"in_person": "on"}).status_code == 302
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.AGREED


def test_saying_no_asks_for_confirmation_first(world: Any) -> None:
    introduction = to_group(world)
    url = reverse("coordination:introduction_decline", args=[introduction.pk])
    client = _client_of(introduction.plan.membership)
    page = client.get(url).content.decode()
    assert "The introduction will not go ahead" in page
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.PROPOSED
    assert client.post(url, {"reason": "Not my thing"}).status_code == 302
    done = Introduction.objects.get(pk=introduction.pk)
    assert done.status == IntroductionStatus.DIDNT_WORK_OUT
    assert done.outcome_reason.endswith("said no. Not my thing")


def test_recording_how_it_went_and_the_follow_up_on_the_pages(world: Any) -> None:
    introduction = agreed(world)
    client = world.client("coordinator")
    status_url = reverse("coordination:introduction_status", args=[introduction.pk])
    page = client.get(status_url).content.decode()
    assert "closes the introduction for good" in page
    missing = client.post(status_url, {"status": "met"})
    assert "Give the date they met." in missing.content.decode()
    today = timezone.localdate()
    assert (
        client.post(status_url, {"status": "met", "met_on": today.isoformat()}).status_code == 302
    )
    assert Introduction.objects.get(pk=introduction.pk).met_on == today
    no_reason = client.post(status_url, {"status": "didnt_work_out"})
    assert "Say why it didn&#x27;t work out." in no_reason.content.decode()
    follow_url = reverse("coordination:introduction_follow_up", args=[introduction.pk])
    later = today + timedelta(days=10)
    assert client.post(follow_url, {"follow_up_on": later.isoformat()}).status_code == 302
    assert Introduction.objects.get(pk=introduction.pk).follow_up_on == later
    past = client.post(follow_url, {"follow_up_on": (today - timedelta(days=1)).isoformat()})
    assert "The follow-up date cannot be in the past." in past.content.decode()
    # the person cannot open the coordinator's pages
    person_client = _client_of(introduction.plan.membership)
    assert person_client.get(status_url).status_code == 403
    assert person_client.post(follow_url, {"follow_up_on": later.isoformat()}).status_code == 403


def test_another_organisation_gets_404_and_too_low_a_role_403(world: Any) -> None:
    introduction = to_group(world)
    for name in (
        "introduction_detail",
        "introduction_agree",
        "introduction_decline",
        "introduction_status",
        "introduction_follow_up",
    ):
        url = reverse(f"coordination:{name}", args=[introduction.pk])
        assert world.client("outsider").get(url).status_code == 404, name
        assert world.client("outsider").post(url, {"in_person": "on"}).status_code == 404, name
        assert world.client("member").get(url).status_code == 403, name
        assert world.client("staff").post(url, {"in_person": "on"}).status_code == 403, name
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.PROPOSED
    create = _create_url(introduction.plan)
    assert world.client("outsider").get(create).status_code == 404
    assert world.client("staff").get(create).status_code == 403


def _api(client: Client, method: str, path: str, data: Any = None) -> Any:
    url = f"/api/v1/coordination{path}"
    if method == "get":
        return client.get(url)
    return client.post(url, data=data or {}, content_type="application/json")


def test_the_api_refuses_an_introduction_to_oneself_naming_the_field(world: Any) -> None:
    plan = plan_for(world)
    response = _api(
        world.client("coordinator"),
        "post",
        f"/plans/{plan.pk}/introductions",
        {"target_kind": "person", "membership_id": plan.membership_id},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "You cannot introduce someone to themselves.",
        "field": "target",
    }
    assert not Introduction.objects.exists()
    strict = _api(
        world.client("coordinator"),
        "post",
        f"/plans/{plan.pk}/introductions",
        {"target_kind": "person", "membership_id": "5"},
    )
    assert strict.status_code == 422


def test_the_api_walks_an_introduction_through(world: Any) -> None:
    plan = plan_for(world)
    coordinator = world.client("coordinator")
    made = _api(
        coordinator,
        "post",
        f"/plans/{plan.pk}/introductions",
        {"target_kind": "group", "group_id": group(world).pk, "note": "Tuesday mornings"},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "proposed" and body["you_are"] == "coordinator"
    pk = body["id"]
    assert _api(coordinator, "post", f"/introductions/{pk}/agree", {}).status_code == 400
    person = _client_of(plan.membership)
    agreed_body = _api(person, "post", f"/introductions/{pk}/agree", {}).json()
    assert agreed_body["status"] == "agreed" and agreed_body["you_are"] == "person"
    met = _api(
        coordinator,
        "post",
        f"/introductions/{pk}/status",
        {"status": "met", "met_on": timezone.localdate().isoformat()},
    )
    assert met.json()["status"] == "met"
    listed = _api(person, "get", "/introductions?view=mine").json()
    assert [row["id"] for row in listed["items"]] == [pk]
    assert listed["items"][0]["target"].startswith("Allotment group")
    assert _api(person, "get", "/introductions?status=bogus").status_code == 400
    Introduction.objects.filter(pk=pk).update(follow_up_on=timezone.localdate())
    due = _api(coordinator, "get", f"/organisations/{world.org.pk}/introductions/follow-ups")
    assert [row["id"] for row in due.json()] == [pk]
