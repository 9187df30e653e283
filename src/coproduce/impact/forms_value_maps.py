"""Forms for SROI value maps: the investment, the discounting and the CSV of outcomes. The
service reads the CSV and names any bad row and field."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from coproduce.impact.forms_costs import csv_text
from coproduce.impact.sroi import CSV_COLUMNS, GREEN_BOOK_RATE


class ValueMapForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    service = forms.CharField(
        label="The service", max_length=200, help_text="For example: day service."
    )
    inputs = forms.CharField(
        label="What went in",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Money, staff time, premises, volunteers' time.",
    )
    investment = forms.DecimalField(
        label="The value of the inputs, in pounds",
        min_value=Decimal("0.01"),
        max_value=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    discount_rate = forms.DecimalField(
        label="Discount rate (per cent a year)",
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        initial=GREEN_BOOK_RATE,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=f"The Green Book's rate is {GREEN_BOOK_RATE}.",
    )
    discount_year_one = forms.BooleanField(
        label="Discount year one",
        required=False,
        initial=True,
        help_text="Ticked, the first year's value is discounted too, as the SROI Network's "
        "value-map template does (year t is divided by (1 + r) to the power t). Unticked, "
        "year one counts in full and discounting starts in year two.",
    )
    file = forms.FileField(
        label="The value map as a CSV file",
        help_text="One row per outcome, with the heading row "
        + ",".join(CSV_COLUMNS)
        + "; UTF-8, at most 1 MB.",
    )

    def clean_file(self) -> str:
        return csv_text(self.cleaned_data["file"])
