"""Forms for the action plan and the barriers: they parse input; the services decide (an owner
chosen here is looked up again, scoped to the round's organisation)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from coproduce.audit.instruments import Instrument
from coproduce.audit.models import ActionStatus
from coproduce.audit.services.actions import TEXT_LIMIT, TITLE_LIMIT
from coproduce.audit.services.barriers import DESCRIPTION_LIMIT
from coproduce.framework.forms import DateInput
from coproduce.people.models import Membership

_AREA = forms.Textarea(attrs={"rows": 3})


def _item_choices(instrument: Instrument) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", "No particular item")]
    for section in instrument.sections:
        choices.append(
            (section.title, [(item.code, f"{item.code}: {item.text}") for item in section.items])
        )
    return choices


class ActionForm(forms.Form):
    title = forms.CharField(label="What will be done", max_length=TITLE_LIMIT)
    item_code = forms.ChoiceField(label="The item it answers", required=False)
    owner = forms.TypedChoiceField(
        label="Who owns it", coerce=int, empty_value=None, required=False
    )
    due_on = forms.DateField(label="Due by", widget=DateInput())
    detail = forms.CharField(label="Detail", widget=_AREA, required=False, max_length=TEXT_LIMIT)

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        owners: list[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["item_code"]).choices = _item_choices(instrument)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [("", "Nobody yet")] + [
            (membership.pk, membership.person.full_name) for membership in owners
        ]


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices)
    progress_note = forms.CharField(
        label="Progress so far", widget=_AREA, required=False, max_length=TEXT_LIMIT
    )
    due_on = forms.DateField(label="Due by", widget=DateInput(), required=False)

    def __init__(self, *args: Any, may_change_due: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_change_due:
            del self.fields["due_on"]


class BarrierForm(forms.Form):
    description = forms.CharField(
        label="The barrier",
        help_text="What got in the way of co-production, in your own words.",
        widget=_AREA,
        max_length=DESCRIPTION_LIMIT,
    )
    section_code = forms.ChoiceField(label="The feature it touches", required=False)

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["section_code"]).choices = [("", "Not one feature")] + [
            (section.code, section.title) for section in instrument.sections
        ]
