"""Audit API: a round's results, as ``scoring.Result.as_json()`` plus the round, its threshold,
the previous round and the change since it. The same selector as the page."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from coproduce.audit.selectors import results as selectors
from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["audit"])


class AuditGroupScoreOut(Schema):
    respondents: int
    score: float | None


class AuditScoreRowOut(Schema):
    staff: AuditGroupScoreOut
    member: AuditGroupScoreOut
    gap: float | None


class AuditSectionOut(AuditScoreRowOut):
    code: str


class AuditChangeOut(Schema):
    code: str
    staff: float | None
    member: float | None


class AuditPreviousOut(Schema):
    round_id: int
    threshold: int
    sections: list[AuditSectionOut]
    overall: AuditScoreRowOut


class AuditResultOut(Schema):
    round_id: int
    threshold: int
    sections: list[AuditSectionOut]
    overall: AuditScoreRowOut
    previous: AuditPreviousOut | None
    change: list[AuditChangeOut]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@router.get(
    "/rounds/{round_id}/results",
    response=responses(AuditResultOut),
    summary="A round's results (managers any time; everyone else once it has closed)",
)
def round_results(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    data = selectors.round_result(viewer(request), round_id)
    previous = None
    if data.previous is not None and data.previous_result is not None:
        previous = {
            "round_id": data.previous.pk,
            "threshold": data.previous_result.threshold,
            **data.previous_result.as_json(),
        }
    return {
        "round_id": data.round.pk,
        "threshold": data.result.threshold,
        **data.result.as_json(),
        "previous": previous,
        "change": [
            {"code": code, "staff": _float(c["staff"]), "member": _float(c["member"])}
            for code, c in data.change.items()
        ],
    }
