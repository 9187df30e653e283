"""An asset's opening times (Open Referral UK schedules). Every schedule is written by
``schedules_write``, validated like any other model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.permissions import Viewer

from ..models import Asset, Schedule
from ..schedules import ScheduleSpec, check_schedule


def schedules_write(
    *, asset: Asset, specs: Sequence[ScheduleSpec], ids: Sequence[uuid.UUID] | None = None
) -> list[Schedule]:
    """Write checked opening times for a saved asset, each validated first (``ids``, when
    given, keeps a feed's own schedule ids). Runs inside the caller's transaction."""
    schedules = []
    for position, spec in enumerate(specs):
        schedule = Schedule(
            asset=asset,
            freq=spec.freq,
            interval=spec.interval,
            byday=spec.byday,
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            valid_from=spec.valid_from,
            valid_to=spec.valid_to,
            description=spec.description,
        )
        if ids is not None:
            schedule.id = ids[position]
        model_validate(schedule)
        schedules.append(schedule)
    return Schedule.objects.bulk_create(schedules)


@transaction.atomic
def schedule_add(*, viewer: Viewer, asset: Asset, spec: ScheduleSpec) -> Schedule:
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="edit assets")
    spec = check_schedule(spec)
    [schedule] = schedules_write(asset=asset, specs=[spec])
    Asset.objects.filter(pk=asset.pk).update(updated_at=timezone.now())
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="asset.schedule_added",
        subject=asset,
        detail={"byday": spec.byday, "opens_at": f"{spec.opens_at:%H:%M}"},
    )
    return schedule


@transaction.atomic
def schedule_remove(*, viewer: Viewer, schedule: Schedule) -> None:
    asset = schedule.asset
    permissions.check(viewer, "directory.edit", asset.organisation_id, action="edit assets")
    schedule.delete()
    Asset.objects.filter(pk=asset.pk).update(updated_at=timezone.now())
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="asset.schedule_removed",
        subject=asset,
    )
