"""Forms for wellbeing: a response typed in by staff (the person by membership number, which the
service checks), the SWEMWBS licence, and the cohort page's filter. SWEMWBS fields are item
scores only: its wording is licensed and is never shown here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from coproduce.framework.forms import DateInput, DateWindow, ShortModelChoiceField
from coproduce.impact import wellbeing
from coproduce.people.models import Area

_TAKEN = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=366 * 20),
    latest=lambda: timezone.localdate(),
    message="Choose a date from {earliest} to {latest}.",
)
_WINDOW = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=366 * 50),
    latest=lambda: timezone.localdate() + timedelta(days=366 * 5),
    message="Choose a date from {earliest} to {latest}.",
)


class ResponseForm(forms.Form):
    number = forms.CharField(
        label="Membership number",
        max_length=40,
        help_text="From the person's card, like HOL00042.",
    )
    taken_on = forms.DateField(label="Answered on", widget=DateInput(), validators=[_TAKEN])
    service = forms.CharField(
        label="The service", max_length=200, required=False, help_text="For example: day service."
    )

    # The answer fields, in the instrument's order: each instrument's form names its own.
    ANSWER_FIELDS: tuple[str, ...] = ()

    def answer_fields(self) -> list[str]:
        return list(self.ANSWER_FIELDS)

    def answers(self) -> list[int]:
        """The scores in the instrument's order."""
        return [self.cleaned_data[name] for name in self.answer_fields()]


class Ons4ResponseForm(ResponseForm):
    """The four ONS questions (Crown copyright, Open Government Licence), each 0 to 10."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for measure in wellbeing.ONS4_MEASURES:
            low, high = wellbeing.ONS4_SCALE_ENDS[measure]
            self.fields[measure.value] = forms.IntegerField(
                label=wellbeing.ONS4_QUESTIONS[measure],
                min_value=0,
                max_value=10,
                help_text=f"0 is {low}, 10 is {high}.",
            )

    ANSWER_FIELDS = tuple(measure.value for measure in wellbeing.ONS4_MEASURES)


class SwemwbsResponseForm(ResponseForm):
    """Seven item scores, 1 to 5, in the order of the organisation's licensed copy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in range(1, wellbeing.SWEMWBS_ITEMS + 1):
            self.fields[f"item_{item}"] = forms.IntegerField(
                label=f"Item {item} score", min_value=1, max_value=5
            )

    ANSWER_FIELDS = tuple(f"item_{item}" for item in range(1, wellbeing.SWEMWBS_ITEMS + 1))


class LicenceForm(forms.Form):
    held = forms.BooleanField(
        label="We hold a licence to use SWEMWBS",
        required=False,
        help_text="Registered with its owners, who gave us permission to use it.",
    )
    reference = forms.CharField(
        label="Licence reference",
        max_length=200,
        required=False,
        help_text="The licence number, or the date of the owners' letter.",
    )


class CohortFilterForm(forms.Form):
    """Which people's changes to read: a service, a neighbourhood, and the window their first
    and last answers fall in."""

    service = forms.ChoiceField(label="Service", required=False)
    area = ShortModelChoiceField(
        label="Neighbourhood",
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label="All neighbourhoods",
    )
    start = forms.DateField(label="From", widget=DateInput(), validators=[_WINDOW])
    end = forms.DateField(label="To", widget=DateInput(), validators=[_WINDOW])

    def __init__(self, *args: Any, services: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "All services"),
            *((name, name) for name in services),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end must be on or after the start.")
        return data
