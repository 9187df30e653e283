"""Instruments: an organisation's editable copies of the shipped instrument, one row per
version. Managers (``audit.run``) copy and edit; a round pins the version it was opened with, so
a new version never changes a round already answered."""

from __future__ import annotations

from django.db import transaction

from coproduce.audit import instruments as documents
from coproduce.audit.models import Instrument
from coproduce.audit.selectors.instruments import DEFAULT_CODE, access_instrument_by_id
from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Organisation, Person
from coproduce.people.permissions import Viewer

TEXT_LIMIT = documents.MAX_TEXT


def _latest_default(organisation_id: int) -> Instrument | None:
    return (
        Instrument.objects.filter(organisation_id=organisation_id, code=DEFAULT_CODE)
        .order_by("-version")
        .first()
    )


def _copy_default(organisation: Organisation, actor: Person | None) -> Instrument:
    shipped = documents.instrument_default()
    instrument = Instrument(
        organisation=organisation,
        code=DEFAULT_CODE,
        version=1,
        title=shipped.title,
        document=shipped.as_document(),
        based_on=f"{shipped.id}@{shipped.version}",
        created_by=actor,
    )
    instrument.full_clean()
    instrument.save()
    history_record(
        actor=actor,
        action="audit.instrument_copied",
        subject=instrument,
        organisation=organisation,
        detail={"code": instrument.code, "based_on": instrument.based_on},
    )
    return instrument


@transaction.atomic
def instrument_copy_default(*, viewer: Viewer, organisation_id: int) -> Instrument:
    """The organisation's copy of the shipped default instrument: made once, as version 1;
    after that the latest version of the copy is returned."""
    permissions.check(
        viewer, "audit.run", organisation_id, action="copy the default audit instrument"
    )
    # Lock the organisation so two managers copying at once make one copy.
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    existing = _latest_default(organisation_id)
    if existing is not None:
        return existing
    return _copy_default(organisation, viewer.person)


@transaction.atomic
def instrument_version_add(*, viewer: Viewer, instrument_id: int, text: str) -> Instrument:
    """Save ``text`` (YAML or JSON) as the next version of the instrument's code."""
    current = access_instrument_by_id(
        viewer=viewer, instrument_id=instrument_id, ability="audit.run", action="edit an instrument"
    )
    if not text.strip():
        raise InvalidInput("text", "Give the instrument's text (YAML or JSON).")
    try:
        parsed = documents.instrument_parse(text)
    except documents.InstrumentError as error:
        raise InvalidInput("text", str(error)) from error
    if parsed.id != current.code:
        line = documents.key_line(text, "id")
        where = f"line {line}: " if line is not None else ""
        raise InvalidInput(
            "text",
            f"{where}the id must stay '{current.code}' (this instrument's code), not '{parsed.id}'",
        )
    Organisation.objects.select_for_update().get(pk=current.organisation_id)
    latest = (
        Instrument.objects.filter(organisation_id=current.organisation_id, code=current.code)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    document = parsed.as_document()
    document["version"] = latest + 1
    instrument = Instrument(
        organisation_id=current.organisation_id,
        code=current.code,
        version=latest + 1,
        title=parsed.title,
        document=document,
        based_on=current.based_on,
        created_by=viewer.person,
    )
    instrument.full_clean()
    instrument.save()
    history_record(
        actor=viewer.person,
        action="audit.instrument_version_added",
        subject=instrument,
        organisation=current.organisation,
        detail={"code": instrument.code, "version": instrument.version},
    )
    return instrument


def instrument_for_round(*, organisation: Organisation, instrument_id: int | None) -> Instrument:
    """The instrument a round of ``organisation`` is opened with: ``instrument_id`` if it is
    the organisation's (else NotFound), or the latest copy of the default, made now from the
    shipped file if the organisation has none. Call it inside the round's transaction; the
    caller has checked ``audit.run``."""
    if instrument_id is not None:
        instrument = Instrument.objects.filter(pk=instrument_id, organisation=organisation).first()
        if instrument is None:
            raise NotFound("No such instrument in this organisation.")
        return instrument
    existing = _latest_default(organisation.pk)
    if existing is not None:
        return existing
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    return _latest_default(organisation.pk) or _copy_default(organisation, None)
