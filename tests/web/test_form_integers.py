"""Whole numbers typed into the pages' forms are held to a domain maximum, so a 20-digit
number is a message on its field, never a database overflow."""

from __future__ import annotations

import pytest
from django import forms

from coproduce.budgeting.forms import BudgetForm
from coproduce.directory.forms import ResourceForm
from coproduce.people.models import Organisation
from coproduce.timebank.models import Account

HUGE = str(2**64)


@pytest.mark.parametrize(
    ("field", "maximum"),
    [
        ("threshold_votes", "1000000"),
        ("min_projects", "1000"),
        ("max_projects", "1000"),
        ("points", "1000000"),
    ],
)
def test_budget_form_numbers_have_a_ceiling(field: str, maximum: str) -> None:
    form = BudgetForm(
        data={field: HUGE},
        organisations=Organisation.objects.none(),
        pots=Account.objects.none(),
    )
    form.is_valid()
    assert form.errors[field] == [f"Ensure this value is less than or equal to {maximum}."]


@pytest.mark.parametrize(
    ("field", "maximum"), [("capacity", "1000000"), ("credit_minutes", "6000000")]
)
def test_resource_form_numbers_have_a_ceiling(field: str, maximum: str) -> None:
    form: forms.Form = ResourceForm(data={field: HUGE})
    form.is_valid()
    assert form.errors[field] == [f"Ensure this value is less than or equal to {maximum}."]
