"""Unit-cost pages, for the permission matrix. Everyone active reads the costs and the
deflator series (reference figures); managers add costs and edit or import the series."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from coproduce.impact.models import UnitCost
from tests.matrix import ALL_ROLES, MANAGERS_UP, Route

DEFLATOR_CSV = b"financial_year,index\n2023/24,98.5\n2024/25,100\n"


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _new_cost(world: Any) -> dict[str, str]:
    return {
        "code": f"OWN{UnitCost.objects.count() + 1}",
        "description": "Peer support session",
        "unit": "per session",
        "value": "45.00",
        "price_year": "2024/25",
        "agency": "la_social_care",
        "kind": "fiscal",
        "source": "Our own budget, 2024/25",
    }


ROUTES: list[Route] = [
    Route("impact:unit_cost_list", kwargs=_org, allowed=ALL_ROLES),
    Route("impact:unit_cost_add", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "impact:unit_cost_add",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=_new_cost,
        ok_status=302,
    ),
    Route("impact:deflators", kwargs=_org, allowed=ALL_ROLES),
    Route("impact:deflator_year_set", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "impact:deflator_year_set",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"financial_year": "2024/25", "index": "100", "source": "HM Treasury"},
        ok_status=302,
    ),
    Route("impact:deflator_import", kwargs=_org, allowed=MANAGERS_UP),
    Route(
        "impact:deflator_import",
        kwargs=_org,
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {
            "file": SimpleUploadedFile("deflators.csv", DEFLATOR_CSV, "text/csv"),
            "source": "HM Treasury, GDP deflators, March 2026",
        },
        ok_status=302,
    ),
]
