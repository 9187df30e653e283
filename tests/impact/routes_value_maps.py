"""SROI value-map pages, for the permission matrix. Those who read reports (coordinators,
managers, commissioners and administrators) read value maps; managers upload and delete them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from coproduce.impact.models import ValueMap
from coproduce.impact.services import value_maps
from tests.matrix import MANAGERS_UP, Route

AGGREGATES = frozenset({"coordinator", "manager", "commissioner", "admin"})
VALUE_MAP_CSV = (
    "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
    "displacement,attribution,drop_off,duration\n"
    "Members,Fewer crises,A&E visits avoided,10,109,GMCA HE4.0,25,0,20,20,3\n"
    "Carers,More time for themselves,Hours of respite,40,12.50,Carers UK,10,0,30,50,2\n"
)


def value_map_for(world: Any, **overrides: Any) -> ValueMap:
    """A value map of the day service, added by world's manager."""
    fields: dict[str, Any] = {
        "service": "Day service",
        "title": "Day service SROI",
        "inputs": "The broker's post and the hall.",
        "investment": Decimal(1000),
        "csv_text": VALUE_MAP_CSV,
    }
    fields.update(overrides)
    return value_maps.value_map_create(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, **fields
    )


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _value_map(world: Any) -> dict[str, int]:
    return {"value_map_id": value_map_for(world).pk}


def _upload(world: Any) -> dict[str, Any]:
    return {
        "title": "Befriending SROI",
        "service": "Befriending",
        "inputs": "Volunteers' time.",
        "investment": "2500",
        "discount_rate": "3.5",
        "discount_year_one": "on",
        "file": SimpleUploadedFile("value-map.csv", VALUE_MAP_CSV.encode(), "text/csv"),
    }


ROUTES: list[Route] = [
    Route("impact:value_map_list", kwargs=_org, allowed=AGGREGATES),
    Route("impact:value_map_upload", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "impact:value_map_upload",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=_upload,
        ok_status=302,
    ),
    Route("impact:value_map_detail", kwargs=_value_map, allowed=AGGREGATES),
    Route("impact:value_map_delete", kwargs=_value_map, allowed=MANAGERS_UP),
    Route(
        "impact:value_map_delete",
        kwargs=_value_map,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {},
        ok_status=302,
    ),
]
