"""Forms parse input only; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from coproduce.budgeting.models import (
    BallotKind,
    Budget,
    DeliveryStatus,
    Proposal,
    Rule,
)
from coproduce.errors import InvalidInput
from coproduce.framework.forms import DateInput, ShortModelChoiceField
from coproduce.people.forms import MembershipNumberField
from coproduce.people.models import Area, Organisation
from coproduce.timebank.models import Account


def pence(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class PoundsField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=200, label="Name your idea")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What would it do, and for whom?",
    )
    cost = PoundsField(label="What would it cost, in pounds?", help_text="For example, 450.00")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Put it on the ballot"), ("reject", "Do not put it on the ballot")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason, if not on the ballot",
        help_text="Shown publicly beside the idea.",
    )
    cost = PoundsField(
        required=False,
        label="Checked cost, in pounds",
        help_text="Leave empty to keep the cost the proposer gave.",
    )


class CodesForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=500, initial=30, label="How many codes to print"
    )


class DeliveryForm(forms.Form):
    status = forms.ChoiceField(choices=DeliveryStatus.choices, label="Progress")
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Progress note"
    )
    spend = PoundsField(required=False, label="Money spent now, in pounds")
    memo = forms.CharField(required=False, max_length=300, label="What the money was spent on")


class PaperBallotForm(forms.Form):
    number = MembershipNumberField(
        label="Their membership number",
        help_text="Written on the ballot paper or their membership card, like HOL00042.",
    )


class BallotForm(forms.Form):
    """An online ballot. Its choices are read by ``choices_from``; the form carries the
    service's errors to the top of the ballot."""


class ConfirmForm(forms.Form):
    """A confirm page: nothing to type, the button says yes. The form carries the service's
    errors to the top of the page."""


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=20, label="Your voting code", help_text="It is printed on your slip."
    )


def choices_from(data: QueryDict, *, budget: Budget, proposals: list[Proposal]) -> dict[int, int]:
    """Read a ballot from a form post: ticked ``project`` boxes, or ``points-<id>`` fields."""
    if budget.ballot_kind != BallotKind.CUMULATIVE:
        chosen: dict[int, int] = {}
        for raw in data.getlist("project"):
            try:
                chosen[int(raw)] = 1
            except ValueError as error:
                raise InvalidInput("choices", f"“{raw}” is not a project.") from error
        return chosen
    points: dict[int, int] = {}
    for proposal in proposals:
        raw = data.get(f"points-{proposal.pk}", "").strip()
        if not raw:
            continue
        try:
            points[proposal.pk] = int(raw)
        except ValueError as error:
            raise InvalidInput(
                "choices", f"Points for “{proposal.title}” must be a whole number."
            ) from error
    return points


class RoundForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title of the round")
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="What it is for"
    )


class ChosenId(ShortModelChoiceField):
    """A select of the records the viewer may pick, read as the chosen id. Whether the id
    may be used is the service's decision (an id outside the list is its 404), not the
    form's."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise forms.ValidationError("Choose one from the list.", code="invalid") from error

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class BudgetForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name of the budget")
    amount = PoundsField(label="Amount, in pounds")
    area = ChosenId(
        queryset=Area.objects.order_by("name"),
        required=False,
        label="Area",
        help_text="Leave empty for a city-wide budget.",
    )
    pot = ChosenId(
        queryset=Account.objects.none(),
        required=False,
        label="Community pot that pays for the winning projects",
    )
    ballot_kind = forms.ChoiceField(choices=BallotKind.choices, label="Kind of ballot")
    rule = forms.ChoiceField(choices=Rule.choices, label="Counting rule", initial=Rule.MES)
    threshold_votes = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        initial=0,
        label="Votes a project needs (greedy rules; points on cumulative ballots)",
    )
    min_projects = forms.IntegerField(
        min_value=0, max_value=1_000, initial=1, label="Fewest projects a voter picks"
    )
    max_projects = forms.IntegerField(
        min_value=1, max_value=1_000, required=False, label="Most projects a voter picks"
    )
    min_share_percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=0,
        label="Least share of the budget a ballot must spend, in %",
    )
    points = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        required=False,
        label="Points each voter shares out (points ballots)",
    )
    residents_only = forms.BooleanField(required=False, label="Only residents of the area may vote")
    min_age = forms.IntegerField(min_value=0, max_value=120, required=False, label="Minimum age")
    members_of = ChosenId(
        queryset=Organisation.objects.none(),
        required=False,
        label="Only members of this organisation may vote",
    )

    def __init__(self, *args: Any, organisations: Any, pots: Any, **kwargs: Any) -> None:
        """``organisations`` and ``pots`` are the viewer's choices, from the selectors."""
        super().__init__(*args, **kwargs)
        for name, queryset in (("members_of", organisations), ("pot", pots)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class PolicyForm(forms.Form):
    service = forms.CharField(max_length=200, label="Service whose savings are shared")
    area = ChosenId(
        queryset=Area.objects.order_by("name"), label="Area whose community pot receives them"
    )
    share_percent = forms.IntegerField(
        min_value=1, max_value=100, label="Share of verified cashable savings, in %"
    )
    period_start = forms.DateField(widget=DateInput, label="Period starts")
    period_end = forms.DateField(widget=DateInput, label="Period ends")


class SavingsForm(forms.Form):
    amount = PoundsField(label="Verified cashable savings, in pounds")
    period_start = forms.DateField(widget=DateInput, label="Savings period starts")
    period_end = forms.DateField(widget=DateInput, label="Savings period ends")
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Evidence",
        help_text="How the saving was measured, and who checked that it is cashable.",
    )
    evidence_url = forms.URLField(
        required=False, assume_scheme="https", label="Link to the evidence"
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="pabulib .pb file", help_text="At most 20 MB.")
    title = forms.CharField(
        max_length=200, required=False, label="Title", help_text="Leave empty to use the file's."
    )
    rule = forms.ChoiceField(choices=Rule.choices, initial=Rule.MES, label="Counting rule")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB.")
        try:
            text: str = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file is not UTF-8 text.") from error
        return text
