"""Forms for introductions: they parse input; the services decide (and look every chosen id
up again within the plan's organisation)."""

from __future__ import annotations

from typing import Any

from django import forms

from coproduce.coordination.models import IntroductionStatus, TargetKind
from coproduce.coordination.selectors.introductions import LIST_VIEWS
from coproduce.framework.forms import DateInput
from coproduce.people.forms import MembershipNumberField

_AREA = forms.Textarea(attrs={"rows": 3})


class IntroductionForm(forms.Form):
    """The target chooser: a person by membership number or from a short list, a group or
    a place or service, each from lists the page builds within the plan's organisation."""

    kind = forms.ChoiceField(
        label="Introduce them to", choices=TargetKind.choices, widget=forms.RadioSelect
    )
    number = MembershipNumberField(
        label="Their membership number",
        required=False,
        help_text="As on their card, e.g. HOL00042. Or choose them from the list below.",
    )
    person = forms.TypedChoiceField(
        label="Or choose a person",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="People who have agreed to be suggested to others.",
    )
    group = forms.TypedChoiceField(
        label="Which group", coerce=int, required=False, empty_value=None
    )
    asset = forms.ChoiceField(label="Which place or service", required=False)
    goal = forms.TypedChoiceField(
        label="For which goal", coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label="A note for the people asked to agree",
        widget=_AREA,
        required=False,
        max_length=2000,
        help_text="Why you think they would get on, or what the place offers.",
    )
    follow_up_on = forms.DateField(
        label="Follow up on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for two weeks from today.",
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        groups: list[tuple[int, str]],
        assets: list[tuple[str, str]],
        goals: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose a person"), *people]  # type: ignore[attr-defined]
        self.fields["group"].choices = [("", "Choose a group"), *groups]  # type: ignore[attr-defined]
        self.fields["asset"].choices = [("", "Choose a place or service"), *assets]  # type: ignore[attr-defined]
        self.fields["goal"].choices = [("", "No particular goal"), *goals]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == TargetKind.PERSON:
            if data.get("number") and data.get("person"):
                self.add_error(
                    "number", "Give a membership number or choose from the list, not both."
                )
            elif not data.get("number") and not data.get("person"):
                self.add_error("number", "Give the person's membership number or choose them.")
        elif kind == TargetKind.GROUP and not data.get("group"):
            self.add_error("group", "Choose the group.")
        elif kind == TargetKind.ASSET and not data.get("asset"):
            self.add_error("asset", "Choose the place or service.")
        return data

    def target_field(self) -> str:
        """The field that holds the target for the kind chosen (where its errors go)."""
        kind = self.data.get("kind") if self.is_bound else None
        if kind == TargetKind.GROUP:
            return "group"
        if kind == TargetKind.ASSET:
            return "asset"
        return "number" if self.is_bound and self.data.get("number") else "person"


class AgreeForm(forms.Form):
    """The coordinator's form only shows ``in_person``: the person agrees for themselves."""

    in_person = forms.BooleanField(
        label="They told me themselves, in person, that they agree", required=False
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Anything you would like to say",
        widget=_AREA,
        required=False,
        max_length=2000,
        help_text="Optional. The coordinator and the others in this introduction can read it.",
    )
    in_person = forms.BooleanField(
        label="They told me themselves, in person, that they say no", required=False
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Where it has got to", widget=forms.RadioSelect)
    met_on = forms.DateField(
        label="The date they met", required=False, widget=DateInput(), help_text="For “Met”."
    )
    reason = forms.CharField(
        label="Why it didn't work out",
        widget=_AREA,
        required=False,
        max_length=2000,
        help_text="For “Didn't work out”: it closes the introduction.",
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(IntroductionStatus.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in statuses]  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    follow_up_on = forms.DateField(label="Follow up on", widget=DateInput())


class ListFilterForm(forms.Form):
    """The list page's filters, from the query string."""

    view = forms.ChoiceField(
        label="Show", choices=list(LIST_VIEWS.items()), required=False, initial="all"
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Any status"), *IntroductionStatus.choices],
        required=False,
    )
