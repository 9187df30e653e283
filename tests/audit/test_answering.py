"""Answering a round: save and resume, send once, single-use links, closed rounds, answers
off the scale, "don't know", paper entry and evidence (not for commissioners)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import Answer, Evidence, Respondent, Source
from coproduce.audit.selectors.answering import round_evidence
from coproduce.audit.services.answering import (
    evidence_add,
    link_response_save,
    paper_response_enter,
    response_save,
)
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import HistoryEntry
from tests.audit.factories import invitee, link_for, round_for

pytestmark = pytest.mark.django_db


def test_save_and_resume_then_send(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    viewer = world.viewer("member")
    saved = response_save(viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 4})
    assert saved.started_at is not None and saved.submitted_at is None
    started = saved.started_at
    again = response_save(
        viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 5, "ASSETS2": 2}, ladder="co-design"
    )
    assert again.started_at == started
    assert dict(again.answers.values_list("item_code", "value")) == {"ASSETS1": 5, "ASSETS2": 2}
    sent = response_save(viewer=viewer, round_id=round_.pk, answers={}, submit=True)
    assert sent.submitted_at is not None
    values = dict(sent.answers.values_list("item_code", "value"))
    assert values["ASSETS1"] == 5
    # every item left blank is stored as "don't know"
    assert values["ASSETS3"] is None
    assert sent.ladder_rung == "co-design"


def test_sending_twice_is_refused(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "staff")
    viewer = world.viewer("staff")
    response_save(viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 3}, submit=True)
    with pytest.raises(Conflict, match="already sent"):
        response_save(viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 1}, submit=True)
    with pytest.raises(Conflict):
        response_save(viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 1})
    assert Answer.objects.get(item_code="ASSETS1", respondent__person=viewer.person).value == 3


def test_not_invited_is_refused(world: Any) -> None:
    round_ = round_for(world)
    with pytest.raises(PermissionDenied, match="not invited"):
        response_save(viewer=world.viewer("member"), round_id=round_.pk, answers={})
    response = world.client("member").get(reverse("audit:respond", args=[round_.pk]))
    assert response.status_code == 403


def test_dont_know_is_stored_as_none(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    response_save(viewer=world.viewer("member"), round_id=round_.pk, answers={"ASSETS1": None})
    assert Answer.objects.get(item_code="ASSETS1").value is None


def test_off_scale_and_unknown_items_are_refused_with_a_message(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    viewer = world.viewer("member")
    with pytest.raises(InvalidInput, match="ASSETS1 must be from 1 to 5"):
        response_save(viewer=viewer, round_id=round_.pk, answers={"ASSETS1": 6})
    with pytest.raises(InvalidInput, match="no item NOPE"):
        response_save(viewer=viewer, round_id=round_.pk, answers={"NOPE": 2})
    with pytest.raises(InvalidInput, match="no ladder rung"):
        response_save(viewer=viewer, round_id=round_.pk, answers={}, ladder="the-top")
    assert not Answer.objects.exists()


def test_off_scale_through_the_page_is_refused(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    url = reverse("audit:respond", args=[round_.pk])
    response = world.client("member").post(url, {"answer_ASSETS1": "9", "action": "save"})
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_closed_round_is_refused(world: Any) -> None:
    today = timezone.localdate()
    round_ = round_for(world, opens_on=today - timedelta(days=30), closes_on=today - timedelta(1))
    invitee(world, round_, "member")
    with pytest.raises(Conflict, match="is not open now"):
        response_save(viewer=world.viewer("member"), round_id=round_.pk, answers={"ASSETS1": 2})
    _, token = link_for(world, round_)
    with pytest.raises(Conflict, match="is not open now"):
        link_response_save(token=token, answers={"ASSETS1": 2})
    page = world.client("member").get(reverse("audit:respond", args=[round_.pk]))
    assert page.status_code == 200
    assert b"not open now" in page.content
    assert b"Send my answers" not in page.content
    sent = world.client("member").post(
        reverse("audit:respond", args=[round_.pk]), {"answer_ASSETS1": "2", "action": "send"}
    )
    assert sent.status_code == 409
    # the given day decides, for the demo and tests
    response_save(
        viewer=world.viewer("member"),
        round_id=round_.pk,
        answers={"ASSETS1": 2},
        today=today - timedelta(days=2),
    )


def test_invitee_page_saves_resumes_and_sends(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    client = world.client("member")
    url = reverse("audit:respond", args=[round_.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<legend>" in html and "Save and come back later" in html and "Don&#x27;t know" in html
    saved = client.post(url, {"answer_ASSETS1": "4", "answer_ASSETS2": "dk", "action": "save"})
    assert saved.status_code == 302
    resumed = client.get(url).content.decode()
    assert 'value="4" required' not in resumed
    assert 'name="answer_ASSETS1" value="4"' in resumed
    assert 'name="answer_ASSETS1" value="4" id="id_answer_ASSETS1_3" checked' in resumed
    # Sending saves, then asks once more: sent answers cannot change.
    asked = client.post(url, {"answer_ASSETS1": "4", "action": "send"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Send your answers?" in page and "You answered 1 of " in page
    respondent = Respondent.objects.get(round=round_, person=world.people["member"])
    assert respondent.submitted_at is None
    sent = client.post(url, {"action": "confirm"})
    assert sent.status_code == 302
    done = client.get(url)
    assert b"your answers are sent" in done.content
    respondent = Respondent.objects.get(round=round_, person=world.people["member"])
    assert respondent.submitted_at is not None


def test_link_answers_are_saved_resumed_and_cannot_be_replayed(world: Any) -> None:
    round_ = round_for(world)
    respondent, token = link_for(world, round_, "member")
    link_response_save(token=token, answers={"ASSETS1": 2})
    link_response_save(token=token, answers={"ASSETS2": 3}, submit=True)
    respondent.refresh_from_db()
    assert respondent.submitted_at is not None
    assert respondent.answers.get(item_code="ASSETS1").value == 2
    with pytest.raises(Conflict, match="already been used"):
        link_response_save(token=token, answers={"ASSETS1": 5}, submit=True)
    with pytest.raises(NotFound):
        link_response_save(token="not-a-real-token", answers={})
    # the token never reaches the history
    assert not any(token in str(e.detail) for e in HistoryEntry.objects.all())


def test_link_page_is_public_and_single_use(world: Any) -> None:
    round_ = round_for(world)
    respondent, token = link_for(world, round_, "staff")
    client = Client(enforce_csrf_checks=True)
    url = reverse("audit:respond_link", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    # The token is the key: the page is not cached and its address is not sent elsewhere.
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"
    csrf = client.cookies["csrftoken"].value
    # without the CSRF token the post is refused
    assert client.post(url, {"answer_ASSETS1": "3", "action": "send"}).status_code == 403
    data = {
        "csrfmiddlewaretoken": csrf,
        "answer_ASSETS1": "3",
        "evidence_item": "ASSETS1",
        "evidence_text": "Staff asked us to help plan the garden.",
        "action": "send",
    }
    assert client.post(url, data).status_code == 200  # "Send your answers?"
    respondent.refresh_from_db()
    assert respondent.submitted_at is None
    confirm = {"csrfmiddlewaretoken": csrf, "action": "confirm"}
    assert client.post(url, confirm).status_code == 302
    respondent.refresh_from_db()
    assert respondent.submitted_at is not None
    evidence = Evidence.objects.get()
    assert (evidence.respondent, evidence.side) == (respondent, "staff")
    assert b"your answers are sent" in client.get(url).content
    replay = client.post(url, {**data, "answer_ASSETS1": "5"})
    assert replay.status_code == 409
    assert b"already been used" in replay.content
    assert respondent.answers.get(item_code="ASSETS1").value == 3
    assert Client().get(reverse("audit:respond_link", args=["unknown"])).status_code == 404


def test_paper_entry_through_the_page(world: Any) -> None:
    round_ = round_for(world)
    client = world.client("staff")
    url = reverse("audit:paper_entry", args=[round_.pk])
    assert client.get(url).status_code == 200
    data = {"group": "member", "label": "14", "answer_ASSETS1": "5", "answer_ASSETS2": "dk"}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert b"Form 14 entered" in response.content
    respondent = Respondent.objects.get(round=round_, source=Source.PAPER)
    assert respondent.submitted_at is not None and respondent.group == "member"
    assert dict(respondent.answers.values_list("item_code", "value"))["ASSETS1"] == 5
    refused = client.post(url, {"answer_ASSETS1": "5"})
    assert refused.status_code == 400
    assert world.client("member").get(url).status_code == 403


def test_paper_entry_keeps_refusing_off_scale(world: Any) -> None:
    round_ = round_for(world)
    with pytest.raises(InvalidInput, match="must be from 1 to 5"):
        paper_response_enter(
            viewer=world.viewer("staff"), round_id=round_.pk, group="staff", answers={"ASSETS1": 0}
        )


def test_evidence_sides_and_commissioners(world: Any) -> None:
    round_ = round_for(world)
    added = evidence_add(
        viewer=world.viewer("member"),
        round_id=round_.pk,
        item_code="ASSETS1",
        what_happened="Members chose the menu.",
    )
    assert added.side == "member"
    staff = evidence_add(
        viewer=world.viewer("coordinator"),
        round_id=round_.pk,
        item_code="ASSETS2",
        what_happened="We asked new members what they could bring.",
        happened_on=timezone.localdate(),
    )
    assert staff.side == "staff"
    with pytest.raises(PermissionDenied):
        evidence_add(
            viewer=world.viewer("commissioner"),
            round_id=round_.pk,
            item_code="ASSETS1",
            what_happened="Seen at a visit.",
        )
    with pytest.raises(PermissionDenied):
        round_evidence(world.viewer("commissioner"), round_)
    with pytest.raises(InvalidInput, match="future"):
        evidence_add(
            viewer=world.viewer("member"),
            round_id=round_.pk,
            item_code="ASSETS1",
            what_happened="Tomorrow.",
            happened_on=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(InvalidInput):
        evidence_add(
            viewer=world.viewer("member"), round_id=round_.pk, item_code="X", what_happened="a"
        )
    with pytest.raises(InvalidInput):
        evidence_add(
            viewer=world.viewer("member"),
            round_id=round_.pk,
            item_code="ASSETS1",
            what_happened="x" * 2001,
        )
    url = reverse("audit:evidence", args=[round_.pk])
    page = world.client("staff").get(url)
    assert b"Members chose the menu." in page.content
    hidden = world.client("commissioner").get(url)
    assert hidden.status_code == 403
    assert b"Members chose the menu." not in hidden.content


def test_an_invited_respondent_adds_evidence_from_their_group(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "coordinator", group="member")
    added = evidence_add(
        viewer=world.viewer("coordinator"),
        round_id=round_.pk,
        item_code="ASSETS1",
        what_happened="I answered as a member.",
    )
    assert added.side == "member" and added.respondent is not None


def test_my_answers_api(world: Any) -> None:
    round_ = round_for(world)
    invitee(world, round_, "member")
    client = world.client("member")
    url = f"/api/v1/audit/rounds/{round_.pk}/my-answers"
    saved = client.post(
        url, {"answers": {"ASSETS1": 4, "ASSETS2": None}}, content_type="application/json"
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["answers"] == {"ASSETS1": 4, "ASSETS2": None}
    assert client.get(url).json()["submitted_at"] is None
    off = client.post(url, {"answers": {"ASSETS1": 7}}, content_type="application/json")
    assert off.status_code == 400
    assert "from 1 to 5" in off.json()["error"]["message"]
    sent = client.post(url, {"submit": True}, content_type="application/json")
    assert sent.json()["submitted_at"] is not None
    again = client.post(url, {"submit": True}, content_type="application/json")
    assert again.status_code == 409
