from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_choice(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.filter
def with_described_by(field: BoundField, help_text: str) -> SafeString:
    """Render the widget with aria-describedby pointing at its hint and error."""
    ids = []
    if help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    attrs: dict[str, str | bool] = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    css = "input" if not isinstance(field.field.widget, forms.CheckboxInput) else ""
    if isinstance(field.field.widget, forms.Select):
        css = "select"
    elif isinstance(field.field.widget, forms.Textarea):
        css = "textarea"
    if css:
        attrs["class"] = css + (" input-error" if field.errors else "")
    return field.as_widget(attrs=attrs)
