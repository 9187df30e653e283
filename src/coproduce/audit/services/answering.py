"""Answering a round: a signed-in invitee's questionnaire, an anonymous single-use link's,
paper forms entered by staff (``audit.enter_paper``), and evidence beside a score.

A questionnaire can be saved and resumed until it is sent; once sent it is final, so a link
cannot be replayed. Only the SHA-256 of a link's token is stored, and the token never goes
into the history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.audit import instruments
from coproduce.audit.models import Answer, Evidence, Group, Respondent, Round, Source
from coproduce.audit.selectors.rounds import access_round, round_instrument, round_is_open
from coproduce.audit.services.rounds import token_hash
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.history import history_record
from coproduce.people.models import Person, Role
from coproduce.people.permissions import Viewer

EVIDENCE_LIMIT = 2000
NOT_INVITED = "You are not invited to answer this round."
LINK_USED = "This link has already been used to send answers."
ALREADY_SENT = "You have already sent your answers to this round."


def _open_or_refuse(found: Round, today: date | None) -> None:
    if not round_is_open(found, today=today):
        raise Conflict(
            f"This round is open from {found.opens_on:%-d %B %Y} to {found.closes_on:%-d %B %Y}"
            " and is not open now."
        )


def _validated(
    instrument: instruments.Instrument,
    answers: Mapping[str, int | None],
    ladder: str | None,
) -> tuple[dict[str, int | None], str | None]:
    """The answers and ladder rung checked against the instrument: every code an item of it,
    every value on its item's scale or None ("don't know"), the rung one of the ladder's."""
    checked: dict[str, int | None] = {}
    for code, value in answers.items():
        item = instrument.item(code)
        if item is None:
            raise InvalidInput("answers", f"There is no item {code} in this questionnaire.")
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not item.scale.min <= value <= item.scale.max
        ):
            raise InvalidInput(
                "answers",
                f"The answer to {code} must be from {item.scale.min} to {item.scale.max}.",
            )
        checked[code] = value
    if ladder and (
        instrument.ladder is None or ladder not in {r.code for r in instrument.ladder.rungs}
    ):
        raise InvalidInput("ladder", f"There is no ladder rung {ladder}.")
    return checked, ladder


@transaction.atomic
def paper_response_enter(
    *,
    viewer: Viewer,
    round_id: int,
    group: str,
    answers: dict[str, int | None],
    ladder: str | None = None,
    label: str = "",
    today: date | None = None,
) -> Respondent:
    """Enter one paper questionnaire as a submitted respondent of the round."""
    found = access_round(viewer, round_id=round_id, ability="audit.enter_paper")
    _open_or_refuse(found, today)
    if group not in Group.values:
        raise InvalidInput("group", "Choose staff or members.")
    answers, rung = _validated(round_instrument(found), answers, ladder)
    now = timezone.now()
    respondent = Respondent.objects.create(
        round=found,
        group=group,
        source=Source.PAPER,
        label=label.strip()[:120],
        ladder_rung=rung or "",
        started_at=now,
        submitted_at=now,
        entered_by=viewer.person,
    )
    Answer.objects.bulk_create(
        Answer(respondent=respondent, item_code=code, value=value)
        for code, value in answers.items()
    )
    history_record(
        actor=viewer.person,
        action="audit.paper_entered",
        subject=respondent,
        organisation=found.organisation,
        detail={"round": found.pk, "group": group},
    )
    return respondent


def _evidence_text(what_happened: str) -> str:
    text = what_happened.strip()
    if not text:
        raise InvalidInput("what_happened", "Say what happened.")
    if len(text) > EVIDENCE_LIMIT:
        raise InvalidInput(
            "what_happened", f"What happened can be at most {EVIDENCE_LIMIT:,} characters."
        )
    return text


def _evidence_create(
    *,
    found: Round,
    instrument: instruments.Instrument,
    item_code: str,
    what_happened: str,
    side: str,
    happened_on: date | None,
    today: date | None,
    respondent: Respondent | None,
    added_by: Person | None,
) -> Evidence:
    if instrument.item(item_code) is None:
        raise InvalidInput("item_code", "Choose a statement from this questionnaire.")
    text = _evidence_text(what_happened)
    if happened_on is not None and happened_on > (today or timezone.localdate()):
        raise InvalidInput("happened_on", "The day it happened cannot be in the future.")
    return Evidence.objects.create(
        round=found,
        item_code=item_code,
        side=side,
        what_happened=text,
        happened_on=happened_on,
        respondent=respondent,
        added_by=added_by,
    )


def _response_save(
    *,
    respondent: Respondent,
    answers: Mapping[str, int | None],
    ladder: str | None,
    submit: bool,
    today: date | None,
    used: str,
    actor: Person | None,
    evidence_item: str = "",
    evidence_text: str = "",
) -> Respondent:
    """Save a draft (or send) one respondent's answers; shared by invitees and links."""
    if respondent.submitted_at is not None:
        raise Conflict(used)
    found = respondent.round
    _open_or_refuse(found, today)
    instrument = round_instrument(found)
    checked, rung = _validated(instrument, answers, ladder)
    existing = {a.item_code: a for a in respondent.answers.all()}
    if submit:
        # An item left blank is "don't know": the sent questionnaire has a row for each.
        for item in instrument.items():
            if item.code not in existing:
                checked.setdefault(item.code, None)
    changed = []
    for code, value in checked.items():
        answer = existing.get(code)
        if answer is None:
            Answer.objects.create(respondent=respondent, item_code=code, value=value)
        elif answer.value != value:
            answer.value = value
            changed.append(answer)
    Answer.objects.bulk_update(changed, ["value"])
    now = timezone.now()
    if rung is not None:
        respondent.ladder_rung = rung
    if respondent.started_at is None:
        respondent.started_at = now
    if submit:
        respondent.submitted_at = now
    respondent.save(update_fields=["ladder_rung", "started_at", "submitted_at"])
    if evidence_text.strip():
        _evidence_create(
            found=found,
            instrument=instrument,
            item_code=evidence_item,
            what_happened=evidence_text,
            side=respondent.group,
            happened_on=None,
            today=today,
            respondent=respondent,
            added_by=actor,
        )
    history_record(
        actor=actor,
        action="audit.response_sent" if submit else "audit.response_saved",
        subject=respondent,
        organisation=found.organisation,
        detail={"round": found.pk, "source": respondent.source},
    )
    return respondent


def _locked_respondent(**match: Any) -> Respondent | None:
    """The one respondent matching ``match``, locked for this transaction, with its round."""
    return (
        Respondent.objects.select_for_update()
        .select_related("round__instrument", "round__organisation")
        .filter(**match)
        .first()
    )


@transaction.atomic
def response_save(
    *,
    viewer: Viewer,
    round_id: int,
    answers: Mapping[str, int | None],
    ladder: str | None = None,
    submit: bool = False,
    today: date | None = None,
    evidence_item: str = "",
    evidence_text: str = "",
) -> Respondent:
    """Save the signed-in invitee's answers to the round, or send them (``submit``).
    ``ladder`` None leaves the ladder answer as it was; "" clears it."""
    found = access_round(viewer, round_id=round_id)
    respondent = (
        _locked_respondent(round=found, person_id=viewer.person_id)
        if viewer.person_id is not None
        else None
    )
    if respondent is None:
        raise PermissionDenied(NOT_INVITED)
    if evidence_text.strip() and viewer.role_in(found.organisation_id) == Role.COMMISSIONER:
        raise PermissionDenied("Commissioners do not add evidence.")
    return _response_save(
        respondent=respondent,
        answers=answers,
        ladder=ladder,
        submit=submit,
        today=today,
        used=ALREADY_SENT,
        actor=viewer.person,
        evidence_item=evidence_item,
        evidence_text=evidence_text,
    )


@transaction.atomic
def link_response_save(
    *,
    token: str,
    answers: Mapping[str, int | None],
    ladder: str | None = None,
    submit: bool = False,
    today: date | None = None,
    evidence_item: str = "",
    evidence_text: str = "",
) -> Respondent:
    """Save or send the answers of an anonymous single-use link. Unknown token: NotFound;
    a link whose answers were sent: Conflict (no replay)."""
    respondent = (
        _locked_respondent(source=Source.LINK, token_hash=token_hash(token)) if token else None
    )
    if respondent is None:
        raise NotFound("No such questionnaire link.")
    return _response_save(
        respondent=respondent,
        answers=answers,
        ladder=ladder,
        submit=submit,
        today=today,
        used=LINK_USED,
        actor=None,
        evidence_item=evidence_item,
        evidence_text=evidence_text,
    )


@transaction.atomic
def evidence_add(
    *,
    viewer: Viewer,
    round_id: int,
    item_code: str,
    what_happened: str,
    happened_on: date | None = None,
    today: date | None = None,
) -> Evidence:
    """Add an example of what happened beside an item's score. Everyone active in the
    organisation but commissioners; the side is the viewer's group in the round if they are a
    respondent, else members for a member and staff for the other roles."""
    found = access_round(viewer, round_id=round_id)
    role = viewer.role_in(found.organisation_id)
    if role == Role.COMMISSIONER:
        raise PermissionDenied("Commissioners do not add evidence.")
    respondent = (
        Respondent.objects.filter(round=found, person_id=viewer.person_id).first()
        if viewer.person_id is not None
        else None
    )
    if respondent is not None:
        side = respondent.group
    else:
        side = Group.MEMBER if role == Role.MEMBER else Group.STAFF
    evidence = _evidence_create(
        found=found,
        instrument=round_instrument(found),
        item_code=item_code,
        what_happened=what_happened,
        side=side,
        happened_on=happened_on,
        today=today,
        respondent=respondent,
        added_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        action="audit.evidence_added",
        subject=evidence,
        organisation=found.organisation,
        detail={"round": found.pk, "item": item_code, "side": side},
    )
    return evidence
