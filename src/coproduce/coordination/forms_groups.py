"""Forms for peer support groups: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from coproduce.coordination.services.groups import (
    MAX_CAPACITY,
    MAX_SESSION_MINUTES,
    MEETS_LIMIT,
    NAME_LIMIT,
    NOTES_LIMIT,
    PLACE_LIMIT,
    PURPOSE_LIMIT,
)
from coproduce.framework.forms import DateTimeInput, ShortModelChoiceField
from coproduce.people.models import Area

_AREA = forms.Textarea(attrs={"rows": 3})
DAYS = [
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
]


class GroupForm(forms.Form):
    name = forms.CharField(label="Name of the group", max_length=NAME_LIMIT)
    purpose = forms.CharField(
        label="What the group is for",
        help_text="In your own words: who it is for and what you do together.",
        widget=_AREA,
        required=False,
        max_length=PURPOSE_LIMIT,
    )
    meets = forms.CharField(
        label="When and where it meets",
        help_text="For example: Tuesdays 10am at the community garden.",
        required=False,
        max_length=MEETS_LIMIT,
    )
    meets_on = forms.MultipleChoiceField(
        label="Days it meets",
        choices=DAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label="Number of places",
        help_text="Leave empty for no limit.",
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
    )
    session_minutes = forms.IntegerField(
        label="Usual length of a meeting (minutes)",
        initial=120,
        min_value=1,
        max_value=MAX_SESSION_MINUTES,
    )
    is_open = forms.BooleanField(label="Open to new members", required=False, initial=True)
    area = ShortModelChoiceField(
        label="Neighbourhood", queryset=Area.objects.order_by("name"), required=False
    )


class ConfirmForm(forms.Form):
    """A confirm page: nothing to type, the button says yes. The form carries the service's
    errors to the top of the page."""


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Date and time it starts",
        widget=DateTimeInput(),
        help_text="For example 2026-11-28 10:30.",
    )
    minutes = forms.IntegerField(
        label="How long (minutes)",
        min_value=1,
        max_value=MAX_SESSION_MINUTES,
        help_text="Everyone present earns this time when the hours are posted.",
    )
    place = forms.CharField(label="Where", required=False, max_length=PLACE_LIMIT)
    notes = forms.CharField(
        label="Notes for the group", widget=_AREA, required=False, max_length=NOTES_LIMIT
    )


class AttendanceForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label="Who was there",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick everyone who came.",
        error_messages={
            "required": "Mark at least one person present.",
            "invalid_choice": "Only people in the group can be marked present.",
        },
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["present"].choices = people  # type: ignore[attr-defined]


class FacilitatorForm(forms.Form):
    membership_id = forms.TypedChoiceField(label="Member", coerce=int)
    make = forms.TypedChoiceField(
        label="Role",
        coerce=lambda value: value == "facilitator",
        choices=[("facilitator", "Facilitator"), ("member", "Member")],
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["membership_id"].choices = people  # type: ignore[attr-defined]
