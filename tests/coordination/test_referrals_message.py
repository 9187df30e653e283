"""The message back to the referrer: its JSON (SNOMED CT code, reference, dates, status,
support offered, outcomes) and its CSV (one row per item), built from a real referral."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.utils import timezone

from coproduce.coordination import prsb
from coproduce.coordination.selectors.referrals import referral_message, referral_message_csv
from coproduce.coordination.services import referrals
from tests.coordination.factories_referrals import NHS_NUMBER, received, supported

pytestmark = pytest.mark.django_db


def test_the_message_json_carries_the_code_reference_dates_status_support_and_outcomes(
    world: Any,
) -> None:
    referral = supported(world)
    referrals.referral_outcome_add(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, text="Out twice a week"
    )
    referrals.referral_close(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, summary="Settled in"
    )
    message = referral_message(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    today = timezone.localdate().isoformat()
    assert message["message"] == "social-prescribing-message-back"
    assert message["standard"] == "PRSB Social Prescribing Information Standard v1.1"
    assert message["code"] == {
        "system": "http://snomed.info/sct",
        "code": "871731000000106",
        "display": "Referral to social prescribing service",
    }
    assert message["reference"] == referral.reference
    assert message["service"] == world.org.name
    assert message["status"] == "closed"
    assert message["referrer"] == {
        "name": "Dr Amira Shah",
        "role": "GP",
        "organisation": "Riverside Medical Practice",
        "organisation_code": "Y01234",
    }
    assert message["person"] == {
        "name": "Maureen Doyle",
        "date_of_birth": "1948-05-17",
        "nhs_number": NHS_NUMBER,
    }
    assert message["dates"] == {
        "referred_on": "2026-11-02",
        "received_on": today,
        "accepted_on": today,
        "declined_on": None,
        "closed_on": today,
    }
    assert message["link_worker"] == "Coordinator Person"
    assert message["support_offered"] == [
        {
            "description": "Introduced to the Tuesday gardening group.",
            "kind": "activity",
            "offered_on": today,
        }
    ]
    assert message["outcomes"] == [{"text": "Out twice a week", "recorded_on": today}]
    assert message["closing_summary"] == "Settled in"
    assert message["decline_reason"] == ""


def test_a_declined_referral_s_message_says_why(world: Any) -> None:
    referral = received(world)
    referrals.referral_decline(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, reason="Out of our area"
    )
    message = referral_message(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    assert message["status"] == "declined"
    assert message["decline_reason"] == "Out of our area"
    assert message["dates"]["declined_on"] == timezone.localdate().isoformat()  # type: ignore[index]
    assert message["dates"]["accepted_on"] is None  # type: ignore[index]
    assert message["support_offered"] == [] and message["outcomes"] == []


def test_the_csv_has_one_row_per_item(world: Any) -> None:
    referral = supported(world)
    text, reference = referral_message_csv(
        viewer=world.viewer("coordinator"), referral_id=referral.pk
    )
    assert reference == referral.reference
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["reference", "section", "entry", "item", "value"]
    body = rows[1:]
    assert all(row[0] == referral.reference for row in body)
    assert [referral.reference, "referral", "", "code", "871731000000106"] in body
    assert [referral.reference, "referral", "", "status", "supporting"] in body
    assert [referral.reference, "person", "", "nhs_number", NHS_NUMBER] in body
    assert [referral.reference, "dates", "", "referred_on", "2026-11-02"] in body
    assert [
        referral.reference,
        "support_offered",
        "1",
        "description",
        "Introduced to the Tuesday gardening group.",
    ] in body
    message = referral_message(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    # Every item of the JSON is one row (generated_at differs between the two reads).
    assert len(body) == len(prsb.message_back_rows(message))


def test_the_csv_does_not_let_a_spreadsheet_run_a_formula() -> None:
    message = prsb.message_back(
        reference="=HYPERLINK(1)",
        service="S",
        status="received",
        received_on=timezone.localdate(),
        referrer={},
        demographics={},
        link_worker=None,
        support=[],
        outcomes=[],
        events=prsb.Events(),
        generated_at=timezone.now(),
    )
    rows = list(csv.reader(io.StringIO(prsb.message_back_csv(message))))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_nhs_number_check_digit() -> None:
    assert prsb.nhs_number_valid("9434765919")
    assert not prsb.nhs_number_valid("9434765918")
    assert not prsb.nhs_number_valid("943476591")
    assert not prsb.nhs_number_valid("abcdefghij")


def test_the_message_by_reference_for_the_command(world: Any) -> None:
    import json

    from coproduce.coordination.selectors.referrals import referral_message_text
    from coproduce.errors import NotFound

    referral = supported(world)
    viewer = world.viewer("manager")
    text = referral_message_text(
        viewer=viewer, organisation_slug=world.org.slug, reference=referral.reference, format="json"
    )
    assert json.loads(text)["reference"] == referral.reference
    text = referral_message_text(
        viewer=viewer, organisation_slug=world.org.slug, reference=referral.reference, format="csv"
    )
    assert text.startswith("reference,section,entry,item,value")
    with pytest.raises(NotFound, match="No referral NOPE"):
        referral_message_text(
            viewer=viewer, organisation_slug=world.org.slug, reference="NOPE", format="json"
        )
    with pytest.raises(NotFound):
        referral_message_text(
            viewer=world.viewer("outsider"),
            organisation_slug=world.org.slug,
            reference=referral.reference,
            format="json",
        )


def test_the_referral_message_command_prints_json_or_csv_and_logs_the_read(
    world: Any, capsys: Any
) -> None:
    import json

    from django.core.management import CommandError, call_command

    from coproduce.people.models import SensitiveAccess

    referral = supported(world)
    email = world.people["manager"].user.email
    base = ["coordination", "referral-message", referral.reference]
    call_command(*base, "--organisation", world.org.slug, "--as", email)
    message = json.loads(capsys.readouterr().out)
    assert message == referral_message(viewer=world.viewer("manager"), referral_id=referral.pk)
    call_command(*base, "--organisation", world.org.slug, "--as", email, "--format", "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][0] == "reference" and len(rows) > 5
    assert SensitiveAccess.objects.filter(object_ref=f"referral:{referral.pk}").count() >= 2
    with pytest.raises(CommandError, match="No referral NOPE"):
        call_command(
            "coordination",
            "referral-message",
            "NOPE",
            "--organisation",
            world.org.slug,
            "--as",
            email,
        )
    with pytest.raises(CommandError, match="No one signs in as"):
        call_command(*base, "--organisation", world.org.slug, "--as", "nobody@example.org")
    member_email = world.people["member"].user.email
    with pytest.raises(CommandError):
        call_command(*base, "--organisation", world.org.slug, "--as", member_email)
