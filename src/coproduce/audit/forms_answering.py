"""Forms for answering a round: the questionnaire (shared by the signed-in, link and paper
pages), a paper form's group and number, and evidence. They parse input; the services decide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.boundfield import BoundField

from coproduce.audit import instruments
from coproduce.audit.models import Group
from coproduce.audit.services.answering import EVIDENCE_LIMIT
from coproduce.framework.forms import DateInput

DONT_KNOW = "dk"
PREFIX = "answer_"


def _item_choices(instrument: instruments.Instrument) -> list[tuple[str, Any]]:
    return [("", "Choose a statement")] + [
        (section.title, [(item.code, item.text) for item in section.items])
        for section in instrument.sections
    ]


class QuestionnaireForm(forms.Form):
    """One radio group per item (its scale points and "Don't know") and the ladder question.
    ``cleaned_data["answers"]`` is ``{code: value or None}``; an item left blank is "don't
    know". With ``with_evidence`` it ends with one optional example of what happened."""

    action = forms.ChoiceField(
        choices=[("save", "Save"), ("send", "Send")], required=False, widget=forms.HiddenInput
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        instrument: instruments.Instrument,
        saved: Mapping[str, int | None] | None = None,
        ladder: str = "",
        with_evidence: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.instrument = instrument
        self.with_evidence = with_evidence
        saved = saved or {}
        for item in instrument.items():
            choices = [(str(p.value), f"{p.label} ({p.value})") for p in item.scale.points]
            choices.append((DONT_KNOW, item.scale.dont_know))
            name = PREFIX + item.code
            self.fields[name] = forms.ChoiceField(
                label=item.text, choices=choices, required=False, widget=forms.RadioSelect
            )
            if item.code in saved:
                value = saved[item.code]
                self.initial[name] = DONT_KNOW if value is None else str(value)
        if instrument.ladder is not None:
            self.fields["ladder"] = forms.ChoiceField(
                label=instrument.ladder.question,
                choices=[(r.code, r.label) for r in instrument.ladder.rungs],
                required=False,
                widget=forms.RadioSelect,
            )
            if ladder:
                self.initial["ladder"] = ladder
        if with_evidence:
            self.fields["evidence_item"] = forms.ChoiceField(
                label="Which statement is your example about?",
                choices=_item_choices(instrument),
                required=False,
            )
            self.fields["evidence_text"] = forms.CharField(
                label="An example of what happened",
                help_text="Something that happened that shows why you answered as you did. "
                "Please leave out people's names.",
                max_length=EVIDENCE_LIMIT,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def sections(self) -> list[tuple[instruments.Section, list[BoundField]]]:
        return [
            (section, [self[PREFIX + item.code] for item in section.items])
            for section in self.instrument.sections
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers: dict[str, int | None] = {}
        for item in self.instrument.items():
            raw = data.get(PREFIX + item.code) or DONT_KNOW
            answers[item.code] = None if raw == DONT_KNOW else int(raw)
        data["answers"] = answers
        data["submit"] = data.get("action") == "send"
        data.setdefault("ladder", "")
        if (
            self.with_evidence
            and data.get("evidence_text", "").strip()
            and not data.get("evidence_item")
        ):
            self.add_error("evidence_item", "Choose the statement your example is about.")
        return data


class PaperForm(QuestionnaireForm):
    """A paper questionnaire typed in by staff: which group it came from and its number."""

    group = forms.ChoiceField(
        label="Who filled in this form?",
        choices=[(Group.MEMBER.value, "A member"), (Group.STAFF.value, "Staff")],
        widget=forms.RadioSelect,
    )
    label = forms.CharField(
        label="Form number",
        help_text="The number written on the paper form, so it can be found again.",
        max_length=120,
        required=False,
    )


class EvidenceForm(forms.Form):
    item_code = forms.ChoiceField(label="Which statement is this about?")
    what_happened = forms.CharField(
        label="What happened",
        help_text="An example that shows how this works in practice. "
        "Please leave out people's names.",
        max_length=EVIDENCE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    happened_on = forms.DateField(label="When did it happen?", required=False, widget=DateInput())

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, instrument: instruments.Instrument
    ) -> None:
        super().__init__(data)
        field = self.fields["item_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _item_choices(instrument)
