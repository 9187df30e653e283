"""Forms for matching: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from coproduce.coordination.services.marks import MAX_RANK, QUERY_LIMIT

VERDICTS = (("good", "A good match"), ("bad", "Not a good match"))


class MarkForm(forms.Form):
    """One Good / Not a good match button on the matches page: the suggestion, where it was
    ranked and what it was for travel as hidden fields; the button carries the verdict."""

    candidate = forms.CharField(label="Suggestion", max_length=80, widget=forms.HiddenInput)
    rank = forms.IntegerField(
        label="Rank", min_value=1, max_value=MAX_RANK, widget=forms.HiddenInput
    )
    query = forms.CharField(label="Query", max_length=QUERY_LIMIT, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label="Was it a good match?", choices=VERDICTS)
