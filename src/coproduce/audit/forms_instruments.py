"""Forms for audit instruments: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from coproduce.audit.services.instruments import TEXT_LIMIT


class InstrumentTextForm(forms.Form):
    text = forms.CharField(
        label="The instrument, in YAML or JSON",
        help_text=(
            "Saving makes a new version; rounds already opened keep the version they started "
            "with. A problem is shown with the line it is on."
        ),
        max_length=TEXT_LIMIT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "cols": 90, "spellcheck": "false"}),
    )


class ConfirmForm(forms.Form):
    """A confirm page: nothing to type, the button says yes."""
