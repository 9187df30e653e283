"""Forms for pooled personal budgets: they parse input; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from coproduce.framework.forms import DateInput, PoundsField
from coproduce.people.forms import MembershipNumberField

# Pounds as people type them: "12", "12.5", "12.50", "£1,250.00".
_POUNDS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
_LIMIT = Decimal("1000000")


class AmountField(PoundsField):
    """An amount of money in pounds and pence, parsed strictly (no signs, exponents or a
    third decimal place); its cleaned value is whole pence. The services check it against
    the budget, the pool and the bank's largest transfer."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "In pounds and pence, like 12.50.")
        kwargs.setdefault("max_value", _LIMIT)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter the amount, like 12.50.",
                "max_value": "Enter an amount of £1,000,000.00 or less.",
                "max_digits": "Enter an amount of £1,000,000.00 or less.",
                "max_whole_digits": "Enter an amount of £1,000,000.00 or less.",
            },
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        text = str(value).strip().removeprefix("£").strip()
        if text.startswith(("-", "\u2212")):
            raise forms.ValidationError("Enter an amount more than £0.00.", code="negative")
        if re.fullmatch(r"\d+\.\d{3,}", text.replace(",", "")):
            raise forms.ValidationError(
                "Enter pounds and pence with at most two decimal places, like 12.50.",
                code="max_decimal_places",
            )
        if not _POUNDS.fullmatch(text):
            raise forms.ValidationError(
                "Enter an amount in pounds and pence, like 12.50.", code="invalid"
            )
        if len(text.replace(",", "").split(".")[0]) > 9:
            raise forms.ValidationError(
                "Enter an amount of £1,000,000.00 or less.", code="max_value"
            )
        return super().to_python(text)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError("Enter an amount more than £0.00.", code="min_value")


class BudgetAllocateForm(forms.Form):
    number = MembershipNumberField(
        label="Membership number", help_text="As on their card, e.g. HOL00042."
    )
    amount = AmountField(label="Personal budget allocated")
    reason = forms.CharField(
        label="What the budget is for (optional)",
        required=False,
        max_length=300,
        help_text="For example: “Direct payment, April to March”.",
    )


class PoolCreateForm(forms.Form):
    name = forms.CharField(label="Name of the pool", max_length=200)
    purpose = forms.CharField(
        label="What the pooled money is for",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The shared activity, in the words of the people pooling.",
    )


class ContributeForm(forms.Form):
    amount = AmountField(label="Amount to put into the pool")


class ContributeForSomeoneForm(forms.Form):
    number = MembershipNumberField(
        label="Membership number of the person contributing",
        required=False,
        help_text="Leave empty to contribute from your own personal budget.",
    )
    amount = AmountField(label="Amount to put into the pool")
    agreed = forms.BooleanField(
        label="They have agreed to put this part of their personal budget into the pool",
        required=False,
    )


class SpendForm(forms.Form):
    amount = AmountField(label="Amount spent")
    description = forms.CharField(label="What it was spent on", max_length=300)
    spent_on = forms.DateField(label="Date spent", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spent_on"].initial = timezone.localdate()
