"""Answering: reads. An invitee's questionnaire, a link's respondent by its token, a
respondent's saved answers and a round's evidence (never shown to commissioners)."""

from __future__ import annotations

from django.db.models import QuerySet

from coproduce.audit.models import Evidence, Respondent, Round, Source
from coproduce.audit.services.rounds import token_hash
from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import Role
from coproduce.people.permissions import Viewer


def invitation_for(viewer: Viewer, round: Round) -> Respondent | None:
    """The viewer's own questionnaire in the round, if they were invited to answer it."""
    if viewer.person_id is None:
        return None
    return Respondent.objects.filter(round=round, person_id=viewer.person_id).first()


def respondent_by_token(token: str) -> Respondent:
    """The respondent of an anonymous link, found by the SHA-256 of its token."""
    found = (
        Respondent.objects.select_related("round__instrument", "round__organisation")
        .filter(source=Source.LINK, token_hash=token_hash(token))
        .first()
        if token
        else None
    )
    if found is None:
        raise NotFound("No such questionnaire link.")
    return found


def respondent_answers(respondent: Respondent) -> dict[str, int | None]:
    """The respondent's saved answers by item code (None: "don't know")."""
    return dict(respondent.answers.values_list("item_code", "value"))


def may_see_evidence(viewer: Viewer, round: Round) -> bool:
    role = viewer.role_in(round.organisation_id)
    return role is not None and role != Role.COMMISSIONER


def round_evidence(viewer: Viewer, round: Round) -> QuerySet[Evidence]:
    """The round's evidence by item. Commissioners see scores, not the examples behind them:
    PermissionDenied."""
    permissions.check(viewer, "audit.view", round.organisation_id, action="see this round")
    if not may_see_evidence(viewer, round):
        raise PermissionDenied("Commissioners see the scores, not the examples behind them.")
    return Evidence.objects.filter(round=round).order_by("item_code", "-happened_on", "pk")
