"""The shared ending of every service: validate a model, save it and append to the history
of what happened (HackSoft's ``model_update``). Services call these inside their own
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from coproduce.errors import InvalidInput
from coproduce.people.models import HistoryEntry, Organisation, Person

M = TypeVar("M", bound=models.Model)


def history_record(
    *,
    actor: Person | None,
    action: str,
    subject: models.Model,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the history. Call it inside the service's transaction."""
    HistoryEntry.objects.create(
        actor=actor,
        organisation=organisation,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        detail=detail or {},
    )


def model_validate(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Run model validation and turn the first error into InvalidInput naming the field."""
    try:
        instance.full_clean(exclude=list(exclude or []), validate_unique=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            name = None if field_name == "__all__" else field_name
            raise InvalidInput(name, messages[0]) from error


def model_update(
    instance: M,
    *,
    data: Mapping[str, Any],
    actor: Person | None,
    action: str,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
    exclude: Iterable[str] | None = None,
) -> list[str]:
    """Assign ``data`` to ``instance``, validate, save the fields that changed and record
    ``action`` in the history with what changed. Returns the changed field names; nothing
    is saved or recorded when nothing changed."""
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(instance, name, data[name])
    model_validate(instance, exclude=exclude)
    instance.save(update_fields=changed)
    history_record(
        actor=actor,
        organisation=organisation,
        action=action,
        subject=instance,
        detail={"changed": changed, **(detail or {})},
    )
    return changed
