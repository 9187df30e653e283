"""The evaluation report's request form: which service, neighbourhood, period and price
year. The service checks the period and the price year."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from coproduce.framework.forms import DateInput, DateWindow, ShortModelChoiceField
from coproduce.people.models import Area

_WINDOW = DateWindow(
    earliest=lambda: timezone.localdate() - timedelta(days=366 * 50),
    latest=lambda: timezone.localdate() + timedelta(days=366),
    message="Choose a date from {earliest} to {latest}.",
)


class ReportRequestForm(forms.Form):
    service = forms.ChoiceField(label="Service", required=False)
    area = ShortModelChoiceField(
        label="Neighbourhood",
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label="All neighbourhoods",
    )
    period_start = forms.DateField(label="Period from", widget=DateInput(), validators=[_WINDOW])
    period_end = forms.DateField(
        label="Period to",
        widget=DateInput(),
        validators=[_WINDOW],
        help_text="The last day of the period, included.",
    )
    price_year = forms.CharField(
        label="Price year",
        max_length=9,
        required=False,
        help_text="Money is shown at this financial year's prices, like 2024/25. Leave it "
        "empty for the latest price year of the costs used.",
    )

    def __init__(self, *args: Any, services: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "Every service"),
            *((name, name) for name in services),
        ]
