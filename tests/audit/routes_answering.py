"""Answering, for the permission matrix. Every role of the organisation is invited first, so
each may open its own questionnaire (one not invited is refused: tests/audit/test_answering);
an anonymous link is public (a fresh link each visit); staff and up enter paper forms;
everyone but commissioners reads and adds evidence."""

from __future__ import annotations

from typing import Any

from tests.audit.factories import invite_everyone, link_for, round_for
from tests.matrix import ALL_ROLES, MEMBERS_UP, STAFF_UP, ApiRoute, Route


def _invited(world: Any) -> int:
    return invite_everyone(world, round_for(world)).pk


def _invited_round(world: Any) -> dict[str, int]:
    return {"round_id": _invited(world)}


def _round(world: Any) -> dict[str, int]:
    return {"round_id": round_for(world).pk}


def _link(world: Any) -> dict[str, str]:
    _, token = link_for(world, round_for(world))
    return {"token": token}


def _answers(world: Any) -> dict[str, str]:
    return {"answer_ASSETS1": "4", "answer_ASSETS2": "dk", "action": "save"}


def _paper(world: Any) -> dict[str, str]:
    return {"group": "member", "label": "7", "answer_ASSETS1": "3"}


def _evidence(world: Any) -> dict[str, str]:
    return {"item_code": "ASSETS1", "what_happened": "Members ran the Tuesday lunch club."}


ROUTES: list[Route] = [
    Route("audit:respond", kwargs=_invited_round, allowed=ALL_ROLES),
    Route(
        "audit:respond",
        kwargs=_invited_round,
        allowed=ALL_ROLES,
        method="post",
        data=_answers,
        ok_status=302,
    ),
    Route("audit:respond_link", kwargs=_link, public=True),
    Route(
        "audit:respond_link",
        kwargs=_link,
        public=True,
        method="post",
        data=_answers,
        ok_status=302,
    ),
    Route("audit:paper_entry", kwargs=_round, allowed=STAFF_UP),
    Route(
        "audit:paper_entry",
        kwargs=_round,
        allowed=STAFF_UP,
        method="post",
        data=_paper,
        ok_status=302,
    ),
    Route("audit:evidence", kwargs=_round, allowed=MEMBERS_UP),
    Route(
        "audit:evidence",
        kwargs=_round,
        allowed=MEMBERS_UP,
        method="post",
        data=_evidence,
        ok_status=302,
    ),
]


def _p(path: str) -> str:
    return f"/api/v1/audit{path}"


API_ROUTES: list[ApiRoute] = [
    ApiRoute(
        "/audit/rounds/{round_id}/my-answers",
        lambda w: _p(f"/rounds/{_invited(w)}/my-answers"),
        allowed=ALL_ROLES,
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/my-answers",
        lambda w: _p(f"/rounds/{_invited(w)}/my-answers"),
        allowed=ALL_ROLES,
        method="post",
        data=lambda w: {"answers": {"ASSETS1": 4, "ASSETS2": None}},
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/paper",
        lambda w: _p(f"/rounds/{round_for(w).pk}/paper"),
        allowed=STAFF_UP,
        method="post",
        data=lambda w: {"group": "staff", "label": "12", "answers": {"ASSETS1": 2}},
        ok_status=201,
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/evidence",
        lambda w: _p(f"/rounds/{round_for(w).pk}/evidence"),
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/audit/rounds/{round_id}/evidence",
        lambda w: _p(f"/rounds/{round_for(w).pk}/evidence"),
        allowed=MEMBERS_UP,
        method="post",
        data=lambda w: {"item_code": "ASSETS1", "what_happened": "A member chaired the review."},
        ok_status=201,
    ),
]
