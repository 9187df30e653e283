"""Helpers shared by every app's forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from coproduce.errors import CoproduceError, InvalidInput


def add_error(form: forms.BaseForm, error: CoproduceError) -> None:
    """Show a service's error on the field it names, or at the top of the form."""
    field = error.field if isinstance(error, InvalidInput) else None
    if field is not None and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


class DateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO 8601 (1990-04-01): a browser shows a
    ``type="date"`` field with the locale's "01/04/1990" as empty, losing the stored date."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (``datetime-local``), valued as 2026-11-28T10:30 for
    the same reason as ``DateInput``."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TimeInput(forms.TimeInput):
    """A browser time picker, valued as 09:30 for the same reason as ``DateInput``."""

    input_type = "time"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class _ListedChoices(ModelChoiceIterator):
    """The choices in one plain query. Django's default, ``queryset.iterator()``, opens a
    server-side cursor on PostgreSQL: three round trips for a short list such as areas."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A choice of a few records (areas, categories) shown as a select."""

    iterator = _ListedChoices
