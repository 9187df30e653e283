"""Forms parse input only; the services hold every rule."""

from __future__ import annotations

from typing import Any

from django import forms

from coproduce.errors import InvalidInput
from coproduce.framework.amounts import hours_parse
from coproduce.framework.forms import DateTimeInput, ShortModelChoiceField, add_error
from coproduce.people.forms import MembershipNumberField
from coproduce.people.models import Area, Membership, Organisation
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer
from coproduce.timebank import selectors
from coproduce.timebank.models import AgeGroup, Category, GroupDirection, ListingKind, Reward
from coproduce.timebank.services import (
    EXCHANGE_DATES,
    MAX_MONTHLY_CAP,
    AgencyDirection,
    Resolution,
)

HOURS_HELP = "Like 1:30, 1.5 or 90m."


class HoursField(forms.CharField):
    """Hours typed as 1:30, 1.5 or 90m, cleaned to whole minutes (sign kept, so the
    service can say why zero or negative hours are refused)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", HOURS_HELP)
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            return hours_parse(str(text))
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from error


class ListingSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="Offers or requests",
        required=False,
        choices=[("", "Both"), *ListingKind.choices],
    )
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *Category.choices]
    )
    area = ShortModelChoiceField(
        label="Area", required=False, queryset=Area.objects.all(), empty_label="Any area"
    )
    vetted = forms.ChoiceField(
        label="Vetted helper",
        required=False,
        choices=[("", "Either"), ("yes", "Needs a vetted helper"), ("no", "Does not")],
    )


class ListingForm(forms.Form):
    kind = forms.ChoiceField(
        label="Is this an offer or a request?",
        choices=ListingKind.choices,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Title", max_length=120)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    category = forms.ChoiceField(label="Category", choices=Category.choices)
    area = ShortModelChoiceField(
        label="Area", required=False, queryset=Area.objects.all(), empty_label="Any area"
    )
    availability = forms.CharField(
        label="When", required=False, max_length=200, help_text="For example: weekday mornings."
    )
    needs_vetted_helper = forms.BooleanField(
        label="Needs a helper who has been vetted (references and DBS check)", required=False
    )


class ListingEditForm(ListingForm):
    status = forms.ChoiceField(
        label="Status",
        choices=[("active", "Active"), ("paused", "Paused"), ("closed", "Closed")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class ProposeForm(forms.Form):
    hours = HoursField(label="How long will it take?")
    description = forms.CharField(label="What is the exchange?", widget=forms.Textarea)
    scheduled_for = forms.DateTimeField(
        label="When",
        required=False,
        widget=DateTimeInput,
        validators=[EXCHANGE_DATES],
    )


class ClaimForm(forms.Form):
    hours = HoursField(label="How long did it take?")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=Resolution.CHOICES, widget=forms.RadioSelect
    )
    hours = HoursField(label="Hours to post (for a different number of hours)", required=False)
    note = forms.CharField(label="How was it resolved?", widget=forms.Textarea)


class RecordTransferForm(forms.Form):
    payer = MembershipNumberField(label="Membership number of the person giving credits")
    payee = MembershipNumberField(label="Membership number of the person receiving")
    hours = HoursField(label="Hours")
    reason = forms.CharField(label="Reason", widget=forms.Textarea)


class GroupForm(forms.Form):
    host = MembershipNumberField(
        label="Host's membership number",
        required=False,
        help_text="Leave empty when the organisation hosts the session.",
    )
    participants = forms.CharField(
        label="Participants' membership numbers",
        widget=forms.Textarea,
        help_text="One per line, or separated by commas.",
    )
    hours = HoursField(label="Hours each")
    direction = forms.ChoiceField(
        label="Who gives the time?", choices=GroupDirection.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(label="What was the session?", max_length=500)

    def __init__(
        self,
        *args: Any,
        viewer: Viewer | None = None,
        organisation: Organisation | None = None,
        **kwargs: Any,
    ) -> None:
        """Given the ``viewer`` and the bank, the numbers are looked up as the form is
        validated, so every bad number (the host's and each participant's) shows at once,
        with the other fields' errors; the members found are ``host_membership`` and
        ``participant_memberships``."""
        super().__init__(*args, **kwargs)
        self.viewer, self.organisation = viewer, organisation
        self.host_membership: Membership | None = None
        self.participant_memberships: list[Membership] = []

    def participant_numbers(self) -> list[str]:
        raw = self.cleaned_data["participants"].replace(",", "\n")
        numbers = (membership_number_normalise(line) for line in raw.splitlines())
        return [number for number in numbers if number]

    def clean_participants(self) -> str:
        numbers = self.participant_numbers()
        limit = MembershipNumberField().max_length or 20
        too_long = [number for number in numbers if len(number) > limit]
        if too_long:
            raise forms.ValidationError(
                f"A membership number has at most {limit} characters: "
                f"{', '.join(dict.fromkeys(too_long))}."
            )
        twice = [number for number in dict.fromkeys(numbers) if numbers.count(number) > 1]
        if twice:
            raise forms.ValidationError(
                f"Each participant can be listed only once: {', '.join(twice)} "
                f"{'is' if len(twice) == 1 else 'are'} listed more than once."
            )
        return str(self.cleaned_data["participants"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.viewer is None or self.organisation is None:
            return cleaned
        if cleaned.get("host"):
            try:
                self.host_membership = selectors.membership_by_number(
                    viewer=self.viewer,
                    organisation=self.organisation,
                    number=cleaned["host"],
                    field="host",
                )
            except InvalidInput as error:
                add_error(self, error)
        if "participants" in cleaned:
            try:
                self.participant_memberships = selectors.memberships_by_numbers(
                    viewer=self.viewer,
                    organisation=self.organisation,
                    numbers=self.participant_numbers(),
                    field="participants",
                )
            except InvalidInput as error:
                add_error(self, error)
        return cleaned


AWARD = "award"


class AgencyForm(forms.Form):
    number = MembershipNumberField(label="Membership number")
    kind = forms.ChoiceField(
        label="What happened?",
        choices=[*AgencyDirection.CHOICES, (AWARD, "Time credits awarded for a contribution")],
        widget=forms.RadioSelect,
    )
    hours = HoursField(label="Hours")
    reason = forms.CharField(label="What for?", max_length=500)


class LimitsForm(forms.Form):
    floor = HoursField(
        label="Lowest balance allowed",
        required=False,
        help_text="Like -10:00. Leave empty for no lower limit.",
    )
    ceiling = HoursField(
        label="Highest balance allowed",
        required=False,
        help_text="Like 40:00. Leave empty for no upper limit.",
    )
    reason = forms.CharField(label="Why are the limits changing?", max_length=500)


class RewardForm(forms.Form):
    bank = ShortModelChoiceField(
        label="Time bank whose credits you accept", queryset=Organisation.objects.none()
    )
    name = forms.CharField(label="Reward", max_length=120)
    credits = HoursField(label="Credits (hours)")
    restrictions = forms.CharField(label="Other restrictions", required=False, max_length=500)
    off_peak_only = forms.BooleanField(
        label="Off-peak only (Monday to Friday before 5pm)", required=False
    )
    age_group = forms.ChoiceField(label="Who is it for?", choices=AgeGroup.choices)
    monthly_cap = forms.IntegerField(
        label="Most times a member may have it each month",
        required=False,
        min_value=1,
        max_value=MAX_MONTHLY_CAP,
    )

    def __init__(self, *args: Any, banks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks  # type: ignore[attr-defined]


class RedeemForm(forms.Form):
    reward = ShortModelChoiceField(label="Reward", queryset=Reward.objects.none())
    membership_number = MembershipNumberField(label="Membership number")
    code = forms.CharField(
        label="Redemption code",
        max_length=20,
        help_text=(
            "The member's one-time code: 6 digits on their time bank's rewards page, "
            "good for 10 minutes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, rewards: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = rewards  # type: ignore[attr-defined]


class AgreementForm(forms.Form):
    other = ShortModelChoiceField(
        label="Time bank to agree with", queryset=Organisation.objects.none()
    )

    def __init__(self, *args: Any, banks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = banks  # type: ignore[attr-defined]


class SignForm(forms.Form):
    """The agreement a "Sign" button names."""

    sign = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class ArrangeExchangeForm(ProposeForm):
    """A coordinator brokers an exchange between two members."""

    provider = MembershipNumberField(label="Membership number of the person giving time")
    receiver = MembershipNumberField(label="Membership number of the person receiving it")

    field_order = ["provider", "receiver", "hours", "description", "scheduled_for"]
