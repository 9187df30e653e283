"""Helpers shared by every app's forms."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from coproduce.errors import CoproduceError, InvalidInput

T = TypeVar("T")


def form_data(request: HttpRequest, *, sent: bool = True) -> QueryDict | None:
    """The data to bind a page's form to: the POST on a POST (an empty POST still binds, so a
    required field says so), None on GET. On a page with several forms, ``sent`` says
    whether this POST is this form's (by its button or a field only it has)."""
    return request.POST if request.method == "POST" and sent else None


def form_submit(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[dict[str, Any]], T],
    *,
    fields: Mapping[str, str] | None = None,
) -> T | None:
    """The one way a page handles a form: on a POST, validate the form (bound to
    ``form_data(request)``) and call one service with its cleaned data. The service's result
    comes back; None means "show the form again": a GET, an invalid form, or a service error
    now shown on the field it names. A refusal (403) or a missing record (404) goes on to the
    error pages. A form left unbound (another form on the page was sent) is not submitted.
    ``fields`` maps a service's argument to the form field that holds it, where they differ
    (``amount_pence`` typed as ``amount``). A service that returns nothing needs ``call`` to
    return True."""
    if request.method != "POST" or not form.is_bound or not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except CoproduceError as error:
        if error.status in (403, 404):
            raise
        if fields and isinstance(error, InvalidInput) and error.field:
            error = InvalidInput(fields.get(error.field, error.field), error.message)
        add_error(form, error)
        return None


def add_error(form: forms.BaseForm, error: CoproduceError) -> None:
    """Show a service's error on the field it names, or at the top of the form."""
    field = error.field if isinstance(error, InvalidInput) else None
    if field is not None and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


def long_date(day: date) -> str:
    """1 December 2026."""
    return f"{day.day} {day:%B %Y}"


class DateWindow:
    """A validator for a date field (or a date-and-time field, by its local date): it must fall
    between ``earliest`` and ``latest``, computed when the form is checked (so "today" is
    today). ``message`` may name ``{earliest}`` and ``{latest}``; they are written out long."""

    def __init__(
        self, *, earliest: Callable[[], date], latest: Callable[[], date], message: str
    ) -> None:
        self.earliest = earliest
        self.latest = latest
        self.message = message

    def problem(self, value: date) -> str | None:
        """The message for a value outside the window, or None."""
        day = timezone.localdate(value) if isinstance(value, datetime) else value
        earliest, latest = self.earliest(), self.latest()
        if earliest <= day <= latest:
            return None
        return self.message.format(earliest=long_date(earliest), latest=long_date(latest))

    def __call__(self, value: date) -> None:
        problem = self.problem(value)
        if problem is not None:
            raise forms.ValidationError(problem, code="date_window")


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


MAX_POUNDS = Decimal("10000000")


class PoundsField(forms.DecimalField):
    """An amount of money typed in pounds ("12.50", "£1,250") whose cleaned value is whole
    pence (1250), the integer every service and column holds. An initial value, given in
    pence, is shown in pounds ("12.50"), so people never read or type pence."""

    default_error_messages = {
        "invalid": "Enter an amount in pounds, like 12.50.",
        "max_decimal_places": "Enter an amount in pounds and pence, like 12.50.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", MAX_POUNDS)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "").strip()
        return super().to_python(value)

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{Decimal(value) / 100:.2f}"
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) != initial
        except forms.ValidationError:
            return True


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
