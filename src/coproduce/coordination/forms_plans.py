"""Forms for plans and caseloads: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from coproduce.coordination.models import ContactHow, GoalArea, GoalStatus
from coproduce.framework.forms import DateInput
from coproduce.people.forms import MembershipNumberField

_AREA = forms.Textarea(attrs={"rows": 3})


class PlanWordsForm(forms.Form):
    life_wanted = forms.CharField(
        label="What kind of life do you want to live?",
        help_text="In the person's own words.",
        widget=_AREA,
        required=False,
        max_length=5000,
    )
    strengths = forms.CharField(
        label="Strengths and gifts", widget=_AREA, required=False, max_length=5000
    )
    what_matters = forms.CharField(
        label="What matters to me", widget=_AREA, required=False, max_length=5000
    )


class PlanCreateForm(PlanWordsForm):
    number = MembershipNumberField(
        label="Membership number", help_text="As on their card, e.g. HOL00042."
    )
    field_order = ["number", "life_wanted", "strengths", "what_matters"]


class GoalForm(forms.Form):
    area = forms.ChoiceField(label="What the goal is about", choices=GoalArea.choices)
    text = forms.CharField(
        label="The goal, in the person's own words", widget=_AREA, max_length=5000
    )
    review_on = forms.DateField(label="Review by", required=False, widget=DateInput())
    needs_vetted_helper = forms.BooleanField(
        label="Needs a vetted helper (only people with a current vetting record are suggested)",
        required=False,
    )


class StepForm(forms.Form):
    goal = forms.TypedChoiceField(label="Goal", coerce=int)
    text = forms.CharField(label="A small step", max_length=300)
    who_helps = forms.CharField(label="Who helps", max_length=200, required=False)
    due_on = forms.DateField(label="By when", required=False, widget=DateInput())

    def __init__(self, *args: object, goals: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["goal"].choices = goals  # type: ignore[attr-defined]


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label="Where it has got to", choices=GoalStatus.choices)


class CommentForm(forms.Form):
    text = forms.CharField(label="Your comment", widget=_AREA, max_length=2000)


class ContactForm(forms.Form):
    how = forms.ChoiceField(label="How you were in touch", choices=ContactHow.choices)
    note = forms.CharField(label="Note", widget=_AREA, required=False, max_length=2000)


class ReviewForm(forms.Form):
    summary = forms.CharField(label="What you agreed", widget=_AREA, required=False)
    next_review_on = forms.DateField(
        label="Next review",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for the organisation's usual interval.",
    )


class HandoverForm(forms.Form):
    to_membership_id = forms.TypedChoiceField(label="Hand over to", coerce=int)
    reason = forms.CharField(label="Why", widget=_AREA, required=False, max_length=2000)

    def __init__(
        self, *args: object, coordinators: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_membership_id"].choices = coordinators  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    reason = forms.CharField(label="Why the plan is closing", widget=_AREA, max_length=2000)


class SettingsForm(forms.Form):
    caseload_cap = forms.IntegerField(
        label="Caseload cap (people per coordinator)", min_value=1, max_value=500
    )
    review_every_days = forms.IntegerField(
        label="Review plans every (days)", min_value=7, max_value=730
    )
    no_contact_days = forms.IntegerField(
        label="Flag people with no contact for (days)", min_value=1, max_value=365
    )
