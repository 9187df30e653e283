"""Forms only parse input; the services validate and decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from coproduce.framework.forms import DateInput, PoundsField, ShortModelChoiceField, TimeInput
from coproduce.people.models import Area, Organisation

from .models import (
    LONG_TEXT,
    MEDIUM_TEXT,
    AccessibilityFeature,
    AssetCategory,
    AssetStatus,
    ResourceKind,
    TaxonomyTerm,
)
from .schedules import DAY_NAMES
from .services import booking_latest_date, booking_too_far_message

CATEGORY_CHOICES = [
    (value, label)
    for value, label in AssetCategory.choices
    if value != AssetCategory.INDIVIDUAL_GIFT
]
DAY_CHOICES = [("", "Any day"), *DAY_NAMES.items()]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *AssetCategory.choices]
    )
    taxonomy_term = ShortModelChoiceField(
        label="Activity",
        required=False,
        queryset=TaxonomyTerm.objects.none(),
        empty_label="Any activity",
    )
    area = ShortModelChoiceField(
        label="Area", required=False, queryset=Area.objects.none(), empty_label="Any area"
    )
    day = forms.ChoiceField(label="Open on", required=False, choices=DAY_CHOICES)
    time = forms.TimeField(label="Open at", required=False, widget=TimeInput)
    age = forms.IntegerField(label="Age", required=False, min_value=0, max_value=130)
    free = forms.BooleanField(label="Free only", required=False)
    accessibility = forms.MultipleChoiceField(
        label="Accessibility",
        required=False,
        choices=AccessibilityFeature.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    postcode = forms.CharField(label="Near postcode", required=False, max_length=10)
    within_km = forms.FloatField(
        label="Within (km)", required=False, min_value=0.1, max_value=100, initial=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taxonomy_term"].queryset = TaxonomyTerm.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["area"].queryset = Area.objects.order_by("name")  # type: ignore[attr-defined]


class AssetForm(forms.Form):
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=CATEGORY_CHOICES)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=LONG_TEXT)
    status = forms.ChoiceField(choices=AssetStatus.choices, initial=AssetStatus.ACTIVE)
    is_public = forms.BooleanField(
        label="Show to visitors",
        required=False,
        initial=True,
        help_text="Visitors see it only when your organisation is public too.",
    )
    address = forms.CharField(max_length=200, required=False)
    town = forms.CharField(max_length=100, required=False)
    postcode = forms.CharField(max_length=10, required=False)
    latitude = forms.FloatField(required=False, help_text="Leave blank to place it by postcode.")
    longitude = forms.FloatField(required=False)
    area = ShortModelChoiceField(queryset=Area.objects.none(), required=False)
    url = forms.URLField(label="Website", required=False, assume_scheme="https")
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    contact_name = forms.CharField(max_length=120, required=False)
    cost_pence = PoundsField(
        label="Cost in pounds", initial=0, help_text="For example, 3.50. 0 means free."
    )
    cost_description = forms.CharField(max_length=200, required=False)
    minimum_age = forms.IntegerField(required=False, min_value=0, max_value=130)
    maximum_age = forms.IntegerField(required=False, min_value=0, max_value=130)
    eligibility = forms.CharField(
        label="Who may use it", widget=forms.Textarea, required=False, max_length=MEDIUM_TEXT
    )
    accessibility = forms.CharField(
        label="Accessibility details",
        widget=forms.Textarea,
        required=False,
        max_length=MEDIUM_TEXT,
    )
    features = forms.MultipleChoiceField(
        label="Accessibility features",
        choices=AccessibilityFeature.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.CharField(
        max_length=200, required=False, help_text="Language codes separated by commas, like en, pl."
    )
    taxonomy_terms = forms.ModelMultipleChoiceField(
        label="Activities",
        queryset=TaxonomyTerm.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["taxonomy_terms"].queryset = TaxonomyTerm.objects.order_by("name")  # type: ignore[attr-defined]

    def asset_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        area = data.pop("area")
        terms = data.pop("taxonomy_terms")
        data["area_id"] = area.pk if area else None
        data["taxonomy_term_ids"] = [term.pk for term in terms]
        data["languages"] = [c for c in (data["languages"] or "").split(",") if c.strip()]
        return data


class ScheduleForm(forms.Form):
    freq = forms.ChoiceField(
        label="How often", choices=[("WEEKLY", "Weekly"), ("MONTHLY", "Monthly")]
    )
    byday = forms.CharField(
        label="Days",
        max_length=60,
        help_text="MO, TU, WE, TH, FR, SA, SU separated by commas; monthly: 2MO is the second "
        "Monday, -1FR the last Friday.",
    )
    opens_at = forms.TimeField(label="Opens at", widget=TimeInput)
    closes_at = forms.TimeField(label="Closes at", widget=TimeInput)
    valid_from = forms.DateField(required=False, widget=DateInput)
    valid_to = forms.DateField(required=False, widget=DateInput)
    description = forms.CharField(max_length=200, required=False)


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ResourceKind.choices)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=LONG_TEXT)
    capacity = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    available_days = forms.CharField(
        max_length=30, initial="MO,TU,WE,TH,FR", help_text="Days it may be booked, like MO,TU."
    )
    available_from = forms.TimeField(widget=TimeInput, initial="09:00")
    available_until = forms.TimeField(widget=TimeInput, initial="17:00")
    credit_minutes = forms.IntegerField(
        label="Price in time credits (minutes)",
        min_value=0,
        max_value=6_000_000,
        initial=0,
        help_text="60 is one time credit, paid when you approve a booking; 0 is free.",
    )


class BookingForm(forms.Form):
    date = forms.DateField(widget=DateInput)
    starts = forms.TimeField(label="From", widget=TimeInput)
    ends = forms.TimeField(label="Until", widget=TimeInput)
    purpose = forms.CharField(max_length=200, help_text="What is the booking for?")
    bank = ShortModelChoiceField(
        label="Pay with time credits from",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="My only time bank",
    )

    def __init__(
        self, *args: Any, banks: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if banks is None:
            del self.fields["bank"]
        else:
            self.fields["bank"].queryset = banks  # type: ignore[attr-defined]
        self.fields["date"].widget.attrs.update(
            min=timezone.localdate().isoformat(), max=booking_latest_date().isoformat()
        )

    def clean_date(self) -> dt.date:
        # Range-checked here too, so a year-9999 date is told so on its own field.
        value: dt.date = self.cleaned_data["date"]
        if value < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        latest = booking_latest_date()
        if value > latest:
            raise forms.ValidationError(booking_too_far_message(latest))
        return value


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason (if declining)",
        widget=forms.Textarea,
        required=False,
        max_length=MEDIUM_TEXT,
    )


class MappingSessionForm(forms.Form):
    title = forms.CharField(max_length=200)
    held_on = forms.DateField(label="Date", widget=DateInput)
    area = ShortModelChoiceField(queryset=Area.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")  # type: ignore[attr-defined]


class BulkRowForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    category = forms.ChoiceField(choices=[("", "Choose"), *CATEGORY_CHOICES], required=False)
    postcode = forms.CharField(max_length=10, required=False)
    description = forms.CharField(max_length=500, required=False)
    opening_times = forms.CharField(
        max_length=200, required=False, help_text="Like MO,TU 09:00-17:00; SA 10:00-12:00"
    )


BulkFormSet = forms.formset_factory(BulkRowForm, extra=8, max_num=50)


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV or Excel (.xlsx) file with a heading row, or an Open Referral UK "
        "services file (.json)."
    )
