from __future__ import annotations

from typing import Any

from django import forms

from coproduce.notifications.events import Event
from coproduce.notifications.models import Frequency


class PreferencesForm(forms.Form):
    """One question per kind of event: how should we email you about it?"""

    def __init__(self, *args: Any, choices: list[tuple[Event, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for event, frequency in choices:
            self.fields[event.code] = forms.ChoiceField(
                label=event.label,
                choices=Frequency.choices,
                initial=frequency,
                widget=forms.RadioSelect,
            )
