"""Audit API: an organisation's instruments, one instrument's document, a new version. The
same services and selectors as the pages.

No ``from __future__ import annotations`` here: ninja reads the paginated list's query
parameters from their real annotations."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.audit.models import Instrument
from coproduce.audit.selectors import instruments as selectors
from coproduce.audit.services import instruments as services
from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["audit"])


class AuditInstrumentOut(Schema):
    id: int
    organisation_id: int
    code: str
    version: int
    title: str
    based_on: str
    created_at: datetime


class AuditInstrumentDetailOut(AuditInstrumentOut):
    document: dict[str, Any]
    versions: list[int]


class AuditInstrumentTextIn(Schema):
    text: str = Field(..., min_length=1, max_length=services.TEXT_LIMIT)


def _detail(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.pk,
        "organisation_id": instrument.organisation_id,
        "code": instrument.code,
        "version": instrument.version,
        "title": instrument.title,
        "based_on": instrument.based_on,
        "created_at": instrument.created_at,
        "document": instrument.document,
        "versions": list(
            selectors.instrument_versions(instrument).values_list("version", flat=True)
        ),
    }


@router.get(
    "/organisations/{organisation_id}/instruments",
    response=responses(list[AuditInstrumentOut]),
    summary="The organisation's audit instruments, the latest version of each",
)
@paginate(Pagination)
def instrument_list(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.instrument_list(viewer=viewer(request), organisation_id=organisation_id)


@router.get(
    "/instruments/{instrument_id}",
    response=responses(AuditInstrumentDetailOut),
    summary="One version of an instrument, with its document",
)
def instrument_get(request: HttpRequest, instrument_id: Id) -> dict[str, Any]:
    return _detail(
        selectors.access_instrument_by_id(viewer=viewer(request), instrument_id=instrument_id)
    )


@router.post(
    "/instruments/{instrument_id}/versions",
    response=responses(AuditInstrumentDetailOut, 201),
    summary="Save YAML or JSON text as the instrument's next version (managers)",
)
def instrument_version_add(
    request: HttpRequest, instrument_id: Id, payload: AuditInstrumentTextIn
) -> Any:
    instrument = services.instrument_version_add(
        viewer=viewer(request), instrument_id=instrument_id, text=payload.text
    )
    return Status(201, _detail(instrument))


@router.post(
    "/organisations/{organisation_id}/instruments/copy-default",
    response=responses(AuditInstrumentDetailOut),
    summary="The organisation's copy of the default instrument, made if it has none (managers)",
)
def instrument_copy_default(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    return _detail(
        services.instrument_copy_default(viewer=viewer(request), organisation_id=organisation_id)
    )
