"""Forms only parse input; the services validate the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from coproduce.framework.forms import DateInput
from coproduce.people.models import (
    ConsentPurpose,
    ContactMethod,
    DbsLevel,
    MembershipStatus,
    Role,
    SkillKind,
    Visibility,
)
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.signin import sign_in_email


class MembershipNumberField(forms.CharField):
    """A membership number as typed (``hol 000-42``), cleaned to the stored ``HOL00042``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return membership_number_normalise(super().to_python(value) or "")


class SignInForm(AuthenticationForm):
    """The sign-in page's form: the email is matched however it is capitalised."""

    def clean_username(self) -> str:
        return sign_in_email(self.cleaned_data.get("username") or "")


class RegisterForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    preferred_name = forms.CharField(
        label="What should we call you?", max_length=100, required=False
    )
    email = forms.EmailField(label="Email address", help_text="You will sign in with this.")
    postcode = forms.CharField(
        label="Postcode", max_length=10, required=False, help_text="For example, LS6 2AB."
    )
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. A few words strung together work well.",
    )


class ApplyForm(forms.Form):
    note = forms.CharField(
        label="Anything you would like the coordinator to know?",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason for declining",
        help_text="The applicant will see this.",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )


class PersonCreateForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address", required=False)
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput)
    contact_by = forms.ChoiceField(
        label="How do they like to be contacted?",
        choices=ContactMethod.choices,
        initial=ContactMethod.IN_PERSON,
    )
    role = forms.ChoiceField(
        label="Joins as",
        choices=[(Role.MEMBER, "Member"), (Role.STAFF, "Staff")],
        widget=forms.RadioSelect,
        initial=Role.MEMBER,
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    preferred_name = forms.CharField(
        label="What should we call you?", max_length=100, required=False
    )
    email = forms.EmailField(label="Contact email", required=False)
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
    address = forms.CharField(label="Address", widget=forms.Textarea, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=DateInput,
        help_text=(
            "Used only to check age limits on rewards and votes; never shown to other members."
        ),
    )
    about = forms.CharField(
        label="About me",
        widget=forms.Textarea,
        required=False,
        help_text="What matters to you, what you enjoy, what kind of life you want to live.",
    )
    contact_by = forms.ChoiceField(
        label="How should people contact you?", choices=ContactMethod.choices
    )
    email_visibility = forms.ChoiceField(label="Who may see your email", choices=Visibility.choices)
    phone_visibility = forms.ChoiceField(
        label="Who may see your phone number", choices=Visibility.choices
    )
    address_visibility = forms.ChoiceField(
        label="Who may see your address", choices=Visibility.choices
    )


class SkillForm(forms.Form):
    kind = forms.ChoiceField(
        label="Which list", choices=SkillKind.choices, widget=forms.RadioSelect
    )
    label = forms.CharField(
        label="Skill, interest or thing you can do",
        max_length=120,
        help_text="For example: gardening, listening, fixing bikes, Polish conversation.",
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=80, help_text="The program or script that will use it."
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.STAFF)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Membership status",
        choices=[
            (MembershipStatus.ACTIVE, "Active"),
            (MembershipStatus.PAUSED, "Paused"),
            (MembershipStatus.LEFT, "Left"),
        ],
        widget=forms.RadioSelect,
    )


class VettingForm(forms.Form):
    references_taken = forms.IntegerField(label="References taken", min_value=0, max_value=10)
    dbs_checked_on = forms.DateField(label="DBS check date", required=False, widget=DateInput)
    dbs_level = forms.ChoiceField(
        label="DBS check level", choices=[("", "No DBS check"), *DbsLevel.choices], required=False
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search by name", required=False, max_length=100)


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label="I agree to",
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Untick one to withdraw your consent. We keep a record of when you gave it.",
    )


class ContractedHoursForm(forms.Form):
    contracted_hours = forms.DecimalField(
        label="Contracted hours a week",
        min_value=0,
        max_value=168,
        decimal_places=2,
        required=False,
        help_text="Leave empty if this person is not employed here.",
    )
