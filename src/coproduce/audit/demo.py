"""The demo's co-production audits of the Holy Cross day service: last year's round and this
year's, both closed, answered on paper by staff and members — staff rating the service higher
than members do on peer support and on facilitating, the gap narrowing after the first action
plan — with the barriers found and this year's action plan in progress.

And one round open now, of the Riverside peer support group: the demo's member and member of
staff are invited and have not answered yet (their questionnaires wait on their dashboards),
the coordinator has saved half an answer, paper forms from the group's first meeting are in,
and someone without an account has answered through a single-use link.

Loading twice changes nothing (any round of the day service is the marker)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from coproduce.audit.models import Round
from coproduce.audit.selectors.rounds import round_instrument
from coproduce.audit.services import actions as action_services
from coproduce.audit.services import answering, barriers, rounds
from coproduce.people.demo import HOME, organisation, person
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer, viewer_for

SERVICE = "Holy Cross day service"
OPEN_SERVICE = "Riverside peer support group"
# The open round invites these demo logins and this many other members; paper forms from
# the group's first meeting are in already.
OPEN_LOGINS = ("member@example.org", "staff@example.org", "coordinator@example.org")
OPEN_INVITED_MEMBERS = 10
OPEN_PAPER = {"member": 6, "staff": 3}

# How each group tends to answer each feature (mean on the 1 to 5 scale), last year and this year.
LEANINGS: dict[str, dict[str, tuple[float, float]]] = {
    # feature: {"staff": (last year, this year), "member": (last year, this year)}
    "assets": {"staff": (3.9, 4.1), "member": (3.3, 3.8)},
    "capabilities": {"staff": (3.6, 3.8), "member": (3.2, 3.6)},
    "mutuality": {"staff": (3.4, 3.7), "member": (3.3, 3.6)},
    "peer_support": {"staff": (3.8, 3.9), "member": (2.4, 3.1)},
    "blurring": {"staff": (3.1, 3.4), "member": (2.6, 3.0)},
    "facilitating": {"staff": (4.0, 4.0), "member": (2.7, 3.2)},
}
LADDER_WEIGHTS = {
    "staff": [0, 1, 2, 5, 8, 7, 5],
    "member": [1, 3, 5, 7, 6, 4, 2],
}
# Respondents per group in each round (over the threshold of 5, so every score is shown).
RESPONDENTS = {"staff": (9, 10), "member": (14, 16)}

BARRIERS = [
    (
        "facilitating",
        "The commissioner's monitoring form counts only sessions delivered by paid staff, so "
        "member-led sessions don't show in our contract returns.",
    ),
    (
        "blurring",
        "Members who help run groups worry that earning time credits affects their benefits.",
    ),
]
# Last year's plan, done by this year's round (shown on its action plan as the previous one).
LAST_YEAR_ACTIONS = [
    # (item, title, owner email, due in days from the round's close, status, note)
    (
        "FACILITATING2",
        "Members join the rota group and set the kitchen's opening hours",
        "manager@example.org",
        60,
        "done",
        "Two members sit on the rota group; the kitchen now opens on Fridays.",
    ),
    (
        "PEER1",
        "Hand the hearing-voices group's running to its members, with a room they book",
        "staff@example.org",
        90,
        "done",
        "Two members run it; staff come when asked.",
    ),
    (
        "ASSETS1",
        "Members sit on every interview panel for new staff",
        "manager@example.org",
        120,
        "doing",
        "Members sat on two of the three panels this year.",
    ),
]
ACTIONS = [
    (
        "PEER2",
        "Members choose and run two more peer groups, with a budget they hold",
        "staff@example.org",
        60,
        "doing",
        "The walking group started in September; a second is being planned with members.",
    ),
    (
        "FACILITATING3",
        "Members plan next year's activity programme with staff",
        "manager@example.org",
        45,
        "doing",
        "The first planning meeting was held with six members.",
    ),
    (
        "BLURRING3",
        "Ask the welfare-rights service to brief members on time credits and benefits",
        "coordinator@example.org",
        90,
        "open",
        "",
    ),
]


def _viewer(email: str) -> Viewer:
    user = person(email).user
    assert user is not None
    return viewer_for(user)


def _answer(rng: random.Random, mean: float, low: int, high: int) -> int | None:
    if rng.random() < 0.06:
        return None  # don't know
    return max(low, min(high, round(rng.gauss(mean, 0.8))))


def _answer_sheets(
    rng: random.Random, round_: Round, group: str, which: int, count: int
) -> list[tuple[dict[str, int | None], str]]:
    instrument = round_instrument(round_)
    rungs = [rung.code for rung in instrument.ladder.rungs] if instrument.ladder else []
    sheets = []
    for _ in range(count):
        answers: dict[str, int | None] = {}
        for section in instrument.sections:
            mean = LEANINGS.get(section.code, {}).get(group, (3.0, 3.0))[which]
            for item in section.items:
                answers[item.code] = _answer(rng, mean, item.scale.min, item.scale.max)
        rung = rng.choices(rungs, weights=LADDER_WEIGHTS[group])[0] if rungs else ""
        sheets.append((answers, rung))
    return sheets


def _completed_round(
    rng: random.Random, *, title: str, opens_on: date, closes_on: date, which: int
) -> Round:
    home = organisation(HOME)
    opened = rounds.round_open(
        viewer=_viewer("manager@example.org"),
        organisation_id=home.pk,
        service=SERVICE,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    staff = _viewer("staff@example.org")
    day = opens_on + timedelta(days=3)
    for group in ("staff", "member"):
        count = RESPONDENTS[group][which]
        for number, (answers, rung) in enumerate(
            _answer_sheets(rng, opened, group, which, count), start=1
        ):
            answering.paper_response_enter(
                viewer=staff,
                round_id=opened.pk,
                group=group,
                answers=answers,
                ladder=rung,
                label=f"{group[0].upper()}{number:02d}",
                today=day,
            )
    return opened


def _action_plan(
    round_: Round, plan: list[tuple[str, str, str, int, str, str]], *, barriers_found: bool
) -> None:
    manager = _viewer("manager@example.org")
    home = organisation(HOME)
    for item, title, email, due_in, status, note in plan:
        owner = Membership.objects.filter(
            organisation=home, person=person(email), status=MembershipStatus.ACTIVE
        ).first()
        action = action_services.action_add(
            viewer=manager,
            round_id=round_.pk,
            title=title,
            item_code=item,
            due_on=round_.closes_on + timedelta(days=due_in),
            owner_membership_id=owner.pk if owner else None,
            today=round_.closes_on,
        )
        if status != "open":
            action_services.action_update(
                viewer=manager, action_id=action.pk, status=status, progress_note=note
            )
    if not barriers_found:
        return
    for section, text in BARRIERS:
        barriers.barrier_record(
            viewer=manager, round_id=round_.pk, description=text, section_code=section
        )


def _open_round(rng: random.Random, today: date) -> Round:
    """A round open now: the demo logins invited and waiting, others answered."""
    home = organisation(HOME)
    manager = _viewer("manager@example.org")
    opened = rounds.round_open(
        viewer=manager,
        organisation_id=home.pk,
        service=OPEN_SERVICE,
        title=f"Peer support group audit {today.year}",
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=23),
    )
    logins = [person(email) for email in OPEN_LOGINS]
    others = (
        Membership.objects.filter(
            organisation=home, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .exclude(person__in=logins)
        .order_by("pk")
        .values_list("person_id", flat=True)[:OPEN_INVITED_MEMBERS]
    )
    rounds.round_invite(
        viewer=manager, round_id=opened.pk, person_ids=[*(p.pk for p in logins), *others]
    )
    # The coordinator has started and saved, not sent.
    answers, rung = _answer_sheets(rng, opened, "staff", 1, 1)[0]
    half = dict(list(answers.items())[: len(answers) // 2])
    answering.response_save(
        viewer=_viewer("coordinator@example.org"), round_id=opened.pk, answers=half, today=today
    )
    # Paper forms from the group's first meeting, entered by staff.
    staff = _viewer("staff@example.org")
    for group, count in OPEN_PAPER.items():
        for number, (answers, rung) in enumerate(
            _answer_sheets(rng, opened, group, 1, count), start=1
        ):
            answering.paper_response_enter(
                viewer=staff,
                round_id=opened.pk,
                group=group,
                answers=answers,
                ladder=rung,
                label=f"PS-{group[0].upper()}{number:02d}",
                today=today,
            )
    # Someone without an account answered through a single-use link.
    _respondent, token = rounds.round_links_create(
        viewer=manager, round_id=opened.pk, group="member", count=1
    )[0]
    answers, rung = _answer_sheets(rng, opened, "member", 1, 1)[0]
    answering.link_response_save(token=token, answers=answers, ladder=rung, submit=True)
    return opened


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    if Round.objects.filter(organisation__slug=HOME, service=SERVICE).exists():
        stdout.write("Audit: already loaded.\n")
        return
    today = timezone.localdate()
    rng = random.Random(2025)
    this_year_closes = today - timedelta(days=14)
    last_year_closes = this_year_closes - timedelta(days=365)
    last_year = _completed_round(
        rng,
        title=f"Co-production audit {last_year_closes.year}",
        opens_on=last_year_closes - timedelta(days=28),
        closes_on=last_year_closes,
        which=0,
    )
    this_year = _completed_round(
        rng,
        title=f"Co-production audit {this_year_closes.year}",
        opens_on=this_year_closes - timedelta(days=28),
        closes_on=this_year_closes,
        which=1,
    )
    _action_plan(last_year, LAST_YEAR_ACTIONS, barriers_found=False)
    _action_plan(this_year, ACTIONS, barriers_found=True)
    _open_round(rng, today)
    stdout.write(
        "Audit: two completed rounds of the Holy Cross day service a year apart and an "
        "action plan in progress; a round of the peer support group open now.\n"
    )
