"""Forms for unit costs and the deflator series: they parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.files.uploadedfile import UploadedFile

from coproduce.impact.models import Agency, CostKind

CSV_LIMIT = 1_000_000  # bytes: a deflator series or a value map is a few kilobytes


def csv_text(upload: UploadedFile, *, limit: int = CSV_LIMIT) -> str:
    """An uploaded CSV file as text, or a message naming what is wrong with it."""
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(f"The file is larger than {limit // 1_000_000} MB.")
    try:
        return str(upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise forms.ValidationError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
        ) from error


class UnitCostForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=40, help_text="Your own short code, like OWN-1."
    )
    description = forms.CharField(label="What the cost is", max_length=300)
    unit = forms.CharField(
        label="What one unit is", max_length=80, help_text="For example: per incident, per week."
    )
    value = forms.DecimalField(
        label="Value in pounds",
        min_value=Decimal(0),
        max_value=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="To the penny, like 109.50.",
    )
    price_year = forms.CharField(
        label="Price year",
        max_length=9,
        help_text="The financial year the value is priced in, like 2013/14.",
    )
    agency = forms.ChoiceField(label="Budget holder", choices=Agency.choices)
    agency_detail = forms.CharField(
        label="Which part of it",
        max_length=120,
        required=False,
        help_text="For example: Clinical Commissioning Group.",
    )
    kind = forms.ChoiceField(label="Kind of value", choices=CostKind.choices)
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Where the figure comes from, so others can check it.",
    )


class DeflatorYearForm(forms.Form):
    financial_year = forms.CharField(
        label="Financial year", max_length=9, help_text="Like 2013/14."
    )
    index = forms.CharField(
        label="Index",
        max_length=30,
        help_text="On the same base as the rest of the series.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="For example: HM Treasury, GDP deflators at market prices, and the release.",
    )


class DeflatorImportForm(forms.Form):
    file = forms.FileField(
        label="The CSV file",
        help_text="HM Treasury's “GDP deflators at market prices” CSV, or two columns "
        "financial_year,index with that heading row; UTF-8, at most 1 MB.",
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        required=False,
        help_text="Needed for a two-column file; HM Treasury's own file names itself.",
    )

    def clean_file(self) -> str:
        return csv_text(self.cleaned_data["file"])
