"""Referrals, for the permission matrix. A referral is special-category: its link worker
(world's coordinator here) and the service's managers — and the person, who is not a
matrix role — may open it; the list shows each signed-in person their own."""

from __future__ import annotations

from typing import Any

from tests.coordination.factories import member
from tests.coordination.factories_referrals import accepted, dataset, received
from tests.matrix import COORDINATORS_UP, ApiRoute, Route

HOLDERS = frozenset({"coordinator", "manager", "admin"})


def _org(world: Any) -> dict[str, int]:
    return {"organisation_id": world.org.pk}


def _received(world: Any) -> dict[str, int]:
    return {"referral_id": received(world).pk}


def _accepted(world: Any) -> dict[str, int]:
    return {"referral_id": accepted(world).pk}


ROUTES: list[Route] = [
    Route("coordination:referral_list", any_signed_in=True),
    Route("coordination:referral_create", kwargs=_org, allowed=COORDINATORS_UP),
    Route("coordination:referral_detail", kwargs=_received, allowed=HOLDERS),
    Route("coordination:referral_accept", kwargs=_received, allowed=HOLDERS),
    Route("coordination:referral_decline", kwargs=_received, allowed=HOLDERS),
    Route("coordination:referral_link_worker", kwargs=_received, allowed=HOLDERS),
    Route("coordination:referral_support", kwargs=_accepted, allowed=HOLDERS),
    Route("coordination:referral_outcome", kwargs=_accepted, allowed=HOLDERS),
    Route("coordination:referral_close", kwargs=_accepted, allowed=HOLDERS),
    Route("coordination:referral_message", kwargs=_accepted, allowed=HOLDERS),
]


def _p(path: str) -> str:
    return f"/api/v1/coordination{path}"


_n = {"n": 0}


def _new_referral(world: Any) -> dict[str, Any]:
    _n["n"] += 1
    return {"reference": f"MATRIX-{_n['n']}", **dataset()}


def _new_member(world: Any) -> dict[str, Any]:
    return {"membership_id": member(world).pk}


API_ROUTES: list[ApiRoute] = [
    ApiRoute("/coordination/referrals", lambda w: _p("/referrals"), any_signed_in=True),
    ApiRoute(
        "/coordination/organisations/{organisation_id}/referrals",
        lambda w: _p(f"/organisations/{w.org.pk}/referrals"),
        allowed=COORDINATORS_UP,
        method="post",
        data=_new_referral,
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}",
        lambda w: _p(f"/referrals/{received(w).pk}"),
        allowed=HOLDERS,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/accept",
        lambda w: _p(f"/referrals/{received(w).pk}/accept"),
        allowed=HOLDERS,
        method="post",
        data=_new_member,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/decline",
        lambda w: _p(f"/referrals/{received(w).pk}/decline"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"reason": "Needs a mental health service first"},
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/link-worker",
        lambda w: _p(f"/referrals/{received(w).pk}/link-worker"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"membership_id": w.org.memberships.get(person=w.people["manager"]).pk},
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/support",
        lambda w: _p(f"/referrals/{accepted(w).pk}/support"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"description": "Walking group on Tuesdays", "kind": "activity"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/outcomes",
        lambda w: _p(f"/referrals/{accepted(w).pk}/outcomes"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"text": "Goes out twice a week now"},
        ok_status=201,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/close",
        lambda w: _p(f"/referrals/{accepted(w).pk}/close"),
        allowed=HOLDERS,
        method="post",
        data=lambda w: {"summary": "Settled in the group"},
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/message",
        lambda w: _p(f"/referrals/{accepted(w).pk}/message"),
        allowed=HOLDERS,
    ),
    ApiRoute(
        "/coordination/referrals/{referral_id}/message.csv",
        lambda w: _p(f"/referrals/{accepted(w).pk}/message.csv"),
        allowed=HOLDERS,
    ),
]
