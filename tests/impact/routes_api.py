"""Impact's API, for the permission matrix. Everyone active reads indicators and unit costs;
members and up propose and agree; staff and up record outcomes, read the records (they carry
evidence) and enter wellbeing answers; coordinators and up verify; managers adopt, add costs,
set deflators and add value maps; coordinators, managers, commissioners and administrators
read the aggregates (network, outcome totals, value, wellbeing change, value maps, reports)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from coproduce.impact.models import Agency, IndicatorBenefit, IndicatorStatus, OutcomeIndicator
from coproduce.impact.services import outcomes, reports, value_maps
from tests.matrix import (
    COORDINATORS_UP,
    MANAGERS_UP,
    MEMBERS_UP,
    STAFF_UP,
    ApiRoute,
)

AGGREGATES = frozenset({"coordinator", "manager", "commissioner", "admin"})
# Each visitor's POST carries its own name, code or day, so one visitor's success does not make
# the next one's body a duplicate.
_serial = count(1)
VALUE_MAP_CSV = (
    "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
    "displacement,attribution,drop_off,duration\n"
    "Members,Fewer crises,A&E visits avoided,10,109,GMCA HE4.0,25,0,20,20,2\n"
)


def _p(path: str) -> str:
    return f"/api/v1/impact{path}"


def _org(tail: str) -> Any:
    return lambda w: _p(f"/organisations/{w.org.pk}/{tail}")


def _indicator(world: Any, *, agreed: bool = False) -> OutcomeIndicator:
    indicator = outcomes.indicator_propose(
        viewer=world.viewer("member"),
        organisation_id=world.org.pk,
        service="Day service",
        name=f"Crises handled here {OutcomeIndicator.objects.count()}",
        description="Coming here instead of A&E.",
        how_measured="Counted at reviews.",
        unit="crisis",
        concerns="Members with a crisis plan",
        benefits=[outcomes.BenefitInput(agency=Agency.NHS)],
    )
    if agreed:
        outcomes.indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk)
        outcomes.indicator_adopt(viewer=world.viewer("manager"), indicator_id=indicator.pk)
        indicator.status = IndicatorStatus.AGREED
    return indicator


def _record_id(world: Any) -> int:
    indicator = _indicator(world, agreed=True)
    today = timezone.localdate()
    record = outcomes.outcome_record(
        viewer=world.viewer("staff"),
        indicator_id=indicator.pk,
        period_start=today - timedelta(days=30),
        period_end=today - timedelta(days=1),
        quantity=Decimal(4),
        evidence="Review log.",
    )
    return record.pk


def _value_map_id(world: Any) -> int:
    return value_maps.value_map_create(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        service="Day service",
        title="Day service SROI",
        inputs="The broker's post.",
        investment=Decimal(1000),
        csv_text=VALUE_MAP_CSV,
    ).pk


def _report_id(world: Any) -> int:
    today = timezone.localdate()
    return reports.report_request(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        period_start=today - timedelta(days=90),
        period_end=today,
    ).pk


def _unproposed(world: Any) -> int:
    """An indicator nobody in the world proposed (so every role's agreement is its first)."""
    indicator = OutcomeIndicator.objects.create(
        organisation=world.org,
        service="Day service",
        name=f"Tenancies kept {next(_serial)}",
        description="Not losing my flat.",
        how_measured="Confirmed by the landlord.",
        unit="tenancy",
        concerns="Members whose tenancy was at risk",
    )
    IndicatorBenefit.objects.create(indicator=indicator, agency=Agency.HOUSING)
    return indicator.pk


def _new_indicator(world: Any) -> dict[str, Any]:
    return {
        "service": "Day service",
        "name": f"Nights at home {next(_serial)}",
        "description": "Not going into hospital.",
        "how_measured": "Bed days avoided.",
        "unit": "bed day",
        "concerns": "Members known to the mental-health team",
        "benefits": [{"agency": "nhs", "cashable": False}],
    }


def _new_record(world: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "period_start": str(today - timedelta(days=30)),
        "period_end": str(today - timedelta(days=1)),
        "quantity": "3",
        "evidence": "Review log.",
    }


def _verify_path(world: Any) -> str:
    return _p(f"/records/{_record_id(world)}/verify")


def _new_response(world: Any) -> dict[str, Any]:
    return {
        "person_id": world.people["member"].pk,
        "instrument": "ons4",
        "taken_on": str(timezone.localdate() - timedelta(days=next(_serial))),
        "answers": [6, 7, 6, 3],
    }


API_ROUTES: list[ApiRoute] = [
    ApiRoute("/impact/organisations/{organisation_id}/indicators", _org("indicators")),
    ApiRoute(
        "/impact/organisations/{organisation_id}/indicators",
        _org("indicators"),
        allowed=MEMBERS_UP,
        method="post",
        data=_new_indicator,
        ok_status=201,
    ),
    ApiRoute(
        "/impact/indicators/{indicator_id}",
        lambda w: _p(f"/indicators/{_indicator(w).pk}"),
    ),
    ApiRoute(
        "/impact/indicators/{indicator_id}/agreements",
        lambda w: _p(f"/indicators/{_unproposed(w)}/agreements"),
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"comment": "Yes, this matters."},
        ok_status=201,
    ),
    ApiRoute(
        "/impact/indicators/{indicator_id}/adopt",
        lambda w: _p(f"/indicators/{_agreed_once(w)}/adopt"),
        allowed=MANAGERS_UP,
        method="post",
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/records",
        _org("records"),
        allowed=STAFF_UP,
    ),
    ApiRoute(
        "/impact/indicators/{indicator_id}/records",
        lambda w: _p(f"/indicators/{_indicator(w, agreed=True).pk}/records"),
        allowed=STAFF_UP,
        method="post",
        data=_new_record,
        ok_status=201,
    ),
    ApiRoute(
        "/impact/records/{record_id}/verify",
        _verify_path,
        allowed=COORDINATORS_UP,
        method="post",
        data=lambda w: {"note": "Checked against the log."},
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/wellbeing-responses",
        _org("wellbeing-responses"),
        allowed=STAFF_UP,
        method="post",
        data=_new_response,
        ok_status=201,
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/wellbeing-responses/mine",
        _org("wellbeing-responses/mine"),
    ),
    ApiRoute("/impact/organisations/{organisation_id}/unit-costs", _org("unit-costs")),
    ApiRoute(
        "/impact/organisations/{organisation_id}/unit-costs",
        _org("unit-costs"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {
            "code": f"OWN{next(_serial)}",
            "description": "Peer support session",
            "unit": "per session",
            "value": "45.00",
            "price_year": "2024/25",
            "agency": "la_social_care",
            "kind": "fiscal",
            "source": "Our own budget, 2024/25",
        },
        ok_status=201,
    ),
    ApiRoute("/impact/organisations/{organisation_id}/deflators", _org("deflators")),
    ApiRoute(
        "/impact/organisations/{organisation_id}/deflators",
        _org("deflators"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {"financial_year": "2024/25", "index": "100", "source": "HM Treasury"},
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/network", _org("network"), allowed=AGGREGATES
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/outcome-totals",
        _org("outcome-totals"),
        allowed=AGGREGATES,
    ),
    ApiRoute("/impact/organisations/{organisation_id}/value", _org("value"), allowed=AGGREGATES),
    ApiRoute(
        "/impact/organisations/{organisation_id}/wellbeing",
        _org("wellbeing"),
        allowed=AGGREGATES,
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/value-maps",
        _org("value-maps"),
        allowed=AGGREGATES,
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/value-maps",
        _org("value-maps"),
        allowed=MANAGERS_UP,
        method="post",
        data=lambda w: {
            "service": "Day service",
            "title": "Day service SROI",
            "inputs": "The broker's post.",
            "investment": "1000",
            "csv": VALUE_MAP_CSV,
        },
        ok_status=201,
    ),
    ApiRoute(
        "/impact/value-maps/{value_map_id}",
        lambda w: _p(f"/value-maps/{_value_map_id(w)}"),
        allowed=AGGREGATES,
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/reports", _org("reports"), allowed=AGGREGATES
    ),
    ApiRoute(
        "/impact/organisations/{organisation_id}/reports",
        _org("reports"),
        allowed=AGGREGATES,
        method="post",
        data=lambda w: {
            "period_start": str(timezone.localdate() - timedelta(days=90)),
            "period_end": str(timezone.localdate()),
        },
        ok_status=202,
    ),
    ApiRoute(
        "/impact/reports/{report_id}",
        lambda w: _p(f"/reports/{_report_id(w)}"),
        allowed=AGGREGATES,
    ),
]


def _agreed_once(world: Any) -> int:
    """An indicator someone other than its proposer has agreed, waiting to be adopted."""
    indicator = _indicator(world)
    outcomes.indicator_agree(viewer=world.viewer("staff"), indicator_id=indicator.pk)
    return indicator.pk
