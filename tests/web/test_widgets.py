"""Browser pickers show a stored value only when it is in the ISO form they expect."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from coproduce.framework.forms import DateInput, DateTimeInput, TimeInput


def test_date_picker_is_valued_in_iso_form() -> None:
    html = DateInput().render("born", date(1990, 4, 1))
    assert 'type="date"' in html
    assert 'value="1990-04-01"' in html


def test_date_and_time_picker_is_valued_in_iso_form() -> None:
    html = DateTimeInput().render("when", datetime(2026, 11, 28, 10, 30))
    assert 'type="datetime-local"' in html
    assert 'value="2026-11-28T10:30"' in html


def test_time_picker_is_valued_in_hours_and_minutes() -> None:
    html = TimeInput().render("opens", time(9, 30))
    assert 'type="time"' in html
    assert 'value="09:30"' in html


@pytest.mark.django_db
def test_short_model_choice_field_lists_and_checks_choices(
    django_assert_num_queries: Any,
) -> None:
    from coproduce.framework.forms import ShortModelChoiceField
    from coproduce.people.models import Area

    first = Area.objects.create(name="Riverside", slug="riverside")
    Area.objects.create(name="Northgate", slug="northgate")
    field = ShortModelChoiceField(queryset=Area.objects.all(), empty_label="Any area")
    with django_assert_num_queries(1):
        choices = [(str(value), label) for value, label in field.choices]
    assert choices == [
        ("", "Any area"),
        (str(Area.objects.get(slug="northgate").pk), "Northgate"),
        (str(first.pk), "Riverside"),
    ]
    assert field.clean(str(first.pk)) == first
