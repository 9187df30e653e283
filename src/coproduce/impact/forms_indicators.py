"""Forms for outcome indicators and their records: they parse input; the services decide (a unit
cost chosen here is looked up again by the service, scoped to the organisation)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone

from coproduce.framework.forms import DateInput, DateWindow, ShortModelChoiceField
from coproduce.impact.models import Agency, ConfidenceGrade, SplitRule
from coproduce.people.models import Area

# Rows of "who gains" on the proposal form: an outcome rarely saves more than four budgets.
BENEFIT_ROWS = 4
TEXT_LIMIT = 5000
MAX_QUANTITY = Decimal("9999999999.99")  # the record's column: 12 digits, 2 after the point

_PERIOD = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=366 * 20),
    latest=lambda: timezone.localdate() + timedelta(days=366),
    message="Choose a date from {earliest} to {latest}.",
)


class IndicatorProposeForm(forms.Form):
    name = forms.CharField(label="Name of the outcome", max_length=200)
    service = forms.CharField(
        label="The service", max_length=200, help_text="For example: day service."
    )
    description = forms.CharField(
        label="What the outcome means, in members' own words",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    how_measured = forms.CharField(
        label="How it is counted or measured, and how often",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = forms.CharField(
        label="What one is", max_length=80, help_text="For example: a person, a week, a visit."
    )
    concerns = forms.CharField(
        label="The people it concerns",
        max_length=300,
        help_text="Who is counted: for example, members who live alone.",
    )
    unit_cost = forms.TypedChoiceField(
        label="Unit cost",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The value of one unit of the outcome, from the unit-cost table. "
        "Leave it empty when the outcome is not valued in money.",
    )
    split_rule = forms.ChoiceField(
        label="How the value is shared between budget holders",
        choices=SplitRule.choices,
        initial=SplitRule.EQUAL,
    )
    confidence_grade = forms.TypedChoiceField(
        label="How far the figures can be trusted",
        coerce=int,
        choices=ConfidenceGrade.choices,
        initial=ConfidenceGrade.EVALUATION,
        help_text="The weaker the evidence, the more is taken off the value for optimism bias.",
    )

    def __init__(self, *args: Any, unit_costs: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", "Not valued in money")]
        choices.extend(unit_costs)
        cast(forms.ChoiceField, self.fields["unit_cost"]).choices = choices
        for row in range(1, BENEFIT_ROWS + 1):
            self.fields[f"agency_{row}"] = forms.ChoiceField(
                label=f"Budget holder {row}",
                choices=[("", "None"), *Agency.choices],
                required=False,
            )
            self.fields[f"share_{row}"] = forms.DecimalField(
                label=f"Share for budget holder {row} (per cent)",
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                help_text="Only under stated shares; the shares add up to 100.",
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            self.fields[f"cashable_{row}"] = forms.BooleanField(
                label=f"The saving to budget holder {row} is cashable",
                required=False,
                help_text="Money that can be taken out of a budget, not capacity freed.",
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name[-1].isdigit()]

    def benefit_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "number": row,
                "agency": self[f"agency_{row}"],
                "share": self[f"share_{row}"],
                "cashable": self[f"cashable_{row}"],
            }
            for row in range(1, BENEFIT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[str] = set()
        for row in range(1, BENEFIT_ROWS + 1):
            agency = data.get(f"agency_{row}")
            if not agency:
                if data.get(f"share_{row}") is not None:
                    self.add_error(f"agency_{row}", "Choose the budget holder this share is for.")
                continue
            if agency in seen:
                self.add_error(f"agency_{row}", "This budget holder is already listed above.")
            seen.add(agency)
        return data

    def benefits(self) -> list[dict[str, Any]]:
        """The rows filled in, in order: agency, share (None when not given), cashable."""
        data = self.cleaned_data
        return [
            {
                "agency": data[f"agency_{row}"],
                "share_percent": data.get(f"share_{row}"),
                "cashable": bool(data.get(f"cashable_{row}")),
            }
            for row in range(1, BENEFIT_ROWS + 1)
            if data.get(f"agency_{row}")
        ]


class ConfirmForm(forms.Form):
    """A confirm page: nothing to type, the button says yes. The form carries the service's
    errors to the top of the page."""


class AgreeForm(forms.Form):
    comment = forms.CharField(
        label="Anything to add",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, why this matters to you.",
    )


class RecordForm(forms.Form):
    period_start = forms.DateField(label="Period from", widget=DateInput(), validators=[_PERIOD])
    period_end = forms.DateField(
        label="Period to",
        widget=DateInput(),
        validators=[_PERIOD],
        help_text="The last day of the period, included.",
    )
    quantity = forms.DecimalField(
        label="How many",
        min_value=Decimal(0),
        max_value=MAX_QUANTITY,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    evidence = forms.CharField(
        label="Evidence",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What shows it happened: a register, a letter, a referral.",
    )
    area = ShortModelChoiceField(
        label="Neighbourhood",
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label="Not for one neighbourhood",
    )


class VerifyForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=500,
        required=False,
        help_text="For example, which register you checked.",
    )


class ServiceFilterForm(forms.Form):
    """The list's filter: one of the organisation's services, or all."""

    service = forms.ChoiceField(label="Service", required=False)

    def __init__(self, *args: Any, services: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "All services"),
            *((name, name) for name in services),
        ]
