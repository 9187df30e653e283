"""Helpers shared by every app's forms."""

from __future__ import annotations

from django import forms

from coproduce.errors import CoproduceError, InvalidInput


def add_error(form: forms.BaseForm, error: CoproduceError) -> None:
    """Show a service's error on the field it names, or at the top of the form."""
    field = error.field if isinstance(error, InvalidInput) else None
    if field is not None and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


class DateInput(forms.DateInput):
    input_type = "date"
