"""Referral pages: typing in a referral letter (a missing item shown, nothing written), the
list (status, received date, link worker; paginated), the detail (logged), triage with a
confirmation before declining, support, outcomes, closing and the message-back download."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from coproduce.coordination import prsb
from coproduce.coordination.forms_referrals import field_name
from coproduce.coordination.models import Referral, ReferralStatus
from coproduce.people.models import SensitiveAccess
from tests.coordination.factories import member
from tests.coordination.factories_referrals import accepted, dataset, received, supported

pytestmark = pytest.mark.django_db
# The list page's queries, pinned: more referrals must not add any.
QUERIES = 9


def _letter(**overrides: dict[str, Any]) -> dict[str, Any]:
    """The receive form's POST for a complete referral letter."""
    data = dataset(**overrides)
    post: dict[str, Any] = {"reference": "LETTER-1", "take_it": "on"}
    for group in prsb.RECEIVED_GROUPS:
        for item in group.items:
            value = data[group.key].get(item.key)
            if value is True:
                post[field_name(group, item)] = "on"
            elif value is not None:
                post[field_name(group, item)] = value
    return post


def test_the_receive_form_takes_a_referral_letter(world: Any) -> None:
    client = world.client("coordinator")
    url = reverse("coordination:referral_create", args=[world.org.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Person demographics" in html and "Needs and concerns" in html
    response = client.post(url, _letter())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:referral_detail", args=[referral.pk])
    assert referral.demographics["full_name"] == "Maureen Doyle"
    assert referral.referrer["consent_to_share"] is True
    assert referral.link_worker is not None
    assert referral.link_worker.person == world.people["coordinator"]


def test_the_receive_form_names_a_missing_item_and_writes_nothing(world: Any) -> None:
    client = world.client("coordinator")
    url = reverse("coordination:referral_create", args=[world.org.pk])
    response = client.post(url, _letter(demographics={"date_of_birth": None}))
    assert response.status_code == 200
    assert "The referral is missing the person&#x27;s date of birth." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_receive_form_needs_consent_recorded(world: Any) -> None:
    client = world.client("coordinator")
    url = reverse("coordination:referral_create", args=[world.org.pk])
    response = client.post(url, _letter(referrer={"consent_to_share": None}))
    assert "Record the person&#x27;s consent to share" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_receive_form_shows_a_service_error_on_its_field(world: Any) -> None:
    client = world.client("coordinator")
    url = reverse("coordination:referral_create", args=[world.org.pk])
    response = client.post(url, _letter(demographics={"nhs_number": "1234567890"}))
    html = response.content.decode()
    assert "not a valid NHS number" in html
    assert 'id="id_demographics_nhs_number-error"' in html
    assert not Referral.objects.exists()


def test_the_list_shows_status_received_date_and_link_worker(world: Any) -> None:
    referral = received(world)
    html = world.client("coordinator").get(reverse("coordination:referral_list")).content.decode()
    assert referral.reference in html
    assert "Received" in html
    assert referral.received_at.strftime("%-d %b %Y") in html
    assert "Coordinator Person" in html
    assert 'class="table-scroll"' in html


def test_the_list_is_paginated(world: Any) -> None:
    for _ in range(27):
        received(world)
    client = world.client("manager")
    first = client.get(reverse("coordination:referral_list")).content.decode()
    assert "27 referrals" in first
    assert first.count('<th scope="row">') == 25
    second = client.get(reverse("coordination:referral_list") + "?page=2").content.decode()
    assert second.count('<th scope="row">') == 2


def test_the_list_page_runs_a_fixed_number_of_queries(
    world: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        received(world)
    client = world.client("manager")
    client.get(reverse("coordination:referral_list"))
    with django_assert_num_queries(QUERIES) as few:
        client.get(reverse("coordination:referral_list"))
    for _ in range(10):
        received(world)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("coordination:referral_list"))


def test_the_list_filters_by_status(world: Any) -> None:
    kept = received(world)
    declined = received(world)
    from coproduce.coordination.services import referrals

    referrals.referral_decline(
        viewer=world.viewer("coordinator"), referral_id=declined.pk, reason="Not for us"
    )
    html = (
        world.client("coordinator")
        .get(reverse("coordination:referral_list") + "?status=declined")
        .content.decode()
    )
    assert declined.reference in html and kept.reference not in html


def test_the_list_shows_nobody_else_s_referrals(world: Any) -> None:
    referral = received(world)
    html = world.client("staff").get(reverse("coordination:referral_list")).content.decode()
    assert referral.reference not in html
    html = world.client("outsider").get(reverse("coordination:referral_list")).content.decode()
    assert referral.reference not in html


def test_opening_a_referral_is_logged(world: Any) -> None:
    referral = accepted(world)
    response = world.client("manager").get(
        reverse("coordination:referral_detail", args=[referral.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "871731000000106" in html and "Maureen Doyle" in html
    entry = SensitiveAccess.objects.get()
    assert entry.viewer == world.people["manager"]
    assert entry.object_ref == f"referral:{referral.pk}"


def test_another_organisation_gets_a_404(world: Any) -> None:
    referral = accepted(world)
    for name in ("referral_detail", "referral_decline", "referral_message"):
        response = world.client("outsider").get(reverse(f"coordination:{name}", args=[referral.pk]))
        assert response.status_code == 404
    assert not SensitiveAccess.objects.exists()


def test_decline_asks_for_confirmation_then_declines(world: Any) -> None:
    referral = received(world)
    client = world.client("coordinator")
    url = reverse("coordination:referral_decline", args=[referral.pk])
    page = client.get(url).content.decode()
    assert "Declining cannot be undone" in page and "Cancel" in page
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    client.post(url, {"reason": "Needs the crisis team first"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


def test_accept_as_a_new_member_then_record_support_an_outcome_and_close(world: Any) -> None:
    referral = received(world)
    client = world.client("coordinator")
    response = client.post(
        reverse("coordination:referral_accept", args=[referral.pk]), {"how": "new", "number": ""}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.membership is not None
    client.post(
        reverse("coordination:referral_support", args=[referral.pk]),
        {"description": "The Tuesday walk", "kind": "activity", "asset": "", "group": ""},
    )
    client.post(
        reverse("coordination:referral_outcome", args=[referral.pk]),
        {"text": "Walks every week now"},
    )
    page = client.get(reverse("coordination:referral_close", args=[referral.pk])).content.decode()
    assert "Closing ends social prescribing" in page
    client.post(reverse("coordination:referral_close", args=[referral.pk]), {"summary": "Done"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert referral.support[0]["description"] == "The Tuesday walk"
    assert referral.outcomes[0]["text"] == "Walks every week now"


def test_accept_by_an_unknown_number_is_shown_on_the_field(world: Any) -> None:
    referral = received(world)
    response = world.client("coordinator").post(
        reverse("coordination:referral_accept", args=[referral.pk]),
        {"how": "existing", "number": "HOL99999"},
    )
    assert response.status_code == 200
    assert "No member of this organisation has the number" in response.content.decode()
    referral.refresh_from_db()
    assert referral.membership is None


def test_a_manager_gives_the_referral_to_a_link_worker(world: Any) -> None:
    referral = received(world, take_it=False)
    coordinator = world.org.memberships.get(person=world.people["coordinator"])
    response = world.client("manager").post(
        reverse("coordination:referral_link_worker", args=[referral.pk]),
        {"membership_id": coordinator.pk},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.link_worker == coordinator


def test_the_message_back_downloads_as_json_and_csv_and_is_logged(world: Any) -> None:
    referral = supported(world)
    client = world.client("coordinator")
    url = reverse("coordination:referral_message", args=[referral.pk])
    as_json = client.get(url + "?format=json")
    assert as_json["Content-Type"] == "application/json"
    assert "attachment" in as_json["Content-Disposition"]
    message = json.loads(as_json.content)
    assert message["code"]["code"] == "871731000000106"
    assert message["reference"] == referral.reference
    as_csv = client.get(url + "?format=csv")
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv.content.decode().startswith("reference,section,entry,item,value\r\n")
    assert SensitiveAccess.objects.filter(object_ref=f"referral:{referral.pk}").count() == 2
    bad = client.get(url + "?format=xml")
    assert bad.status_code == 400


def test_the_person_sees_their_own_referral_without_the_triage_buttons(world: Any) -> None:
    membership = member(world, "Maureen Doyle")
    referral = accepted(world, membership)
    from django.test import Client

    client = Client()
    client.force_login(membership.person.user)
    html = client.get(reverse("coordination:referral_detail", args=[referral.pk])).content.decode()
    assert "Your referral" in html
    assert "Record support offered" not in html
    assert not SensitiveAccess.objects.exists()
