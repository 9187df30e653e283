"""Input edges on the pages' forms: dates in a sensible window with a message, and one
membership-number normaliser for every form that takes a number."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.budgeting.forms import PaperBallotForm
from coproduce.errors import InvalidInput
from coproduce.framework.forms import long_date
from coproduce.people import services
from coproduce.people.models import Person
from coproduce.people.numbers import membership_number_normalise
from coproduce.timebank.forms import (
    AgencyForm,
    GroupForm,
    ProposeForm,
    RecordTransferForm,
)
from tests.conftest import World

BIRTH_MESSAGE = "Enter a date of birth from 1 January 1900 (four digits for the year)."


@pytest.mark.django_db
@pytest.mark.parametrize("born", [date(1800, 5, 1), date(1899, 12, 31)])
def test_a_birth_date_before_1900_is_refused_with_a_message(world: World, born: date) -> None:
    with pytest.raises(InvalidInput, match=rf"^{re.escape(BIRTH_MESSAGE)}$"):
        services.person_create_for(
            viewer=world.viewer("coordinator"),
            organisation=world.org,
            full_name="Old Timer",
            date_of_birth=born,
        )
    assert not Person.objects.filter(full_name="Old Timer").exists()


@pytest.mark.django_db
def test_the_first_of_january_1900_is_a_possible_birth_date(world: World) -> None:
    person = services.person_create_for(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        full_name="Old Timer",
        date_of_birth=date(1900, 1, 1),
    )
    person.refresh_from_db()
    assert person.date_of_birth == date(1900, 1, 1)


@pytest.mark.django_db
def test_the_profile_page_shows_the_birth_date_window(world: World) -> None:
    member = world.people["member"]
    form = {
        "full_name": member.full_name,
        "contact_by": "email",
        "email_visibility": "coordinators",
        "phone_visibility": "coordinators",
        "address_visibility": "only_me",
        "date_of_birth": "1800-04-01",
    }
    response = world.client("member").post(reverse("people:profile"), form)
    assert response.status_code == 200
    assert BIRTH_MESSAGE in response.content.decode()
    member.refresh_from_db()
    assert member.date_of_birth is None


def _exchange_errors(when: str) -> list[str]:
    form = ProposeForm(data={"hours": "1", "description": "Garden", "scheduled_for": when})
    form.is_valid()
    return list(form.errors.get("scheduled_for", []))


@pytest.mark.parametrize("when", ["2019-06-01T10:00", "9999-01-01T10:00"])
def test_an_exchange_dated_years_away_is_refused_with_the_window(when: str) -> None:
    today = timezone.localdate()
    window = f"{long_date(today - timedelta(days=365))} to {long_date(today + timedelta(days=365))}"
    assert _exchange_errors(when) == [f"Choose a date from {window}."]


def test_an_exchange_next_week_or_last_month_is_accepted() -> None:
    today = timezone.localdate()
    for day in (today + timedelta(days=7), today - timedelta(days=30)):
        assert _exchange_errors(f"{day.isoformat()}T10:00") == []


def test_long_date_is_written_out() -> None:
    assert long_date(date(2026, 3, 9)) == "9 March 2026"


@pytest.mark.parametrize(
    "typed", ["HOL00042", "hol00042", " HOL 00042 ", "hol-000-42", "HOL\u00a000042"]
)
def test_membership_numbers_are_normalised_one_way(typed: str) -> None:
    assert membership_number_normalise(typed) == "HOL00042"


def test_every_form_that_takes_a_membership_number_cleans_it_the_same_way() -> None:
    typed = " hol 000-42 "
    transfer = RecordTransferForm(
        data={"payer": typed, "payee": "hol00043", "hours": "1", "reason": "Garden"}
    )
    agency = AgencyForm(data={"number": typed, "kind": "award", "hours": "1", "reason": "Help"})
    ballot = PaperBallotForm(data={"number": typed})
    group = GroupForm(
        data={
            "host": typed,
            "participants": "hol 00043, HOL-00044\n\n hol00045 ",
            "hours": "1",
            "direction": GroupForm.base_fields["direction"].choices[0][0],  # type: ignore[attr-defined]
            "description": "Choir",
        }
    )
    for form in (transfer, agency, ballot, group):
        assert form.is_valid(), form.errors
    assert transfer.cleaned_data["payer"] == "HOL00042"
    assert agency.cleaned_data["number"] == "HOL00042"
    assert ballot.cleaned_data["number"] == "HOL00042"
    assert group.cleaned_data["host"] == "HOL00042"
    assert group.participant_numbers() == ["HOL00043", "HOL00044", "HOL00045"]


@pytest.mark.django_db
def test_a_member_is_found_by_a_number_typed_with_spaces_and_dashes(world: World) -> None:
    from coproduce.timebank.selectors import membership_by_number

    membership = world.org.memberships.get(person=world.people["member"])
    prefix, digits = membership.number[:3], membership.number[3:]
    typed = f" {prefix.lower()} {digits[:2]}-{digits[2:]} "
    found = membership_by_number(
        viewer=world.viewer("coordinator"), organisation=world.org, number=typed
    )
    assert found.pk == membership.pk
