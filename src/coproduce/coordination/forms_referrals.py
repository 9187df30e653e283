"""Forms for social prescribing referrals: they parse input; the services (and ``prsb``)
decide. The form for a referral letter is built from the dataset's groups, so a field is
named ``<group>_<item>`` and says what is missing the way the API does."""

from __future__ import annotations

from typing import Any

from django import forms

from coproduce.coordination import prsb
from coproduce.coordination.models import ReferralStatus
from coproduce.framework.forms import DateInput
from coproduce.people.forms import MembershipNumberField

_AREA = forms.Textarea(attrs={"rows": 3})


def field_name(group: prsb.Group, item: prsb.Item) -> str:
    return f"{group.key}_{item.key}"


def item_label(item: prsb.Item) -> str:
    """The item's label as a heading: "Person's date of birth"."""
    text = item.label.removeprefix("the ")
    return text[0].upper() + text[1:]


def _field(item: prsb.Item) -> forms.Field:
    missing = {"required": f"The referral is missing {item.label}."}
    if item.kind == "consent":
        return forms.BooleanField(
            label="The person agreed to share their information with this service",
            required=True,
            error_messages={
                "required": "Record the person's consent to share their information: "
                "without it the referral cannot be taken."
            },
        )
    if item.kind == "date":
        return forms.DateField(
            label=item_label(item),
            required=item.required,
            widget=DateInput(),
            error_messages=missing,
        )
    widget = _AREA if item.kind == "long_text" else None
    return forms.CharField(
        label=item_label(item),
        required=item.required,
        max_length=item.limit,
        widget=widget,
        error_messages=missing,
    )


class ReferralReceiveForm(forms.Form):
    """A referral letter typed in: the reference, then each group of the dataset."""

    reference = forms.CharField(
        label="The referrer's reference",
        max_length=80,
        help_text="As on the letter, so the message back can be matched to it.",
        error_messages={"required": "The referral is missing the referrer's reference."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for group in prsb.RECEIVED_GROUPS:
            for item in group.items:
                self.fields[field_name(group, item)] = _field(item)
        self.fields["take_it"] = forms.BooleanField(
            label="I will be this person's link worker",
            required=False,
            initial=True,
            help_text="Leave unticked for a manager of the service to give it to a link worker.",
        )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The bound fields group by group, for the template's fieldsets."""
        return [
            (group.title, [self[field_name(group, item)] for item in group.items])
            for group in prsb.RECEIVED_GROUPS
        ]

    def dataset(self) -> dict[str, dict[str, Any]]:
        """The cleaned data as the three groups the service takes."""
        data = self.cleaned_data
        return {
            group.key: {
                item.key: data.get(field_name(group, item))
                for item in group.items
                if data.get(field_name(group, item)) not in (None, "")
            }
            for group in prsb.RECEIVED_GROUPS
        }

    @staticmethod
    def error_fields() -> dict[str, str]:
        """A service error's field (``group.item``) to the form field that shows it."""
        return {
            f"{group.key}.{item.key}": field_name(group, item)
            for group in prsb.RECEIVED_GROUPS
            for item in group.items
        }


ACCEPT_HOW = (
    ("existing", "They are already a member: I have their membership number"),
    ("new", "Add them as a new member, from the referral's details"),
)


class AcceptForm(forms.Form):
    how = forms.ChoiceField(label="Who is the person", choices=ACCEPT_HOW, widget=forms.RadioSelect)
    number = MembershipNumberField(
        label="Their membership number",
        required=False,
        help_text="As on their card, e.g. HOL00042. Only if they are already a member.",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why the referral is declined",
        widget=_AREA,
        max_length=2000,
        help_text="The referrer reads this in the message back.",
    )


class LinkWorkerForm(forms.Form):
    membership_id = forms.TypedChoiceField(label="Link worker", coerce=int)

    def __init__(self, *args: Any, link_workers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership_id"].choices = link_workers  # type: ignore[attr-defined]


class SupportForm(forms.Form):
    description = forms.CharField(
        label="What was offered or introduced",
        widget=_AREA,
        max_length=2000,
        help_text="For example: the Tuesday walking group, with Sunita to meet them there.",
    )
    kind = forms.ChoiceField(label="What kind of support", choices=prsb.SupportKind.CHOICES)
    asset = forms.ChoiceField(label="Link to a place or service in the directory", required=False)
    group = forms.TypedChoiceField(
        label="Link to a peer support group", coerce=int, required=False, empty_value=None
    )
    offered_on = forms.DateField(
        label="Offered on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for today.",
    )

    def __init__(
        self,
        *args: Any,
        assets: list[tuple[str, str]],
        groups: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = [("", "None"), *assets]  # type: ignore[attr-defined]
        self.fields["group"].choices = [("", "None"), *groups]  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    text = forms.CharField(
        label="What has changed for the person", widget=_AREA, max_length=prsb.TEXT_LIMIT
    )
    recorded_on = forms.DateField(
        label="Date", required=False, widget=DateInput(), help_text="Leave empty for today."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The wellbeing measures appear once the impact app registers them.
        if prsb.WELLBEING_MEASURES:
            self.fields["measure"] = forms.ChoiceField(
                label="Wellbeing measure",
                required=False,
                choices=[("", "None")]
                + [(m.key, m.label) for m in prsb.WELLBEING_MEASURES.values()],
            )
            self.fields["score"] = forms.IntegerField(
                label="Score", required=False, min_value=-1000, max_value=1000
            )


class CloseForm(forms.Form):
    summary = forms.CharField(
        label="A summary for the referrer",
        widget=_AREA,
        max_length=2000,
        required=False,
        help_text="It goes in the message back with the support offered and the outcomes.",
    )


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *ReferralStatus.choices], required=False
    )
