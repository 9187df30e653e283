"""Forms for rounds: they parse input; the services decide (an instrument or a place chosen
here is looked up again, scoped to the organisation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from coproduce.audit.models import Group
from coproduce.audit.services.rounds import EARLIEST_DAYS, LATEST_DAYS, TEXT_LIMIT
from coproduce.framework.forms import DateInput, DateWindow

_WINDOW = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=EARLIEST_DAYS),
    latest=lambda: timezone.localdate() + timedelta(days=LATEST_DAYS),
    message="Choose a date from {earliest} to {latest}.",
)


class RoundOpenForm(forms.Form):
    service = forms.CharField(
        label="The service being assessed",
        max_length=TEXT_LIMIT,
        help_text="For example: day service.",
    )
    title = forms.CharField(label="Title of the round", max_length=TEXT_LIMIT)
    opens_on = forms.DateField(label="Opens on", widget=DateInput(), validators=[_WINDOW])
    closes_on = forms.DateField(
        label="Closes on",
        widget=DateInput(),
        validators=[_WINDOW],
        help_text="People can answer until the end of this day.",
    )
    instrument = forms.TypedChoiceField(
        label="Instrument", coerce=int, empty_value=None, required=False
    )
    threshold = forms.IntegerField(
        label="Fewest respondents for a score to be shown",
        min_value=1,
        max_value=100,
        initial=5,
        help_text="No score is shown for a group with fewer respondents than this.",
    )

    def __init__(self, *args: Any, instruments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str | int, str]] = [("", "The default instrument (our copy of it)")]
        choices.extend(instruments)
        cast(forms.ChoiceField, self.fields["instrument"]).choices = choices


class InviteForm(forms.Form):
    people = forms.TypedMultipleChoiceField(
        label="People to invite", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    group = forms.ChoiceField(
        label="Answering as",
        required=False,
        choices=[
            ("", "From their role (members as members, everyone else as staff)"),
            *Group.choices,
        ],
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["people"]).choices = people


class LinksForm(forms.Form):
    group = forms.ChoiceField(label="For", choices=Group.choices)
    count = forms.IntegerField(label="How many links", min_value=1, max_value=200, initial=10)


CSV_LIMIT = 1_000_000  # bytes: a paper round of a few hundred forms is far smaller


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="The CSV file",
        help_text="Columns respondent, group, item, answer, with that heading row; "
        "UTF-8, at most 1 MB.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_LIMIT:
            raise forms.ValidationError("The file is larger than 1 MB. Split it into parts.")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
            ) from error


class CsvConfirmForm(forms.Form):
    """The checked file, sent back once more: the service checks it again before saving."""

    text = forms.CharField(widget=forms.HiddenInput, max_length=CSV_LIMIT, strip=False)
